// pip's requirements files (requirements.txt and friends) and the PEP 508 requirement strings they share with
// pyproject.toml. Referenced files (-r, -c) are not followed: each is read on its own when the scanner finds it.
import { lines, Problems } from "./lockfile-support.ts";
import type { FormatRead, LockedPackage } from "./lockfiles.ts";
import { normalisePackageName } from "./osv.ts";

export interface Pep508 {
  /** As written, extras and spacing removed. */
  name: string;
  /** The version specifier as written (">=2.0,<3"), "" when there is none. */
  specifier: string;
  /** The URL of a `name @ url` requirement. */
  url: string | null;
}

const NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*/;
const CLAUSE = /^\s*(===|==|!=|<=|>=|~=|<|>)\s*([A-Za-z0-9_.*+!-]+)\s*$/;

/** Parses a PEP 508 requirement ("requests[socks]>=2.8; python_version < '3.11'"); a string says what is wrong. */
export function parsePep508(text: string): Pep508 | string {
  const trimmed = text.trim();
  const head = NAME.exec(trimmed);
  if (!head?.[1]) return "it does not start with a package name";
  let rest = trimmed.slice(head[0].length);
  if (rest.startsWith("[")) return "its extras are not closed with ]";
  if (rest.startsWith("@")) {
    // PEP 508: the URL ends at whitespace; markers follow after " ;".
    const url = rest.slice(1).trim().split(/\s+/)[0] ?? "";
    if (!/^[a-z][a-z0-9+.-]*:\/\/|^file:/i.test(url)) return `"${url}" after @ is not a URL`;
    return { name: head[1], specifier: "", url };
  }
  const semicolon = rest.indexOf(";");
  if (semicolon !== -1) rest = rest.slice(0, semicolon);
  let specifier = rest.trim();
  if (specifier.startsWith("(") && specifier.endsWith(")")) specifier = specifier.slice(1, -1).trim();
  if (specifier !== "") {
    for (const clause of specifier.split(",")) {
      if (clause.trim() === "") return "a version clause is empty";
      if (!CLAUSE.test(clause)) return `"${clause.trim()}" is not a version clause like ">=1.0"`;
    }
  }
  return { name: head[1], specifier, url: null };
}

/** The exact version a specifier pins ("==1.2.3", "===1.2.3"), or null; "==1.2.*" is a range. */
function pinnedVersion(specifier: string): string | null {
  const clauses = specifier.split(",");
  if (clauses.length !== 1) return null;
  const match = CLAUSE.exec(clauses[0] ?? "");
  if (!match?.[2] || (match[1] !== "==" && match[1] !== "===")) return null;
  return match[1] === "==" && match[2].includes("*") ? null : match[2];
}

/** Version and requirement fields from a specifier: a pin gives the version, anything else the requirement. */
export function versionFields(specifier: string): Pick<LockedPackage, "version" | "requirement"> {
  const version = pinnedVersion(specifier);
  return { version, requirement: version ? null : specifier };
}

/** A `name @ url` requirement's version: the one its archive's file name gives, when that names the same package. */
export function urlFields(name: string, url: string): Pick<LockedPackage, "version" | "requirement"> {
  const archive = archiveName(url);
  const same =
    archive !== null && normalisePackageName("PyPI", archive.name) === normalisePackageName("PyPI", name);
  return same ? { version: archive.version, requirement: null } : { version: null, requirement: "" };
}

interface Logical {
  text: string;
  line: number;
  /** The inline comment, which pip-compile uses for "# via" notes. */
  comment: string;
}

/**
 * pip's join_lines: a line ending in a backslash goes on with the next one, unless it is a comment line. Only each
 * physical line's own end is tested and the parts are joined once, so a requirement continued over thousands of
 * `--hash` lines costs its length. Comments are split off: a # at the start or after whitespace starts one.
 */
