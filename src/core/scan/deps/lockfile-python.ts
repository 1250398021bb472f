// Python's lockfiles and manifest beyond requirements files: poetry.lock and uv.lock (TOML), Pipfile.lock (JSON) and
// pyproject.toml's declared dependencies (PEP 621, PEP 735 groups, Poetry's tables, uv's dev-dependencies).
import { parse, TomlError } from "smol-toml";
import { isRecord, type JsonRecord, reachable, readJson, recordAt, stringAt } from "./lockfile-json.ts";
import { parsePep508, versionFields } from "./lockfile-pip.ts";
import type { FormatRead, LockedPackage } from "./lockfiles.ts";

/** PEP 503's comparison form of a name, for matching a lockfile's references to its entries. */
function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

const TABLE_HEADER = /^\s*\[/;
/** PyPI itself, which needs no mention as a source. */
const DEFAULT_INDEX = /^https?:\/\/(?:pypi\.org|pypi\.python\.org|files\.pythonhosted\.org)\//;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
}

/**
 * Reads TOML; on a syntax error it reads again up to the table where the error is, so a truncated lockfile still
 * gives the packages before the damage.
 */
function readToml(text: string): { value: JsonRecord; problem: string | null } {
  let rows: string[] | null = null;
  let problem: string | null = null;
  let end = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const value = parse(rows ? rows.slice(0, end).join("\n") : text) as JsonRecord;
      return { value, problem };
    } catch (error) {
      const line = error instanceof TomlError ? error.line : 0;
      const what = (error instanceof Error ? error.message : String(error))
        .split("\n")[0]
        ?.replace(/^Invalid TOML document:\s*/, "");
      problem ??= `not valid TOML${line ? ` at line ${line}` : ""}: ${what}`;
      if (!line) break;
      rows ??= text.split(/\r?\n/);
      // Cut before the table header the error belongs to (or is on), and try what comes before it.
      let header = Math.min(line, end) - 1;
      while (header > 0 && !TABLE_HEADER.test(rows[header] ?? "")) header--;
      if (header <= 0) break;
      end = header;
    }
  }
  return { value: {}, problem };
}

/** The 1-based lines of a TOML file's `[[package]]` headers, in order (the n-th belongs to the n-th package). */
function packageHeaderLines(text: string): number[] {
  const lines: number[] = [];
  const rows = text.split("\n");
  for (let index = 0; index < rows.length; index++) {
    if (/^\s*\[\[\s*package\s*\]\]/.test(rows[index] ?? "")) lines.push(index + 1);
  }
  return lines;
}

