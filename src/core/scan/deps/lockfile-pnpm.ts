// pnpm's pnpm-lock.yaml, lockfile versions 5.x, 6.0 and 9.0. Package keys differ by version: "/name/1.2.3_peer" (5),
// "/name@1.2.3(peer@1.0.0)" (6), "name@1.2.3" (9).
import { isRecord, type JsonRecord, recordAt, stringAt } from "./lockfile-json.ts";
import { npmSource, splitAtVersion } from "./lockfile-npm.ts";
import { entryProblem, Problems, reachable } from "./lockfile-support.ts";
import { readYaml, scalarText } from "./lockfile-yaml.ts";
import type { FormatRead, LockedPackage } from "./lockfiles.ts";

const IMPORTER_SECTIONS = [
  ["dependencies", false],
  ["optionalDependencies", false],
  ["devDependencies", true],
] as const;

/** A package key without its leading slash and peer suffix: the id shared by packages, snapshots and importers. */
function packageId(key: string, major: number): string {
  const bare = key.startsWith("/") ? key.slice(1) : key;
  if (major >= 6) {
    const paren = bare.indexOf("(");
    return paren === -1 ? bare : bare.slice(0, paren);
  }
  // Version 5 appends peers after an underscore in the version segment ("1.2.3_react@18.2.0").
  const underscore = bare.indexOf("_", bare.lastIndexOf("/") + 1);
  return underscore === -1 ? bare : bare.slice(0, underscore);
}

/** Name and version from a package id; the version may be a URL or path for git and tarball dependencies. */
function splitId(id: string, major: number): { name: string; version: string } | null {
  if (major >= 6) {
    const split = splitAtVersion(id);
    return split ? { name: split.name, version: split.rest } : null;
  }
  const slash = id.lastIndexOf("/");
  return slash > 0 ? { name: id.slice(0, slash), version: id.slice(slash + 1) } : null;
}

/** pnpm-lock.yaml. */
export function parsePnpmLock(text: string): FormatRead {
  const yaml = readYaml(text);
  const problems = new Problems();
  const packages: LockedPackage[] = [];
  if (!isRecord(yaml.value)) {
    return {
      packages,
      problems: yaml.problems.length > 0 ? yaml.problems : ["the top level is not a YAML mapping"],
    };
  }
  const root = yaml.value;
  let major = Number.parseFloat(scalarText(root.lockfileVersion) ?? "");
  if (!Number.isFinite(major)) {
    problems.add("has no lockfileVersion; read as version 9.0");
    major = 9;
  } else if (major < 5 || major >= 10) {
    problems.add(`lockfileVersion ${String(root.lockfileVersion)} is not one this reader knows (5.x to 9.0)`);
  }
  const section = recordAt(root, "packages");
  const ids = new Set(Object.keys(section).map((key) => packageId(key, major)));

  // A dependency's version field is a version ("1.2.3(react@18.2.0)"), an alias's id, or a path key.
  const resolve = (name: string, version: string): string | null => {
    if (version.startsWith("link:")) return null;
    const id = packageId(version, major);
    if (ids.has(id)) return id;
    return major >= 6 ? `${name}@${id}` : `${name}/${id}`;
  };
  const depVersion = (value: unknown): string | undefined =>
    isRecord(value) ? scalarText(value.version) : scalarText(value);

  // Single-project lockfiles before 9.0 keep the importer's sections at the top level.
  const importers = isRecord(root.importers) ? Object.values(root.importers).filter(isRecord) : [root];
  const direct = new Set<string>();
  const prodRoots: string[] = [];
  const devRoots: string[] = [];
  for (const importer of importers) {
    for (const [field, dev] of IMPORTER_SECTIONS) {
      for (const [name, value] of Object.entries(recordAt(importer, field))) {
        const version = depVersion(value);
        const id = version === undefined ? null : resolve(name, version);
        if (!id) continue;
        direct.add(id);
        (dev ? devRoots : prodRoots).push(id);
      }
    }
  }

  // 9.0 no longer marks dev packages: they are the ones reached only through devDependencies.
  let devOnly: ((id: string) => boolean) | null = null;
  if (major >= 9) {
    const edges = new Map<string, string[]>();
    for (const [key, snapshot] of Object.entries({ ...section, ...recordAt(root, "snapshots") })) {
      if (!isRecord(snapshot)) continue;
      const id = packageId(key, major);
      const out = edges.get(id) ?? [];
      for (const field of ["dependencies", "optionalDependencies"]) {
        for (const [name, value] of Object.entries(recordAt(snapshot, field))) {
          const version = depVersion(value);
          const target = version === undefined ? null : resolve(name, version);
          if (target) out.push(target);
        }
      }
      edges.set(id, out);
    }
    const next = (id: string): string[] => edges.get(id) ?? [];
    const prod = reachable(prodRoots, next);
    const devReach = reachable(devRoots, next);
    devOnly = (id) => !prod.has(id) && devReach.has(id);
  }

  const lines = yaml.keyLines(["packages"]);
  // Peer variants of one version are one package to the analyzer, needed outside development if any variant is.
  const variants = new Map<string, LockedPackage>();
  for (const [key, entry] of Object.entries(section)) {
    const line = lines.get(key) ?? 1;
    const id = packageId(key, major);
    if (!isRecord(entry)) {
      problems.add(entryProblem(line, key, entry, "a mapping"));
      continue;
    }
    const split = splitId(id, major);
    const name = stringAt(entry, "name") ?? split?.name;
    if (!name) {
      problems.add(`line ${line}: cannot read a package name from "${key}"`);
      continue;
    }
    const keyVersion = split && /^\d+\.\d+\.\d+/.test(split.version) ? split.version : undefined;
    const version = scalarText(entry.version) ?? keyVersion ?? null;
    const dev = devOnly ? devOnly(id) : entry.dev === true;
    const unique = `${name}@${version}`;
    const known = variants.get(unique);
    if (known) {
      known.dev &&= dev;
      known.direct ||= direct.has(id);
      continue;
    }
    const resolution = recordAt(entry, "resolution");
    if (Object.keys(resolution).length === 0) {
      problems.add(`line ${line}: "${key}" has no resolution (the file may be truncated)`);
    }
    const found: LockedPackage = {
      ecosystem: "npm",
      name,
      version,
      requirement: null,
      direct: direct.has(id),
      dev,
      line,
      source: pnpmSource(resolution) ?? (split && !keyVersion ? split.version : null),
    };
    variants.set(unique, found);
    packages.push(found);
  }
  if (Object.keys(section).length === 0 && direct.size > 0) {
    problems.add('has importers but no "packages" section');
  }
  return { packages, problems: problems.list(yaml.problems) };
}

function pnpmSource(resolution: JsonRecord): string | null {
  const tarball = stringAt(resolution, "tarball");
  if (tarball) return npmSource(tarball);
  const repo = stringAt(resolution, "repo");
  if (repo) {
    const commit = stringAt(resolution, "commit");
    return commit ? `${repo}#${commit}` : repo;
  }
  return stringAt(resolution, "directory") ?? null;
}
