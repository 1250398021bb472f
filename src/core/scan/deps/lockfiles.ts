// Reads dependency lockfiles and requirement files (npm, pnpm, Yarn, pip, Poetry, uv, Pipenv, package.json,
// pyproject.toml) into one list of packages for the dependency analyzer. Each format has its module beside this one.
import { type LockfileKind, lockfileKind } from "./dependency-files.ts";
import { parseNpmLock, parsePackageJson } from "./lockfile-npm.ts";
import { parseRequirements } from "./lockfile-pip.ts";
import { parsePnpmLock } from "./lockfile-pnpm.ts";
import { parsePipfileLock, parsePoetryLock, parsePyproject, parseUvLock } from "./lockfile-python.ts";
import { parseYarnLock } from "./lockfile-yarn.ts";

export type Ecosystem = "npm" | "PyPI";

export interface LockedPackage {
  ecosystem: Ecosystem;
  /** As the registry spells it (PyPI names as written; the matcher normalises). */
  name: string;
  /** The exact resolved version; null when the file only states a range or nothing (unpinned). */
  version: string | null;
  /** The requirement as written when it is not an exact pin (">=2.0,<3", "^1.2.0", "*", ""), else null. */
  requirement: string | null;
  /** A direct dependency of the project (true), a transitive one (false), or unknown from this file (null). */
  direct: boolean | null;
  /** Only needed for development (devDependencies, dev groups), when the file says so. */
  dev: boolean;
  /** 1-based line in the file where this package's entry starts (for findings); 1 when the format has no lines to point at. */
  line: number;
  /** Where it was resolved from when not the default registry (a git URL, a tarball URL, a local path), else null. */
  source: string | null;
  /** The declared licence (SPDX expression), where the file records it (npm lockfiles from version 2). */
  license?: string;
}

export type { LockfileKind } from "./dependency-files.ts";
export { lockfileKind } from "./dependency-files.ts";

export interface LockfileResult {
  kind: LockfileKind;
  packages: LockedPackage[];
  problems: string[];
}

/** What a format reader returns; problems are phrased without the file name, which parseLockfile puts in front. */
export interface FormatRead {
  packages: LockedPackage[];
  problems: string[];
}

const READERS: Record<LockfileKind, (text: string, path: string) => FormatRead> = {
  "package-lock": parseNpmLock,
  "pnpm-lock": parsePnpmLock,
  "yarn-lock": parseYarnLock,
  requirements: parseRequirements,
  "poetry-lock": parsePoetryLock,
  "uv-lock": parseUvLock,
  "pipfile-lock": parsePipfileLock,
  "package-json": parsePackageJson,
  pyproject: parsePyproject,
};

/** The kind a file's content suggests, for a file whose name says nothing. */
function sniffKind(text: string): LockfileKind {
  const start = text.trimStart();
  if (start.startsWith("{")) {
    if (/"lockfileVersion"\s*:/.test(text)) return "package-lock";
    if (/"_meta"\s*:/.test(text)) return "pipfile-lock";
    return "package-json";
  }
  if (/^lockfileVersion:/m.test(text)) return "pnpm-lock";
  if (/^__metadata:|^# yarn lockfile v1/m.test(text)) return "yarn-lock";
  if (/^\[\[package\]\]/m.test(text)) return /^source = \{/m.test(text) ? "uv-lock" : "poetry-lock";
  if (/^\[(?:project|tool\.poetry)\]/m.test(text)) return "pyproject";
  return "requirements";
}

/** Parses one dependency file. Never throws: what cannot be read is a problem in the result. */
export function parseLockfile(path: string, text: string): LockfileResult {
  const named = lockfileKind(path);
  const kind = named ?? sniffKind(text);
  const problems: string[] = [];
  if (!named) problems.push(`${path}: not a known dependency file name; read as ${kind} by its content`);
  // A byte-order mark is legal at the start of all these formats but breaks JSON.parse-style readers.
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  if (body.trim() === "") {
    problems.push(`${path}: the file is empty`);
    return { kind, packages: [], problems };
  }
  try {
    const read = READERS[kind](body, path);
    for (const problem of read.problems) problems.push(`${path}: ${problem}`);
    return { kind, packages: read.packages, problems };
  } catch (error) {
    // The readers are written not to throw; this keeps a bug in one of them from failing a whole scan.
    const message = error instanceof Error ? error.message : String(error);
    problems.push(`${path}: could not be read: ${message}`);
    return { kind, packages: [], problems };
  }
}
