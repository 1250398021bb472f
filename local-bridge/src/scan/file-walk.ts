// The files a scan reads below a directory, in name order: .gitignore'd paths, paths the config excludes and the
// shared selection rules' directories and files (core file-selection.ts) left out; symbolic links followed only when they stay inside the root.
import { type Dirent, readdirSync, realpathSync, statSync } from "node:fs";
import { sep } from "node:path";
import type { Ignore } from "ignore";
import { skipByName, skipsDirectory } from "../../../src/core/scan/file-selection.ts";
import { IgnoreChain } from "./gitignore.ts";
import type { SkipReason } from "./skip-rules.ts";

export interface WalkedFile {
  absolute: string;
  /** Relative to the root, with forward slashes: what the report shows. */
  path: string;
}

export interface WalkOptions {
  /** The directory, as an absolute real path (no symbolic links in it). */
  root: string;
  /** The config's `exclude.paths`, matched against root-relative paths; such paths are not read at all. */
  exclude: Ignore | null;
  /** Called for each file left out for a reason the report counts. */
  skip: (reason: SkipReason, path: string) => void;
}

function inside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/** A directory being listed: its entries in name order and how far the walk has got through them. */
interface Frame {
  dir: string;
  real: string;
  /** Relative to the root, with forward slashes; "" for the root. */
  rel: string;
  rules: IgnoreChain;
  entries: Dirent[];
  next: number;
}

/**
 * Every file to read below `options.root`, depth first in name order. Synchronous, and one generator with its own
 * stack of directories: nested generators would pass every file up through one frame per level.
 */
export function* walkFiles(options: WalkOptions): Generator<WalkedFile> {
  const { root, exclude, skip } = options;
  /** Real paths of directories entered, so a link back up the tree is not a loop. */
  const entered = new Set<string>([root]);
  /** Real paths of files already listed, so a file reached twice (through a link) is read once. */
  const listed = new Set<string>();
  const excluded = (path: string, isDirectory: boolean) =>
    exclude?.ignores(isDirectory ? `${path}/` : path) === true;
  // Paths are joined with the separator, not path.join(): every part is a plain name from readdir.
  const under = (dir: string, name: string) => (dir.endsWith(sep) ? `${dir}${name}` : `${dir}${sep}${name}`);

  const stack: Frame[] = [];
  const enter = (dir: string, real: string, rel: string, chain: IgnoreChain) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      skip("unreadable", rel === "" ? "." : rel);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const gitignore = entries.find((entry) => entry.name === ".gitignore" && entry.isFile());
    const rules = gitignore ? chain.below(rel, under(dir, ".gitignore")) : chain;
    stack.push({ dir, real, rel, rules, entries, next: 0 });
  };

  enter(root, root, "", IgnoreChain.above(root));
  for (let frame = stack.at(-1); frame !== undefined; frame = stack.at(-1)) {
    const entry = frame.entries[frame.next++];
    if (entry === undefined) {
      stack.pop();
      continue;
    }
    const { dir, real, rel, rules } = frame;
    const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
    const absolute = under(dir, entry.name);
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    let target = under(real, entry.name);
    if (entry.isSymbolicLink()) {
      try {
        target = realpathSync(absolute);
        if (!inside(root, target)) {
          skip("symlink", path);
          continue;
        }
        const info = statSync(target);
        isDirectory = info.isDirectory();
        isFile = info.isFile();
      } catch {
        // A dangling link: nothing to read.
        continue;
      }
    }
    if (isDirectory) {
      if (skipsDirectory(entry.name) || entered.has(target)) continue;
      if (rules.ignores(path, true) || excluded(path, true)) continue;
      entered.add(target);
      enter(absolute, target, path, rules);
    } else if (isFile) {
      // Sockets, FIFOs and devices are never opened: a FIFO would block the scan.
      if (rules.ignores(path, false) || excluded(path, false)) continue;
      // Vendored directories were never entered: the name is all that is left to judge.
      const reason = skipByName(entry.name);
      if (reason) {
        skip(reason, path);
        continue;
      }
      if (listed.has(target)) continue;
      listed.add(target);
      yield { absolute, path };
    }
  }
}
