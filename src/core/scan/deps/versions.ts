// Version ordering for the ecosystems the dependency analyzer reads: semver 2.0.0 (npm), PEP 440 (PyPI), dpkg (Debian,
// Ubuntu) and apk (Alpine), and how OSV ecosystem names split into base and release. Written from the specifications
// (apk from apk-tools' source); a version that does not parse compares as null.

export type VersionScheme = "semver" | "pep440" | "debian" | "alpine";

/** An OSV ecosystem name without its release, lower-cased: `debian` for `Debian:12`, `pypi` for `PyPI`. */
export function ecosystemBase(ecosystem: string): string {
  return (ecosystem.split(":")[0] ?? "").trim().toLowerCase();
}

/**
 * The distribution release after the first `:` (`Debian:12`, `Alpine:v3.19`, `Ubuntu:22.04:LTS`), null for none.
 * Ubuntu's `:LTS` marker and Alpine's `v` are spelling, not a different release; `Ubuntu:Pro:…` stays distinct.
 */
export function ecosystemRelease(ecosystem: string): string | null {
  const colon = ecosystem.indexOf(":");
  if (colon < 0) return null;
  const base = ecosystemBase(ecosystem);
  const parts = ecosystem
    .slice(colon + 1)
    .split(":")
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== "" && !(base === "ubuntu" && part === "lts"));
  if (base === "alpine" && parts[0]) parts[0] = parts[0].replace(/^v(?=\d)/, "");
  return parts.length > 0 ? parts.join(":") : null;
}

/** The version scheme of an OSV ecosystem name (`npm`, `PyPI`, `Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.19`). */
export function schemeOfEcosystem(ecosystem: string): VersionScheme | null {
  switch (ecosystemBase(ecosystem)) {
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
  /** The comparison pads the shorter release with zeros: 1.0 and 1.0.0 are the same release. */
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
  return {
    epoch,
    release: release.split("."),
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
//
// apk-tools' own algorithm (src/version.c): a version is a run of tokens, compared pairwise while both are of the same
// kind. Where one version ends or changes kind first, a pre-release suffix sorts lower, else the kind later in
// KIND's order sorts lower: 1.2 < 1.2.1 < 1.2a, 1.2.3 < 1.2.3-r0, 1.0_p < 1.0_p0, 1.0_rc1 < 1.0.

const KIND = {
  initial: 0,
  digit: 1,
  letter: 2,
  suffix: 3,
  suffixNumber: 4,
  commit: 5,
  revision: 6,
  end: 7,
} as const;

interface AlpineToken {
  kind: number;
  text: string;
  /** For suffixes: the rank below, pre-releases under NO_SUFFIX and the others above it. */
  rank: number;
}

/** `1.2.3`, one letter, `_suffix[N]`s, an optional `~commit` (hex), then `-rN`. */
const APK =
  /^(\d+(?:\.\d+)*)([a-z]?)((?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*)(?:~([0-9a-f]+))?(?:-r(\d+))?$/;

const SUFFIX_RANK: Record<string, number> = {
  alpha: 1,
  beta: 2,
  pre: 3,
  rc: 4,
  cvs: 6,
  svn: 7,
  git: 8,
  hg: 9,
  p: 10,
};
const NO_SUFFIX = 5;

function parseAlpine(text: string): AlpineToken[] | null {
  const match = APK.exec(text.trim());
  if (!match) return null;
  const [, numbers = "", letter = "", suffixes = "", commit, revision] = match;
  const token = (kind: number, part: string, rank = 0): AlpineToken => ({ kind, text: part, rank });
  const tokens = numbers.split(".").map((part, i) => token(i === 0 ? KIND.initial : KIND.digit, part));
  if (letter) tokens.push(token(KIND.letter, letter));
  for (const suffix of suffixes.split("_").slice(1)) {
    const [, name = "", number = ""] = /^([a-z]+)(\d*)$/.exec(suffix) ?? [];
    tokens.push(token(KIND.suffix, name, SUFFIX_RANK[name] ?? NO_SUFFIX));
    if (number) tokens.push(token(KIND.suffixNumber, number));
  }
  if (commit !== undefined) tokens.push(token(KIND.commit, commit));
  if (revision !== undefined) tokens.push(token(KIND.revision, revision));
  return tokens;
}

function compareAlpine(a: AlpineToken[], b: AlpineToken[]): number {
  for (let i = 0; ; i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || x.kind !== y.kind) {
      if (!x && !y) return 0;
      if (x?.kind === KIND.suffix && x.rank < NO_SUFFIX) return -1;
      if (y?.kind === KIND.suffix && y.rank < NO_SUFFIX) return 1;
      return (y?.kind ?? KIND.end) - (x?.kind ?? KIND.end);
    }
    const order = compareAlpineToken(x, y);
    if (order !== 0) return order;
  }
}

function compareAlpineToken(x: AlpineToken, y: AlpineToken): number {
  switch (x.kind) {
    case KIND.digit:
      // After the first component, a leading zero makes both compare as text, as Gentoo does: 1.05 < 1.1, 1.0 < 1.00.
      if (x.text.startsWith("0") || y.text.startsWith("0")) return compareText(x.text, y.text);
      return compareDigits(x.text, y.text);
    case KIND.initial:
    case KIND.suffixNumber:
    case KIND.revision:
      return compareDigits(x.text, y.text);
    case KIND.suffix:
      return x.rank - y.rank;
    default:
      // Letters and commit hashes, byte by byte.
      return compareText(x.text, y.text);
  }
}