function* logicalLines(text: string): Generator<Logical> {
  let parts: string[] = [];
  let start = 1;
  for (const { text: row, number } of lines(text)) {
    if (parts.length === 0) start = number;
    let end = row.length;
    while (end > 0 && row.charCodeAt(end - 1) === 92) end--;
    if (end < row.length && !/^\s*#/.test(row)) {
      parts.push(row.slice(0, end));
      continue;
    }
    parts.push(row);
    yield logical(parts.join(" "), start);
    parts = [];
  }
  if (parts.length > 0) yield logical(parts.join(" "), start);
}

function logical(joined: string, line: number): Logical {
  const hash = joined.search(/(?:^|\s)#/);
  return {
    text: (hash === -1 ? joined : joined.slice(0, hash)).trim(),
    line,
    comment: hash === -1 ? "" : joined.slice(hash).trim(),
  };
}

/** A name from a wheel or sdist file name: "numpy-1.9.2-cp34-none-win32.whl", "six-1.16.0.tar.gz". */
function archiveName(target: string): { name: string; version: string } | null {
  const file = target.split(/[\\/]/).pop()?.split(/[?#]/)[0] ?? "";
  const wheel = /^([A-Za-z0-9._]+?)-(\d[^-]*)-.+\.whl$/.exec(file);
  if (wheel?.[1] && wheel[2]) return { name: wheel[1], version: wheel[2] };
  const sdist = /^([A-Za-z0-9._-]+?)-(\d[^-]*?)\.(?:tar\.gz|tar\.bz2|zip|tgz)$/.exec(file);
  return sdist?.[1] && sdist[2] ? { name: sdist[1], version: sdist[2] } : null;
}

/** The package a URL, VCS spec or path installs: #egg=name, an archive file name, or the repository's name. */
function targetPackage(target: string): { name: string; version: string | null } | null {
  const egg = /[#&]egg=([A-Za-z0-9._-]+)/.exec(target)?.[1];
  if (egg) return { name: egg, version: null };
  const archive = archiveName(target);
  if (archive) return archive;
  const repository = /^(?:git|hg|svn|bzr)\+.*\/([A-Za-z0-9._-]+?)(?:\.git)?(?:@[^/]*)?$/.exec(
    target.split("#")[0] ?? "",
  );
  return repository?.[1] ? { name: repository[1], version: null } : null;
}

const DEV_WORDS = /(?:^|[-_.])(?:dev|develop|development|test|tests|testing|lint|docs)(?:[-_.]|$)/i;
/**
 * Folders whose requirement files are all for development. Other folder names say nothing: a project keeps its
 * services in folders like services/dev-portal/, whose requirements run in production.
 */
const DEV_FOLDERS = new Set(["tests", "docs"]);
const DIRECT_VIA = /^-r\s|\((?:pyproject\.toml|setup\.py|setup\.cfg)\)$/;

/** requirements-dev.txt, dev-requirements.txt, requirements/test.txt, tests/requirements.txt. */
function isDevFile(path: string): boolean {
  const segments = path.split(/[\\/]/);
  const base = (segments.at(-1) ?? "").replace(/\.txt$/i, "").replace(/requirements/gi, "");
  return DEV_WORDS.test(base) || DEV_FOLDERS.has((segments.at(-2) ?? "").toLowerCase());
}

/**
 * A requirements file. pip-compile's "# via" notes, when present, tell direct ("-r requirements.in") from
 * transitive; a file named for development (requirements-dev.txt, requirements/test.txt) marks its packages dev.
 */
export function parseRequirements(text: string, path = "requirements.txt"): FormatRead {
  const packages: LockedPackage[] = [];
  const problems = new Problems();
  const dev = isDevFile(path);
  const vias = new Map<LockedPackage, string[]>();
  // The "# via" notes of the requirement just read, while the lines after it may still add to them.
  let notes: string[] | null = null;
  let inVia = false;
  let annotated = false;
  for (const { text: content, line, comment } of logicalLines(text)) {
    const via = /^#\s*via\b:?\s*(.*)$/.exec(comment);
    if (via) annotated = true;
    if (content === "") {
      // pip-compile writes "# via" and then one indented "#   flask" line per dependent; any other line ends the
      // notes, so a stray comment is never taken for one.
      const item = via ? via[1] : inVia ? /^#\s{2,}(\S.*)$/.exec(comment)?.[1] : undefined;
      if (notes && (via || item !== undefined)) {
        inVia = true;
        if (item) notes.push(item);
      } else {
        notes = null;
        inVia = false;
      }
      continue;
    }
    notes = null;
    inVia = false;
    const parsed = requirementLine(content);
    if (parsed === null) continue;
    if (typeof parsed === "string") {
      problems.add(`line ${line}: ${parsed}: ${content.length > 80 ? `${content.slice(0, 80)}…` : content}`);
      continue;
    }
    const found: LockedPackage = { ecosystem: "PyPI", ...parsed, direct: null, dev, line };
    packages.push(found);
    notes = via?.[1] ? [via[1]] : [];
    inVia = via !== null;
    vias.set(found, notes);
  }
  if (annotated) {
    for (const found of packages) {
      const items = vias.get(found) ?? [];
      // Direct when pip-compile says it came from an input file or the project's own metadata.
      if (items.length > 0) found.direct = items.some((item) => DIRECT_VIA.test(item));
    }
  }
  return { packages, problems: problems.list() };
}

type RequirementFields = Pick<LockedPackage, "name" | "version" | "requirement" | "source">;

/** A path pip installs from: ".", "..", "./libs/foo", ".[dev]", "/abs/path", "C:\\src", "~/x" or a file: URL. */
const LOCAL = /^(?:\.{1,2}(?:[\\/[]|$)|[\\/]|~[\\/]|[A-Za-z]:[\\/]|file:)/i;

/** A URL, VCS or path requirement: a version only when an archive's file name gives one. */
function fromTarget(target: string, found: { name: string; version: string | null }): RequirementFields {
  return { name: found.name, version: found.version, requirement: found.version ? null : "", source: target };
}

/** One logical line as a package, null for options and lines with nothing to record, or a problem. */
function requirementLine(content: string): RequirementFields | null | string {
  const editable = /^(?:-e|--editable)(?:\s+|=)(.+)$/.exec(content);
  if (editable?.[1]) {
    const target = editable[1].trim();
    const found = targetPackage(target);
    if (found) return fromTarget(target, found);
    // An editable local folder without a name is the project's own code ("-e .").
    return /^[a-z]+\+|:\/\//i.test(target) && !LOCAL.test(target)
      ? "cannot tell which package this editable URL installs"
      : null;
  }
  // Options (-r, -c, --index-url, --hash on its own line…) are pip's business, not packages.
  if (content.startsWith("-")) return null;
  if (LOCAL.test(content) || /^(?:[a-z][a-z0-9+.-]*:\/\/|[a-z]+\+)/i.test(content)) {
    const target = content.split(/\s+/)[0] ?? content;
    const found = targetPackage(target);
    if (found) return fromTarget(target, found);
    // A local folder with no archive name is the project's own code or a sibling project's, as with "-e .".
    return LOCAL.test(target) ? null : "cannot tell which package this URL or path installs";
  }
  // Per-requirement options (--hash=…) follow the requirement after whitespace. One space before the dash, not
  // \s+: a run of spaces would be retried from each of its spaces, quadratic on a line of thousands.
  const option = content.search(/\s--?[a-z]/i);
  const requirement = option === -1 ? content : content.slice(0, option);
  const parsed = parsePep508(requirement);
  if (typeof parsed === "string") return `not a requirement (${parsed})`;
  if (parsed.url) return { name: parsed.name, ...urlFields(parsed.name, parsed.url), source: parsed.url };
  return { name: parsed.name, ...versionFields(parsed.specifier), source: null };
}
