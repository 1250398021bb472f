// Version ordering for the ecosystems the dependency analyzer reads: semver 2.0.0 (npm), PEP 440 (PyPI), dpkg (Debian,
// Ubuntu) and apk (Alpine). Written from the specifications; a version that does not parse compares as null.

export type VersionScheme = "semver" | "pep440" | "debian" | "alpine";

/** The version scheme of an OSV ecosystem name (`npm`, `PyPI`, `Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.19`). */
export function schemeOfEcosystem(ecosystem: string): VersionScheme | null {
  const base = (ecosystem.split(":")[0] ?? "").trim().toLowerCase();
  switch (base) {
    case "npm":
      return "semver";
    case "pypi":
      return "pep440";
    case "debian":
    case "ubuntu":
      return "debian";
    // Wolfi and Chainguard build with apk and publish apk versions.
    case "alpine":
    case "wolfi":
    case "chainguard":
      return "alpine";
    default:
      return null;
  }
}

/** Negative, 0 or positive as `a` sorts before, with or after `b`; null when either does not parse in the scheme. */
export function compareVersions(scheme: VersionScheme, a: string, b: string): number | null {
  switch (scheme) {
    case "semver":
      return compareParsed(parseSemver(a), parseSemver(b), compareSemver);
    case "pep440":
      return compareParsed(parsePep440(a), parsePep440(b), comparePep440);
    case "debian":
      return compareParsed(parseDebian(a), parseDebian(b), compareDebian);
    case "alpine":
      return compareParsed(parseAlpine(a), parseAlpine(b), compareAlpine);
  }
}

function compareParsed<T>(a: T | null, b: T | null, compare: (a: T, b: T) => number): number | null {
  if (a === null || b === null) return null;
  return Math.sign(compare(a, b));
}

/** Two runs of ASCII digits by value, at any length (versions carry dates and timestamps past 2^53). */
function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+/, "");
  const y = b.replace(/^0+/, "");
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const isDigits = (text: string) => /^\d+$/.test(text);

// semver 2.0.0 ------------------------------------------------------------------------------------------------------

interface Semver {
  core: [string, string, string];
  pre: string[];
}

/** Numeric identifiers have no leading zeros (spec items 2 and 9); `v` and `=` prefixes are npm's tolerance. */
const SEMVER =
  /^=?v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

function parseSemver(text: string): Semver | null {
  const match = SEMVER.exec(text.trim());
  if (!match) return null;
  const [, major = "", minor = "", patch = "", pre] = match;
  return { core: [major, minor, patch], pre: pre === undefined ? [] : pre.split(".") };
}

function compareSemver(a: Semver, b: Semver): number {
  for (let i = 0; i < 3; i++) {
    const order = compareDigits(a.core[i] ?? "0", b.core[i] ?? "0");
    if (order !== 0) return order;
  }
  // A pre-release sorts before its release; build metadata never counts (spec item 10).
  if (a.pre.length === 0 || b.pre.length === 0) return b.pre.length - a.pre.length;
  const length = Math.min(a.pre.length, b.pre.length);
  for (let i = 0; i < length; i++) {
    const x = a.pre[i] ?? "";
    const y = b.pre[i] ?? "";
    const xNumeric = isDigits(x);
    const yNumeric = isDigits(y);
    const order =
      xNumeric && yNumeric ? compareDigits(x, y) : xNumeric ? -1 : yNumeric ? 1 : compareText(x, y);
    if (order !== 0) return order;
  }
  return a.pre.length - b.pre.length;
}

// PEP 440 -----------------------------------------------------------------------------------------------------------

interface Pep440 {
  epoch: string;
  /** Trailing zeros dropped: 1.0 and 1.0.0 are the same release. */
  release: string[];
  pre: { rank: number; number: string } | null;
  post: string | null;
  dev: string | null;
  local: string[] | null;
}

/**
 * Every spelling PEP 440 normalises: `v` prefix, `alpha`/`beta`/`c`/`pre`/`preview`, `-`, `_` or `.` separators or
 * none, implicit numbers, `-N` and `rev`/`r` post-releases, local segments joined by `-`, `_` or `.`.
 */
