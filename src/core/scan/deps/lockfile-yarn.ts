// Yarn's yarn.lock: the classic v1 format (its own indented syntax) and Berry's (Yarn 2+, YAML with __metadata).
// Neither records devDependencies, so dev stays false; which packages are direct is inferred where the file allows.
import { isRecord, type JsonRecord, recordAt, stringAt } from "./lockfile-json.ts";
import { npmSource, splitAtVersion } from "./lockfile-npm.ts";
import { entryProblem, lines, Problems } from "./lockfile-support.ts";
import { readYaml, scalarText } from "./lockfile-yaml.ts";
import type { FormatRead, LockedPackage } from "./lockfiles.ts";

/** yarn.lock, either format. */
export function parseYarnLock(text: string): FormatRead {
  return /^__metadata:/m.test(text) ? parseBerry(text) : parseClassic(text);
}

interface ClassicEntry {
  patterns: string[];
  line: number;
  fields: Map<string, string>;
}

/**
 * Splits a classic line into its words: bare words end at a space, quoted ones are JSON-style strings. Null when a
 * quote is not closed (a truncated line).
 */
function words(text: string): string[] | null {
  const out: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    if (text[pos] === " ") {
      pos++;
      continue;
    }
    if (text[pos] === '"') {
      let end = pos + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      if (end >= text.length) return null;
      const raw = text.slice(pos, end + 1);
      try {
        out.push(JSON.parse(raw) as string);
      } catch {
        out.push(raw.slice(1, -1));
      }
      pos = end + 1;
      // A quoted key may carry the colon that opens a block ("dependencies":).
      if (text[pos] === ":") pos++;
      continue;
    }
    let end = pos;
    while (end < text.length && text[end] !== " ") end++;
    out.push(text.slice(pos, end));
    pos = end;
  }
  return out;
}

/** A header's patterns: `"a@^1.0.0", a@^1.1.0:` gives ["a@^1.0.0", "a@^1.1.0"]. */
function headerPatterns(header: string): string[] | null {
  const patterns: string[] = [];
  for (const part of header.split(/,\s*/)) {
    const read = words(part.trim());
    const pattern = read?.length === 1 ? read[0] : undefined;
    if (!pattern) return null;
    patterns.push(pattern);
  }
  return patterns;
}

/** The package a pattern resolves: aliases ("alias@npm:real@^1.0.0") install the real package. */
function patternName(pattern: string): string | null {
  const split = splitAtVersion(pattern);
  if (!split) return null;
  // "npm:^1.0.0" is Berry's plain registry range; "npm:real@^1.0.0" is an alias.
  const alias = split.rest.startsWith("npm:") ? splitAtVersion(split.rest.slice(4)) : null;
  return alias?.name ?? split.name;
}

function parseClassic(text: string): FormatRead {
  const problems = new Problems();
  const entries: ClassicEntry[] = [];
  // Every "name@range" some entry depends on; a pattern nobody depends on was asked for by the project.
  const referenced = new Set<string>();
  let current: ClassicEntry | null = null;
  let block: string | null = null;
  for (const { text: raw, number: lineNumber } of lines(text)) {
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const indent = raw.length - raw.trimStart().length;
    if (indent === 0) {
      const patterns = trimmed.endsWith(":") ? headerPatterns(trimmed.slice(0, -1)) : null;
      if (!patterns) {
        problems.add(`line ${lineNumber}: expected an entry header like "name@^1.0.0:"`);
        current = null;
        continue;
      }
      current = { patterns, line: lineNumber, fields: new Map() };
      entries.push(current);
      block = null;
      continue;
    }
    if (!current) continue;
    const read = words(trimmed);
    if (!read || read.length === 0) {
      problems.add(`line ${lineNumber}: a quoted value is not closed (the file may be truncated)`);
      continue;
    }
    const [key = "", value] = read;
    if (indent <= 2) {
      block = value === undefined && key.endsWith(":") ? key.slice(0, -1) : null;
      if (value !== undefined) current.fields.set(key, value);
    } else if ((block === "dependencies" || block === "optionalDependencies") && value !== undefined) {
      referenced.add(`${key}@${value}`);
    }
  }

  const packages: LockedPackage[] = [];
  for (const entry of entries) {
    const first = entry.patterns[0] ?? "";
    const name = patternName(first);
    const version = entry.fields.get("version");
    if (!name) {
      problems.add(`line ${entry.line}: cannot read a package name from "${first}"`);
      continue;
    }
    if (!version) {
      problems.add(`line ${entry.line}: "${first}" has no version (the file may be truncated)`);
      continue;
    }
    packages.push({
      ecosystem: "npm",
      name,
      version,
      requirement: null,
      direct: entry.patterns.some((pattern) => !referenced.has(pattern)) ? true : null,
      dev: false,
      line: entry.line,
      source: npmSource(entry.fields.get("resolved")),
    });
  }
  return { packages, problems: problems.list() };
}

