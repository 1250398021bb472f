// Python's lockfiles and manifest beyond requirements files: poetry.lock and uv.lock (TOML), Pipfile.lock (JSON) and
// pyproject.toml's declared dependencies (PEP 621, PEP 735 groups, Poetry's tables, uv's dev-dependencies).
import { isRecord, type JsonRecord, readJson, recordAt, stringAt } from "./lockfile-json.ts";
import { parsePep508, urlFields, versionFields } from "./lockfile-pip.ts";
import { entryProblem, Problems, reachable, recovered } from "./lockfile-support.ts";
import { packageHeaderLines, readToml, type TomlPath, tomlLines } from "./lockfile-toml.ts";
import type { FormatRead, LockedPackage } from "./lockfiles.ts";
import { normalisePackageName } from "./osv.ts";

/** PEP 503's comparison form of a name, for matching a lockfile's references to its entries. */
const normalise = (name: string) => normalisePackageName("PyPI", name);

/** PyPI itself, which needs no mention as a source. */
const DEFAULT_INDEX = /^https?:\/\/(?:pypi\.org|pypi\.python\.org|files\.pythonhosted\.org)\//;

function tablesIn(value: unknown): JsonRecord[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** poetry.lock: every package pinned; dev from `category` (Poetry 1) or `groups` (Poetry 2). */
export function parsePoetryLock(text: string): FormatRead {
  const { value, problem } = readToml(text);
  const headers = packageHeaderLines(text);
  const entries = tablesIn(value.package);
  const problems = new Problems();
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
      problems.add(`line ${line}: a package has no ${name ? "version" : "name"} (the file may be truncated)`);
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
  if (!problem && value.package === undefined) problems.add("has no [[package]] entries");
  return { packages, problems: problems.list(recovered(problem, packages.length)) };
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
  const problems = new Problems();
  const id = (entry: JsonRecord): string =>
    `${normalise(stringAt(entry, "name") ?? "")}@${stringAt(entry, "version")}`;
  // A reference without a version names the only entry of that name (uv adds the version when there are several).
  // It goes to one node per name, linked to that name's entries: ten thousand entries of one name referring to it
  // make twenty thousand edges, not a hundred million.
  const nameNode = (name: string) => `${name}@*`;
  const edges = new Map<string, string[]>();
  for (const entry of entries) {
    const node = nameNode(normalise(stringAt(entry, "name") ?? ""));
    const named = edges.get(node);
    if (named) named.push(id(entry));
    else edges.set(node, [id(entry)]);
  }
  const targets = (refs: unknown): string[] =>
    tablesIn(refs).map((ref) => {
      const name = normalise(stringAt(ref, "name") ?? "");
      const version = stringAt(ref, "version");
      return version ? `${name}@${version}` : nameNode(name);
    });
  const groupTargets = (groups: unknown): string[] =>
    isRecord(groups) ? Object.values(groups).flatMap((refs) => targets(refs)) : [];

  const isMember = (entry: JsonRecord): boolean => {
    const source = recordAt(entry, "source");
    return "editable" in source || "virtual" in source;
  };
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
      problems.add(`line ${line}: a package has no name (the file may be truncated)`);
      return;
    }
    if (isMember(entry)) return;
    const version = stringAt(entry, "version");
    if (!version) {
      problems.add(`line ${line}: "${name}" has no version (the file may be truncated)`);
      return;
    }
    const node = id(entry);
    packages.push({
      ecosystem: "PyPI",
      name,
      version,
      requirement: null,
      direct: hasMembers ? direct.has(node) || direct.has(nameNode(normalise(name))) : null,
      dev: !prod.has(node) && devReach.has(node),
      line,
      source: uvSource(recordAt(entry, "source")),
    });
  });
  if (!problem && value.package === undefined) problems.add("has no [[package]] entries");
  return { packages, problems: problems.list(recovered(problem, packages.length)) };
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
  const problems = new Problems();
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
      problems.add(`line ${read.keyLine(root, section) ?? 1}: "${section}" is not an object`);
      continue;
    }
    for (const [name, entry] of Object.entries(entries)) {
      const line = read.keyLine(entries, name) ?? 1;
      if (!isRecord(entry)) {
        problems.add(entryProblem(line, name, entry, "an object"));
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
        problems.add(`line ${line}: "${name}" has no version (the file may be truncated)`);
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
  return {
    packages,
    problems: problems.list(recovered(read.error && `not valid JSON: ${read.error}`, packages.length)),
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
  const where = tomlLines(text);
  /** The line of the first of `paths` the scan met, else 1. */
  const lineOf = (...paths: TomlPath[]): number => {
    for (const path of paths) {
      const line = where(path);
      if (line !== undefined) return line;
    }
    return 1;
  };
  const packages: LockedPackage[] = [];
  const problems = new Problems();

  const pep508List = (list: unknown, path: readonly string[], dev: boolean): void => {
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      problems.add(`line ${lineOf(path)}: ${path.join(".")} is not a list`);
      return;
    }
    list.forEach((item: unknown, index) => {
      // PEP 735 lets a group include another ({ include-group = "test" }); that group is read on its own.
      if (typeof item !== "string") return;
      const line = lineOf([...path, index], path);
      const parsed = parsePep508(item);
      if (typeof parsed === "string") {
        problems.add(`line ${line}: not a requirement (${parsed}): ${item}`);
        return;
      }
      const fields = parsed.url ? urlFields(parsed.name, parsed.url) : versionFields(parsed.specifier);
      packages.push({
        ecosystem: "PyPI",
        name: parsed.name,
        ...fields,
        direct: true,
        dev,
        line,
        source: parsed.url,
      });
    });
  };

  const project = recordAt(value, "project");
  pep508List(project.dependencies, ["project", "dependencies"], false);
  for (const [extra, list] of Object.entries(recordAt(project, "optional-dependencies"))) {
    pep508List(list, ["project", "optional-dependencies", extra], false);
  }
  for (const [group, list] of Object.entries(recordAt(value, "dependency-groups"))) {
    pep508List(list, ["dependency-groups", group], true);
  }
  const tool = recordAt(value, "tool");
  pep508List(recordAt(tool, "uv")["dev-dependencies"], ["tool", "uv", "dev-dependencies"], true);

  const poetry = recordAt(tool, "poetry");
  const poetryTable = (table: JsonRecord, path: readonly string[], dev: boolean): void => {
    for (const [name, spec] of Object.entries(table)) {
      // The Python version the project supports is not a package.
      if (name.toLowerCase() === "python") continue;
      const constraints: unknown[] = Array.isArray(spec) ? spec : [spec];
      constraints.forEach((constraint, index) => {
        const line = lineOf(Array.isArray(spec) ? [...path, name, index] : [...path, name], [...path, name]);
        const found = poetryDependency(constraint);
        if (!found) {
          problems.add(`line ${line}: ${path.join(".")}.${name} is neither a version nor a dependency table`);
          return;
        }
        packages.push({ ecosystem: "PyPI", name, ...found, direct: true, dev, line });
      });
    }
  };
  poetryTable(recordAt(poetry, "dependencies"), ["tool", "poetry", "dependencies"], false);
  poetryTable(recordAt(poetry, "dev-dependencies"), ["tool", "poetry", "dev-dependencies"], true);
  for (const [group, table] of Object.entries(recordAt(poetry, "group"))) {
    if (!isRecord(table)) continue;
    const path = ["tool", "poetry", "group", group, "dependencies"];
    poetryTable(recordAt(table, "dependencies"), path, group !== "main");
  }
  return { packages, problems: problems.list(recovered(problem, packages.length)) };
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