function tablesIn(value: unknown): JsonRecord[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function withRecovery(problem: string | null, count: number): string[] {
  if (!problem) return [];
  return [
    count > 0 ? `${problem}; kept the ${count} package${count === 1 ? "" : "s"} read before it` : problem,
  ];
}

/** poetry.lock: every package pinned; dev from `category` (Poetry 1) or `groups` (Poetry 2). */
export function parsePoetryLock(text: string): FormatRead {
  const { value, problem } = readToml(text);
  const headers = packageHeaderLines(text);
  const entries = tablesIn(value.package);
  const problems: string[] = [];
  // poetry.lock does not say which packages the project asked for, but one nothing else depends on must be one.
  const referenced = new Set<string>();
  for (const entry of entries) {
    for (const name of Object.keys(recordAt(entry, "dependencies"))) referenced.add(normalise(name));
  }
  const packages: LockedPackage[] = [];
  entries.forEach((entry, index) => {
    const line = headers[index] ?? 1;
    const name = stringAt(entry, "name");
    const version = stringAt(entry, "version");
    if (!name || !version) {
      problems.push(
        `line ${line}: a package has no ${name ? "version" : "name"} (the file may be truncated)`,
      );
      return;
    }
    const groups = Array.isArray(entry.groups) ? entry.groups : null;
    packages.push({
      ecosystem: "PyPI",
      name,
      version,
      requirement: null,
      direct: referenced.has(normalise(name)) ? null : true,
      dev: entry.category === "dev" || (groups !== null && groups.length > 0 && !groups.includes("main")),
      line,
      source: poetrySource(recordAt(entry, "source")),
    });
  });
  if (!problem && value.package === undefined) problems.push("has no [[package]] entries");
  return { packages, problems: [...withRecovery(problem, packages.length), ...problems] };
}

function poetrySource(source: JsonRecord): string | null {
  const url = stringAt(source, "url");
  if (!url) return null;
  if (source.type === "git") {
    const ref = stringAt(source, "resolved_reference") ?? stringAt(source, "reference");
    return `git+${url}${ref ? `@${ref}` : ""}`;
  }
  return DEFAULT_INDEX.test(url) ? null : url;
}

/** uv.lock: the project's own entries (editable, virtual) are left out; their dependency lists give direct and dev. */
export function parseUvLock(text: string): FormatRead {
  const { value, problem } = readToml(text);
  const headers = packageHeaderLines(text);
  const entries = tablesIn(value.package);
  const problems: string[] = [];
  const id = (entry: JsonRecord): string =>
    `${normalise(stringAt(entry, "name") ?? "")}@${stringAt(entry, "version")}`;
  const byName = new Map<string, string[]>();
  for (const entry of entries) {
    const key = normalise(stringAt(entry, "name") ?? "");
    byName.set(key, [...(byName.get(key) ?? []), id(entry)]);
  }
  // A reference names a package, with its version when the lock holds several of that name.
  const targets = (refs: unknown): string[] =>
    tablesIn(refs).flatMap((ref) => {
      const name = normalise(stringAt(ref, "name") ?? "");
      const version = stringAt(ref, "version");
      return version ? [`${name}@${version}`] : (byName.get(name) ?? []);
    });
  const groupTargets = (groups: unknown): string[] =>
    isRecord(groups) ? Object.values(groups).flatMap((refs) => targets(refs)) : [];

  const isMember = (entry: JsonRecord): boolean => {
    const source = recordAt(entry, "source");
    return "editable" in source || "virtual" in source;
  };
  const edges = new Map<string, string[]>();
  const prodRoots: string[] = [];
  const devRoots: string[] = [];
  for (const entry of entries) {
    const own = [...targets(entry.dependencies), ...groupTargets(entry["optional-dependencies"])];
    edges.set(id(entry), own);
    if (isMember(entry)) {
      prodRoots.push(...own);
      devRoots.push(...groupTargets(entry["dev-dependencies"]));
    }
  }
  const next = (node: string): string[] => edges.get(node) ?? [];
  const prod = reachable(prodRoots, next);
  const devReach = reachable(devRoots, next);
  const direct = new Set([...prodRoots, ...devRoots]);
  const hasMembers = entries.some(isMember);

  const packages: LockedPackage[] = [];
  entries.forEach((entry, index) => {
    const line = headers[index] ?? 1;
    const name = stringAt(entry, "name");
    if (!name) {
      problems.push(`line ${line}: a package has no name (the file may be truncated)`);
      return;
    }
    if (isMember(entry)) return;
    const version = stringAt(entry, "version");
    if (!version) {
      problems.push(`line ${line}: "${name}" has no version (the file may be truncated)`);
      return;
    }
    const node = id(entry);
    packages.push({
      ecosystem: "PyPI",
      name,
      version,
      requirement: null,
      direct: hasMembers ? direct.has(node) : null,
      dev: !prod.has(node) && devReach.has(node),
      line,
      source: uvSource(recordAt(entry, "source")),
    });
  });
  if (!problem && value.package === undefined) problems.push("has no [[package]] entries");
  return { packages, problems: [...withRecovery(problem, packages.length), ...problems] };
}

function uvSource(source: JsonRecord): string | null {
  const registry = stringAt(source, "registry");
  if (registry !== undefined) return DEFAULT_INDEX.test(registry) ? null : registry;
  const git = stringAt(source, "git");
  if (git) return `git+${git}`;
  return stringAt(source, "url") ?? stringAt(source, "path") ?? stringAt(source, "directory") ?? null;
}

/** Pipfile.lock: `default` and `develop` sections of "==" pins; a package in both counts once, as not dev. */
export function parsePipfileLock(text: string): FormatRead {
  const read = readJson(text);
  const packages: LockedPackage[] = [];
  const problems: string[] = [];
  if (!isRecord(read.value)) {
    return {
      packages,
      problems: [read.error ? `not valid JSON: ${read.error}` : "the top level is not a JSON object"],
    };
  }
  const root = read.value;
  const indexes = new Map<string, string>();
  for (const index of tablesIn(recordAt(root, "_meta").sources)) {
    const name = stringAt(index, "name");
    const url = stringAt(index, "url");
    if (name && url) indexes.set(name, url);
  }
  const inDefault = new Map<string, string | undefined>();
  for (const [section, dev] of [
    ["default", false],
    ["develop", true],
  ] as const) {
    const entries = root[section];
    if (entries === undefined) continue;
    if (!isRecord(entries)) {
      problems.push(`line ${read.keyLine(root, section) ?? 1}: "${section}" is not an object`);
      continue;
    }
    for (const [name, entry] of Object.entries(entries)) {
      const line = read.keyLine(entries, name) ?? 1;
      if (!isRecord(entry)) {
        problems.push(`line ${line}: the entry for "${name}" is not an object`);
        continue;
      }
      const written = stringAt(entry, "version");
      if (!dev) inDefault.set(normalise(name), written);
      else if (inDefault.has(normalise(name)) && inDefault.get(normalise(name)) === written) continue;
      const path = stringAt(entry, "path") ?? stringAt(entry, "file");
      // The project itself appears as an editable path entry ("-e .").
      if (entry.editable === true && (path === "." || path === "./")) continue;
      const git = stringAt(entry, "git");
      if (!written && !git && !path) {
        problems.push(`line ${line}: "${name}" has no version (the file may be truncated)`);
        continue;
      }
      const ref = stringAt(entry, "ref");
      const index = indexes.get(stringAt(entry, "index") ?? "");
      const source = git
        ? `git+${git}${ref ? `@${ref}` : ""}`
        : (path ?? (index && !DEFAULT_INDEX.test(index) ? index : null));
      const fields = written ? versionFields(written) : { version: null, requirement: "" };
      packages.push({ ecosystem: "PyPI", name, ...fields, direct: null, dev, line, source });
    }
  }
  if (read.error) {
    problems.unshift(...withRecovery(`not valid JSON: ${read.error}`, packages.length));
  }
  return { packages, problems };
}

/**
 * Finds the lines of pyproject.toml entries (TOML parsers give no positions): from a table's header, the row of a
 * key, then rows holding each requirement string in turn, never past the next table.
 */
function lineLocator(text: string): (table: string, key: string, needles: string[]) => number {
  const rows = text.split(/\r?\n/);
  const cursors = new Map<string, number>();
  const headerPattern = (table: string): RegExp => {
    const parts = table.split(".").map((part) => {
      const escaped = escapeRegExp(part);
      return `(?:${escaped}|"${escaped}"|'${escaped}')`;
    });
    return new RegExp(`^\\s*\\[\\s*${parts.join("\\s*\\.\\s*")}\\s*\\](?:\\s*#.*)?\\s*$`);
  };
  return (table, key, needles) => {
    const id = `${table}\0${key}`;
    let cursor = cursors.get(id);
    if (cursor === undefined) {
      const header = rows.findIndex((row) => headerPattern(table).test(row));
      const escaped = escapeRegExp(key);
      const keyRow = new RegExp(`^\\s*(?:${escaped}|"${escaped}"|'${escaped}')\\s*=`);
      cursor = Math.max(header, 0);
      for (let row = header + 1; header !== -1 && row < rows.length; row++) {
        const current = rows[row] ?? "";
        if (TABLE_HEADER.test(current)) break;
        if (keyRow.test(current)) {
          cursor = row;
          break;
        }
      }
      cursors.set(id, cursor);
    }
    for (const needle of needles) {
      for (let row = cursor; row < rows.length; row++) {
        const current = rows[row] ?? "";
        if (row > cursor && TABLE_HEADER.test(current)) break;
        if (current.includes(`"${needle}`) || current.includes(`'${needle}`)) {
          cursors.set(id, row + 1);
          return row + 1;
        }
      }
    }
    return cursor + 1;
  };
}

/** A Poetry constraint: a bare version or "==" pins it (Poetry reads "1.2.3" as exactly 1.2.3). */
function poetryFields(constraint: string): Pick<LockedPackage, "version" | "requirement"> {
  const exact = /^(?:==\s*)?(\d[\w.+!-]*)$/.exec(constraint.trim())?.[1];
  return exact ? { version: exact, requirement: null } : { version: null, requirement: constraint };
}

/** pyproject.toml: every declared dependency, direct; dependency groups and Poetry's non-main groups are dev. */
export function parsePyproject(text: string): FormatRead {
  const { value, problem } = readToml(text);
  const locate = lineLocator(text);
  const packages: LockedPackage[] = [];
  const problems: string[] = [];

  const pep508List = (list: unknown, table: string, key: string, dev: boolean): void => {
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      problems.push(`line ${locate(table, key, [])}: ${table}.${key} is not a list`);
      return;
    }
    for (const item of list) {
      // PEP 735 lets a group include another ({ include-group = "test" }); that group is read on its own.
      if (typeof item !== "string") continue;
      const parsed = parsePep508(item);
      const name = typeof parsed === "string" ? (/^[A-Za-z0-9._-]+/.exec(item)?.[0] ?? item) : parsed.name;
      const line = locate(table, key, [item, name]);
      if (typeof parsed === "string") {
        problems.push(`line ${line}: not a requirement (${parsed}): ${item}`);
        continue;
      }
      const fields = parsed.url ? { version: null, requirement: "" } : versionFields(parsed.specifier);
      packages.push({ ecosystem: "PyPI", name, ...fields, direct: true, dev, line, source: parsed.url });
    }
  };

  const project = recordAt(value, "project");
  pep508List(project.dependencies, "project", "dependencies", false);
  for (const [extra, list] of Object.entries(recordAt(project, "optional-dependencies"))) {
    pep508List(list, "project.optional-dependencies", extra, false);
  }
  for (const [group, list] of Object.entries(recordAt(value, "dependency-groups"))) {
    pep508List(list, "dependency-groups", group, true);
  }
  const tool = recordAt(value, "tool");
  pep508List(recordAt(tool, "uv")["dev-dependencies"], "tool.uv", "dev-dependencies", true);

  const poetry = recordAt(tool, "poetry");
  const poetryTable = (table: JsonRecord, path: string, dev: boolean): void => {
    for (const [name, spec] of Object.entries(table)) {
      // The Python version the project supports is not a package.
      if (name.toLowerCase() === "python") continue;
      const line = locate(path, name, []);
      for (const constraint of Array.isArray(spec) ? spec : [spec]) {
        const found = poetryDependency(constraint);
        if (!found) {
          problems.push(`line ${line}: ${path}.${name} is neither a version nor a dependency table`);
          continue;
        }
        packages.push({ ecosystem: "PyPI", name, ...found, direct: true, dev, line });
      }
    }
  };
  poetryTable(recordAt(poetry, "dependencies"), "tool.poetry.dependencies", false);
  poetryTable(recordAt(poetry, "dev-dependencies"), "tool.poetry.dev-dependencies", true);
  for (const [group, table] of Object.entries(recordAt(poetry, "group"))) {
    if (!isRecord(table)) continue;
    poetryTable(recordAt(table, "dependencies"), `tool.poetry.group.${group}.dependencies`, group !== "main");
  }
  return { packages, problems: [...withRecovery(problem, packages.length), ...problems] };
}

function poetryDependency(spec: unknown): Pick<LockedPackage, "version" | "requirement" | "source"> | null {
  if (typeof spec === "string") return { ...poetryFields(spec), source: null };
  if (!isRecord(spec)) return null;
  const git = stringAt(spec, "git");
  if (git) {
    const ref = stringAt(spec, "rev") ?? stringAt(spec, "tag") ?? stringAt(spec, "branch");
    return { version: null, requirement: "", source: `git+${git}${ref ? `@${ref}` : ""}` };
  }
  const where = stringAt(spec, "path") ?? stringAt(spec, "url");
  if (where) return { version: null, requirement: "", source: where };
  const version = stringAt(spec, "version");
  return { ...poetryFields(version ?? "*"), source: null };
}
