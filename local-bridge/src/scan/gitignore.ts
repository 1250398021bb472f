// .gitignore rules as git applies them: .git/info/exclude first, then each directory's .gitignore from the
// repository's top down, a deeper file overriding a shallower one (negations included). Rules above the scanned
// root count too, unless they ignore the root itself: a directory named on the command line is scanned.
import { readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import ignore, { type Ignore } from "ignore";

/** One file of rules, and how a path below the root reads from that file's directory (null: out of its reach). */
interface IgnoreLevel {
  rules: Ignore;
  local: (path: string) => string | null;
}

const MAX_IGNORE_FILE_BYTES = 1024 * 1024;
/** Git matches case-insensitively where the file system does (macOS, Windows by default). */
const IGNORE_CASE = process.platform === "darwin" || process.platform === "win32";

function readRules(path: string): Ignore | null {
  try {
    const bytes = readFileSync(path);
    if (bytes.length > MAX_IGNORE_FILE_BYTES) return null;
    return ignore({ ignorecase: IGNORE_CASE }).add(bytes.toString("utf8"));
  } catch {
    return null;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The rules in force at one directory of the walk; `below` adds the next directory's .gitignore. */
export class IgnoreChain {
  readonly #levels: readonly IgnoreLevel[];

  private constructor(levels: readonly IgnoreLevel[]) {
    this.#levels = levels;
  }

  /**
   * The rules that apply at `root` (a real, absolute directory) from above it: .git/info/exclude and the
   * .gitignore files between the repository's top and the root, when the root is inside a repository.
   */
  static above(root: string): IgnoreChain {
    let top: string | null = null;
    for (let dir = root; ; dir = dirname(dir)) {
      if (exists(join(dir, ".git"))) {
        top = dir;
        break;
      }
      if (dirname(dir) === dir) break;
    }
    if (top === null) return new IgnoreChain([]);
    const levels: IgnoreLevel[] = [];
    const above = (dir: string, rules: Ignore) => {
      const rel = relative(dir, root).split(sep).join("/");
      const prefix = rel === "" ? "" : `${rel}/`;
      levels.push({ rules, local: (path) => prefix + path });
    };
    const exclude = readRules(join(top, ".git", "info", "exclude"));
    if (exclude) above(top, exclude);
    const between: string[] = [];
    if (root !== top) {
      for (let dir = dirname(root); ; dir = dirname(dir)) {
        between.unshift(dir);
        if (dir === top || dirname(dir) === dir) break;
      }
    }
    for (const dir of between) {
      const rules = readRules(join(dir, ".gitignore"));
      if (rules) above(dir, rules);
    }
    const chain = new IgnoreChain(levels);
    // Asked to scan an ignored directory (a build output, say): the rules above it do not hide what it holds.
    return root !== top && chain.ignores("", true) ? new IgnoreChain([]) : chain;
  }

  /** The chain for a directory below the root (`dir` relative to it, "" for the root) holding `.gitignore`. */
  below(dir: string, gitignorePath: string): IgnoreChain {
    const rules = readRules(gitignorePath);
    if (!rules) return this;
    const local =
      dir === ""
        ? (path: string) => path
        : (path: string) => (path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : null);
    return new IgnoreChain([...this.#levels, { rules, local }]);
  }

  /** Whether `path` (relative to the root, forward slashes) is ignored; the deepest rule that matches decides. */
  ignores(path: string, isDirectory: boolean): boolean {
    let ignored = false;
    for (const level of this.#levels) {
      const tested = level.local(path);
      if (tested === null || tested === "") continue;
      const result = level.rules.test(isDirectory && !tested.endsWith("/") ? `${tested}/` : tested);
      if (result.ignored) ignored = true;
      else if (result.unignored) ignored = false;
    }
    return ignored;
  }
}