const PEP440 =
  /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(alpha|beta|preview|pre|rc|a|b|c)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$/;

const PRE_RANK: Record<string, number> = { a: 0, alpha: 0, b: 1, beta: 1, rc: 2, c: 2, pre: 2, preview: 2 };

function parsePep440(text: string): Pep440 | null {
  const match = PEP440.exec(text.trim().toLowerCase());
  if (!match) return null;
  const [
    ,
    epoch = "0",
    release = "",
    preLabel,
    preNumber,
    postImplicit,
    postLabel,
    postNumber,
    devLabel,
    dev,
    local,
  ] = match;
  const segments = release.split(".");
  while (segments.length > 1 && /^0+$/.test(segments[segments.length - 1] ?? "")) segments.pop();
  return {
    epoch,
    release: segments,
    pre: preLabel === undefined ? null : { rank: PRE_RANK[preLabel] ?? 0, number: preNumber ?? "0" },
    post: postImplicit ?? (postLabel === undefined ? null : (postNumber ?? "0")),
    dev: devLabel === undefined ? null : (dev ?? "0"),
    local: local === undefined ? null : local.split(/[-_.]/),
  };
}

/** Optional parts: `missing` is where an absent part sorts (-1 before every value, 1 after). */
function compareOptionalDigits(a: string | null, b: string | null, missing: -1 | 1): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? missing : -missing;
  return compareDigits(a, b);
}

function comparePep440(a: Pep440, b: Pep440): number {
  let order = compareDigits(a.epoch, b.epoch);
  if (order !== 0) return order;
  const length = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < length; i++) {
    order = compareDigits(a.release[i] ?? "0", b.release[i] ?? "0");
    if (order !== 0) return order;
  }
  order = preKey(a) - preKey(b);
  if (order !== 0) return order;
  if (a.pre && b.pre) {
    order = compareDigits(a.pre.number, b.pre.number);
    if (order !== 0) return order;
  }
  order = compareOptionalDigits(a.post, b.post, -1);
  if (order !== 0) return order;
  order = compareOptionalDigits(a.dev, b.dev, 1);
  if (order !== 0) return order;
  return compareLocal(a.local, b.local);
}

/** A bare dev release (1.0.dev0) sorts before every pre-release of its release, a final release after them. */
function preKey(version: Pep440): number {
  if (version.pre) return version.pre.rank;
  return version.dev !== null && version.post === null ? -1 : 3;
}

/** Local segments one by one: numbers by value and above words, words case-insensitively; more segments sort later. */
function compareLocal(a: string[] | null, b: string[] | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a[i] ?? "";
    const y = b[i] ?? "";
    const xNumeric = isDigits(x);
    const yNumeric = isDigits(y);
    const order =
      xNumeric && yNumeric ? compareDigits(x, y) : xNumeric ? 1 : yNumeric ? -1 : compareText(x, y);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

// Debian (dpkg) -----------------------------------------------------------------------------------------------------

interface DebianVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

function parseDebian(text: string): DebianVersion | null {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(":");
  const epoch = colon < 0 ? "0" : trimmed.slice(0, colon);
  const rest = colon < 0 ? trimmed : trimmed.slice(colon + 1);
  const dash = rest.lastIndexOf("-");
  const upstream = dash < 0 ? rest : rest.slice(0, dash);
  const revision = dash < 0 ? "" : rest.slice(dash + 1);
  if (!isDigits(epoch)) return null;
  // Policy 5.6.12: upstream starts with a digit (a word such as "latest" is not a version); "-" needs a revision.
  if (!/^\d[A-Za-z0-9.+~:-]*$/.test(upstream)) return null;
  if (dash >= 0 && !/^[A-Za-z0-9.+~]+$/.test(revision)) return null;
  return { epoch, upstream, revision };
}

function compareDebian(a: DebianVersion, b: DebianVersion): number {
  return (
    compareDigits(a.epoch, b.epoch) ||
    compareDebianPart(a.upstream, b.upstream) ||
    compareDebianPart(a.revision, b.revision)
  );
}

const isDigit = (char: string | undefined) => char !== undefined && char >= "0" && char <= "9";

/** Where a character of a non-digit run sorts: `~` before the end of the run, the end before letters, then the rest. */
function dpkgWeight(char: string | undefined): number {
  if (char === undefined || isDigit(char)) return 0;
  if (char === "~") return -1;
  const code = char.charCodeAt(0);
  return /[A-Za-z]/.test(char) ? code : code + 256;
}

/** Policy 5.6.12: alternate non-digit runs (compared by weight) and digit runs (compared by value, empty is 0). */
function compareDebianPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const x = dpkgWeight(a[i]);
      const y = dpkgWeight(b[j]);
      if (x !== y) return x - y;
      i++;
      j++;
    }
    const startA = i;
    const startB = j;
    while (isDigit(a[i])) i++;
    while (isDigit(b[j])) j++;
    const order = compareDigits(a.slice(startA, i) || "0", b.slice(startB, j) || "0");
    if (order !== 0) return order;
  }
  return 0;
}

