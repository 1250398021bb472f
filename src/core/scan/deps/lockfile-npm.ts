// npm's package-lock.json / npm-shrinkwrap.json (lockfileVersion 1, 2 and 3) and package.json's declared ranges, plus
// the npm naming and source rules pnpm and Yarn lockfiles share.
import { isRecord, type JsonRead, type JsonRecord, readJson, recordAt, stringAt } from "./lockfile-json.ts";
import { entryProblem, Problems, recovered } from "./lockfile-support.ts";
import type { FormatRead, LockedPackage } from "./lockfiles.ts";

/**
 * The sections of a package.json whose packages the project installs, and whether each is only for development.
 * peerDependencies are left out: they are the consumer's to install (a library's peer range is not its own unpinned
 * dependency), and a project that needs one installs it through one of these sections too.
 */
const MANIFEST_SECTIONS = [
  ["dependencies", false],
  ["devDependencies", true],
  ["optionalDependencies", false],
] as const;

/** In a lockfile, npm 7+ installs the project's peers too: a package the project names as a peer is direct. */
const DECLARING_SECTIONS = [...MANIFEST_SECTIONS.map(([section]) => section), "peerDependencies"];

const DEFAULT_REGISTRY = /^https?:\/\/registry\.(?:npmjs\.org|yarnpkg\.com)\//;
const SOURCE_SPEC = /^(?:(?:git(?:\+[a-z]+)?|github|gitlab|bitbucket|gist|https?|file):|\.{0,2}\/|~\/)/i;
const EXACT = /^(?:=\s*)?v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/;

/** Where a package came from: null for the public registry, else the URL or path as the lockfile has it. */
export function npmSource(resolved: string | undefined): string | null {
  if (!resolved || DEFAULT_REGISTRY.test(resolved)) return null;
  return resolved;
}

/** The exact version a range names ("1.2.3", "=1.2.3", "v1.2.3"), or null for anything looser. */
function exactNpmVersion(range: string): string | null {
  return EXACT.exec(range.trim())?.[1] ?? null;
}

/** Splits "name@rest" where the name may be scoped ("@scope/name@rest"); null without a name and an @. */
export function splitAtVersion(spec: string): { name: string; rest: string } | null {
  const at = spec.indexOf("@", 1);
  if (at <= 0) return null;
  return { name: spec.slice(0, at), rest: spec.slice(at + 1) };
}

function jsonProblem(read: JsonRead, count: number): string[] {
  return recovered(read.error && `not valid JSON: ${read.error}`, count);
}

/** package-lock.json and npm-shrinkwrap.json. */
export function parseNpmLock(text: string): FormatRead {
  const read = readJson(text);
  const problems = new Problems();
  const packages: LockedPackage[] = [];
  if (!isRecord(read.value)) {
    return { packages, problems: read.error ? jsonProblem(read, 0) : ["the top level is not a JSON object"] };
  }
  const root = read.value;
  const version = root.lockfileVersion;
  if (version !== undefined && version !== 1 && version !== 2 && version !== 3) {
    problems.add(`lockfileVersion ${JSON.stringify(version)} is not one this reader knows (1 to 3)`);
  }
  // Version 2 carries both sections; "packages" is the complete one.
  if (isRecord(root.packages)) {
    readPackagesSection(root.packages, read, packages, problems);
  } else if (isRecord(root.dependencies)) {
    readV1Dependencies(root.dependencies, read, packages, problems);
  } else if (!read.error) {
    problems.add('has neither a "packages" nor a "dependencies" section');
  }
  return { packages, problems: problems.list(jsonProblem(read, packages.length)) };
}

/** Names a package.json-like entry declares in any dependency section. */
function declaredNames(entry: JsonRecord): Set<string> {
  const names = new Set<string>();
  for (const section of DECLARING_SECTIONS) {
    for (const name of Object.keys(recordAt(entry, section))) names.add(name);
  }
  return names;
}

/**
 * Glob matching costs the product of pattern and path lengths: a hostile lockfile's patterns and folders are bounded
 * (a project has a few patterns, folder names stay under 255 characters, and a monorepo under a thousand workspaces).
 */
const MAX_PATTERNS = 16;
const MAX_PATTERN_LENGTH = 100;
const MAX_FOLDER_LENGTH = 255;
const MAX_WORKSPACES = 1000;

/**
 * Which folders outside node_modules are importers: "" and the workspaces the root's `workspaces` patterns name.
 * Without that list, a link target inside the project is taken for a workspace; one outside it (file:../lib) never is.
 */