/** "name@range" with the default npm: protocol dropped, so lockfile keys and dependency ranges compare equal. */
function descriptorKey(name: string, range: string): string {
  return `${name}@${range.startsWith("npm:") ? range.slice(4) : range}`;
}

/** The descriptor a patch: range patches, "typescript@npm:^5.4.5" for "patch:typescript@npm%3A^5.4.5#…". */
function patchTarget(range: string): string {
  const inner = range.slice("patch:".length).split("#")[0] ?? "";
  try {
    return decodeURIComponent(inner);
  } catch {
    return inner;
  }
}

function parseBerry(text: string): FormatRead {
  const yaml = readYaml(text);
  const problems = new Problems();
  const packages: LockedPackage[] = [];
  if (!isRecord(yaml.value)) return { packages, problems: yaml.problems };
  const keyLines = yaml.keyLines([]);
  const entries: Array<{ key: string; entry: JsonRecord; line: number }> = [];
  // Workspaces list the project's own dependencies: those are the direct ones. Berry writes a workspace's
  // devDependencies into its `dependencies` in the lockfile, so there is no other section to read.
  const wanted = new Set<string>();
  let workspaces = 0;
  for (const [key, entry] of Object.entries(yaml.value)) {
    if (key === "__metadata") continue;
    const line = keyLines.get(key) ?? 1;
    if (!isRecord(entry)) {
      problems.add(entryProblem(line, key, entry, "a mapping"));
      continue;
    }
    const resolution = stringAt(entry, "resolution") ?? "";
    if (/^.[^@]*@workspace:/.test(resolution)) {
      workspaces++;
      for (const field of ["dependencies", "optionalDependencies"]) {
        for (const [name, range] of Object.entries(recordAt(entry, field))) {
          const text = scalarText(range);
          if (text === undefined) continue;
          wanted.add(descriptorKey(name, text));
          // A patched dependency ("patch:typescript@npm%3A^5.4.5#…") wants the npm package it patches too.
          const patched = text.startsWith("patch:") ? splitAtVersion(patchTarget(text)) : null;
          if (patched) wanted.add(descriptorKey(patched.name, patched.rest));
        }
      }
      continue;
    }
    entries.push({ key, entry, line });
  }
  for (const { key, entry, line } of entries) {
    const resolution = stringAt(entry, "resolution");
    let split = resolution ? splitAtVersion(resolution) : null;
    if (!split) {
      problems.add(`line ${line}: "${key}" has no resolution (the file may be truncated)`);
      // The key still names the package; with a version, that is enough to check it.
      const name = patternName(key.split(",")[0]?.trim() ?? "");
      if (!name || entry.version === undefined) continue;
      split = { name, rest: "npm:" };
    }
    const protocol = /^([a-z+-]+):/i.exec(split.rest)?.[1]?.toLowerCase() ?? "";
    // A patch: entry repeats a package locked again under its npm: resolution; link: and portal: are project
    // folders.
    if (protocol === "patch" || protocol === "link" || protocol === "portal") continue;
    const version = scalarText(entry.version);
    if (!version) {
      problems.add(`line ${line}: "${key}" has no version (the file may be truncated)`);
      continue;
    }
    const descriptors = key.split(",").map((descriptor) => splitAtVersion(descriptor.trim()));
    const isDirect = descriptors.some((d) => d !== null && wanted.has(descriptorKey(d.name, d.rest)));
    packages.push({
      ecosystem: "npm",
      name: split.name,
      version,
      requirement: null,
      direct: workspaces === 0 ? null : isDirect,
      dev: false,
      line,
      source: protocol === "npm" ? null : split.rest,
    });
  }
  return { packages, problems: problems.list(yaml.problems) };
}