// Alpine (apk) ------------------------------------------------------------------------------------------------------

interface AlpineVersion {
  numbers: string[];
  letter: string;
  suffixes: Array<{ rank: number; number: string }>;
  commit: string;
  revision: string;
}

/** `1.2.3`, one letter, `_suffix[N]`s, an optional `~commit` (hex, compared as text), then `-rN`. */
const APK =
  /^(\d+(?:\.\d+)*)([a-z]?)((?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*)(?:~([0-9a-f]+))?(?:-r(\d+))?$/;

/** Pre-release suffixes sort before the plain version (rank 4), the others after it. */
const SUFFIX_RANK: Record<string, number> = {
  alpha: 0,
  beta: 1,
  pre: 2,
  rc: 3,
  cvs: 5,
  svn: 6,
  git: 7,
  hg: 8,
  p: 9,
};
const NO_SUFFIX = 4;

function parseAlpine(text: string): AlpineVersion | null {
  const match = APK.exec(text.trim());
  if (!match) return null;
  const [, numbers = "", letter = "", suffixes = "", commit = "", revision = "0"] = match;
  return {
    numbers: numbers.split("."),
    letter,
    suffixes: suffixes
      .split("_")
      .slice(1)
      .map((suffix) => {
        const [, name = "", number = ""] = /^([a-z]+)(\d*)$/.exec(suffix) ?? [];
        return { rank: SUFFIX_RANK[name] ?? NO_SUFFIX, number: number || "0" };
      }),
    commit,
    revision,
  };
}

function compareAlpine(a: AlpineVersion, b: AlpineVersion): number {
  const shared = Math.min(a.numbers.length, b.numbers.length);
  for (let i = 0; i < shared; i++) {
    const order = compareAlpineNumber(a.numbers[i] ?? "0", b.numbers[i] ?? "0", i === 0);
    if (order !== 0) return order;
  }
  // 1.2.1 > 1.2: a further component wins whatever follows the shorter one.
  if (a.numbers.length !== b.numbers.length) return a.numbers.length - b.numbers.length;
  if (a.letter !== b.letter) return compareText(a.letter, b.letter);
  const suffixes = Math.max(a.suffixes.length, b.suffixes.length);
  for (let i = 0; i < suffixes; i++) {
    const x = a.suffixes[i];
    const y = b.suffixes[i];
    const order =
      (x?.rank ?? NO_SUFFIX) - (y?.rank ?? NO_SUFFIX) || (x && y ? compareDigits(x.number, y.number) : 0);
    if (order !== 0) return order;
  }
  return compareText(a.commit, b.commit) || compareDigits(a.revision, b.revision);
}

/** After the first component, one with a leading zero is a decimal fraction: 1.05 < 1.1 < 1.10 (as apk does). */
function compareAlpineNumber(a: string, b: string, first: boolean): number {
  if (first || (!a.startsWith("0") && !b.startsWith("0"))) return compareDigits(a, b);
  return compareText(a.replace(/0+$/, ""), b.replace(/0+$/, ""));
}