function importerTest(section: JsonRecord): (path: string) => boolean {
  const listed = recordAt(section, "").workspaces;
  const patterns = Array.isArray(listed) ? listed : isRecord(listed) ? listed.packages : undefined;
  if (Array.isArray(patterns)) {
    const globs = patterns
      .filter(
        (pattern): pattern is string => typeof pattern === "string" && pattern.length <= MAX_PATTERN_LENGTH,
      )
      .slice(0, MAX_PATTERNS);
    const include = globs.filter((glob) => !glob.startsWith("!")).map(globSegments);
    const exclude = globs.filter((glob) => glob.startsWith("!")).map((glob) => globSegments(glob.slice(1)));
    let tested = 0;
    return (path) => {
      if (path === "") return true;
      const segments = path.split("/");
      if (tested++ >= MAX_WORKSPACES || segments.some((segment) => segment.length > MAX_FOLDER_LENGTH)) {
        return false;
      }
      return (
        include.some((glob) => globMatch(glob, segments)) &&
        !exclude.some((glob) => globMatch(glob, segments))
      );
    };
  }
  const linked = new Set<string>();
  for (const entry of Object.values(section)) {
    const target = isRecord(entry) && entry.link === true ? stringAt(entry, "resolved") : undefined;
    if (target) linked.add(target);
  }
  const outside = (path: string) => /^(?:[\\/]|[A-Za-z]:)/.test(path) || path.split(/[\\/]/).includes("..");
  return (path) => path === "" || (linked.has(path) && !outside(path));
}

function globSegments(glob: string): string[] {
  return glob.replace(/^\.\//, "").replace(/\/+$/, "").split("/");
}

/**
 * A workspaces glob against a folder path, segment by segment: `**` spans any number of folders, `*` and `?` stay
 * within one. Step by step rather than through a RegExp, which a glob of many stars would make backtrack for ages.
 */
function globMatch(glob: readonly string[], path: readonly string[]): boolean {
  // consumed[j]: the glob segments so far can match the first j folders of the path.
  let consumed = Array.from({ length: path.length + 1 }, (_, j) => j === 0);
  for (const part of glob) {
    const next = consumed.map(() => false);
    for (let j = 0; j <= path.length; j++) {
      if (part === "**") next[j] = next[j - 1] === true || consumed[j] === true;
      else if (j > 0 && consumed[j - 1] && segmentMatch(part, path[j - 1] ?? "")) next[j] = true;
    }
    consumed = next;
  }
  return consumed[path.length] === true;
}

/** `*` and `?` within one folder name, greedy with one backtrack point: linear in practice, quadratic at worst. */
function segmentMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === name[n])) {
      p++;
      n++;
    } else if (pattern[p] === "*") {
      star = p++;
      resume = n;
    } else if (star !== -1) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** Lockfile versions 2 and 3: `packages` keyed by install path, "" being the project. */
function readPackagesSection(
  section: JsonRecord,
  read: JsonRead,
  out: LockedPackage[],
  problems: Problems,
): void {
  // Importers are the project and its workspaces, whose declarations make a package direct. Other folders outside
  // node_modules are file: dependencies' targets: packages like any other, whose dependencies are transitive.
  const isImporter = importerTest(section);
  const importers = new Map<string, Set<string>>();
  const allDeclared = new Set<string>();
  for (const [path, entry] of Object.entries(section)) {
    if (path.includes("node_modules/") || !isRecord(entry) || !isImporter(path)) continue;
    const names = declaredNames(entry);
    importers.set(path === "" ? "" : `${path}/`, names);
    for (const name of names) allDeclared.add(name);
  }
  for (const [path, entry] of Object.entries(section)) {
    const cut = path.lastIndexOf("node_modules/");
    if (cut === -1) continue;
    const line = read.keyLine(section, path) ?? 1;
    if (!isRecord(entry)) {
      problems.add(entryProblem(line, path, entry, "an object"));
      continue;
    }
    // Links point at folders of the project itself (workspaces, file: folders), not at installed packages.
    if (entry.link === true) continue;
    // The folder is the name the project depends on; "name" differs for aliases ("npm:real@1.2.3").
    const folder = path.slice(cut + "node_modules/".length);
    const name = stringAt(entry, "name") ?? folder;
    const version = stringAt(entry, "version");
    // An entry without a version is damaged; reported, it is not passed on as if it were unpinned.
    if (!version) {
      problems.add(`line ${line}: "${path}" has no version`);
      continue;
    }
    const importer = path.slice(0, cut);
    // A package at the top of node_modules serves the project and every workspace (hoisting); one under a
    // workspace's own node_modules serves that workspace; anything deeper is some package's dependency.
    const declared = importer === "" ? allDeclared : importers.get(importer);
    out.push({
      ecosystem: "npm",
      name,
      version,
      requirement: null,
      direct: declared ? declared.has(folder) : false,
      dev: entry.dev === true,
      line,
      source: npmSource(stringAt(entry, "resolved")),
      ...licenseOf(entry),
    });
  }
}

/** npm 7+ records each package's declared licence (an SPDX expression) in the lockfile. */
function licenseOf(entry: JsonRecord): { license?: string } {
  const license = stringAt(entry, "license");
  return license ? { license } : {};
}

/** Lockfile version 1: `dependencies` nested like node_modules itself. */
function readV1Dependencies(top: JsonRecord, read: JsonRead, out: LockedPackage[], problems: Problems): void {
  // Version 1 does not record the project's own dependencies. A top-level package nothing else requires can only be
  // there for the project; one that something requires may be wanted by the project as well, so it stays unknown.
  const required = new Set<string>();
  const collect = (level: JsonRecord): void => {
    for (const entry of Object.values(level)) {
      if (!isRecord(entry)) continue;
      for (const name of Object.keys(recordAt(entry, "requires"))) required.add(name);
      collect(recordAt(entry, "dependencies"));
    }
  };
  collect(top);
  // Recursion is bounded: the JSON reader refuses nesting deeper than it allows.
  const walk = (level: JsonRecord, nested: boolean): void => {
    for (const [key, entry] of Object.entries(level)) {
      const line = read.keyLine(level, key) ?? 1;
      if (!isRecord(entry)) {
        problems.add(entryProblem(line, key, entry, "an object"));
        continue;
      }
      const written = stringAt(entry, "version");
      if (!written) {
        problems.add(`line ${line}: "${key}" has no version`);
        continue;
      }
      let name = key;
      let version: string | null = written;
      let requirement: string | null = null;
      let source = npmSource(stringAt(entry, "resolved"));
      if (written.startsWith("npm:")) {
        // An alias ("alias": "npm:real@1.2.3") installs the real package under another folder name.
        const real = splitAtVersion(written.slice(4));
        if (real) {
          name = real.name;
          version = real.rest;
        }
      } else if (/[:/]/.test(written)) {
        // Version 1 writes git, tarball and file dependencies' specs where the version would be.
        version = null;
        requirement = "";
        source = written;
      }
      out.push({
        ecosystem: "npm",
        name,
        version,
        requirement,
        direct: nested ? false : required.has(key) ? null : true,
        dev: entry.dev === true,
        line,
        source,
      });
      walk(recordAt(entry, "dependencies"), true);
    }
  };
  walk(top, false);
}

/** A package.json: the ranges it declares, all direct. */
export function parsePackageJson(text: string): FormatRead {
  const read = readJson(text);
  const packages: LockedPackage[] = [];
  const problems = new Problems();
  if (!isRecord(read.value)) {
    return { packages, problems: read.error ? jsonProblem(read, 0) : ["the top level is not a JSON object"] };
  }
  const manifest = read.value;
  for (const [section, dev] of MANIFEST_SECTIONS) {
    const declared = manifest[section];
    if (declared === undefined) continue;
    if (!isRecord(declared)) {
      problems.add(`line ${read.keyLine(manifest, section) ?? 1}: "${section}" is not an object`);
      continue;
    }
    for (const [key, range] of Object.entries(declared)) {
      const line = read.keyLine(declared, key) ?? 1;
      if (typeof range !== "string") {
        problems.add(`line ${line}: ${section} "${key}" is not a string`);
        continue;
      }
      const parsed = declaredRange(key, range);
      if (parsed) packages.push({ ecosystem: "npm", ...parsed, direct: true, dev, line });
    }
  }
  return { packages, problems: problems.list(jsonProblem(read, packages.length)) };
}

/** A package.json entry read into name, version, requirement and source; null for the project's own packages. */
function declaredRange(
  key: string,
  range: string,
): Pick<LockedPackage, "name" | "version" | "requirement" | "source"> | null {
  const spec = range.trim();
  // workspace: and link: name folders of the project itself, as the lockfile readers skip them.
  if (/^(?:workspace|link):/.test(spec)) return null;
  if (spec.startsWith("npm:")) {
    const real = splitAtVersion(spec.slice(4));
    const name = real?.name ?? spec.slice(4);
    const inner = real?.rest ?? "";
    const exact = exactNpmVersion(inner);
    return { name, version: exact, requirement: exact ? null : inner, source: null };
  }
  // Git, tarball, file and GitHub "user/repo" specs say where, not which version.
  if (SOURCE_SPEC.test(spec) || /^[\w.-]+\/[\w.-]+(?:#.*)?$/.test(spec)) {
    return { name: key, version: null, requirement: "", source: spec };
  }
  const exact = exactNpmVersion(spec);
  return { name: key, version: exact, requirement: exact ? null : spec, source: null };
}
