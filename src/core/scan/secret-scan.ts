// Secrets in a file's text: provider tokens, private keys, credentials in URLs, generic high-entropy values under
// secret-like names (the shared detectors), and internal addresses. Findings carry the line and column, the line
// with the secret masked; a `helmet-ignore` comment marks them suppressed.
import { type Detection, detectSecrets } from "../detectors/detect.ts";
import type { Detected } from "./finding.ts";
import { ruleInfo, secretRuleId } from "./rule-catalog.ts";
import { ignoredRules } from "./suppression.ts";

/** Connection strings of databases and brokers: credentials in them are database passwords. */
const DATABASE_SCHEME =
  /^(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|mssql|sqlserver|oracle|cockroachdb|clickhouse|neo4j(?:\+s)?|couchdb|memcached)$/i;

/**
 * Private networks (10/8, 192.168/16, 172.16/12) and internal-only names; localhost is left out (every project's
 * dev server). The whole host must match: `vault.internal.example.com` is a public name.
 */
const INTERNAL_HOST =
  /^(?:10(?:\.\d{1,3}){3}|192\.168(?:\.\d{1,3}){2}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2}|(?:[a-z0-9-]{1,63}\.){1,7}(?:internal|corp|intranet|lan|private|localdomain))$/i;
const INTERNAL_NAMES = new Set(["internal", "corp", "intranet", "lan", "private", "localdomain"]);
/** At a `://`: the scheme before it, as a word of its own. */
const URL_SCHEME = /(?<=\b(https?|wss?|grpc)):\/\//iy;
/** After the host: the port and the path. */
const URL_TAIL = /(?::\d{1,5})?(?:\/[^\s"'`<>)]{0,200})?/y;
const MAX_HOST = 253;

function isHostChar(code: number): boolean {
  // a-z, A-Z, 0-9, dot and dash.
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 46 ||
    code === 45
  );
}

/**
 * The http(s), ws(s) and grpc URLs in `text` whose host is internal, as [start, end) offsets. Code is full of URLs,
 * nearly all public: each `://` is found by a native search and its host judged by its first character or its last
 * label before any regular expression runs.
 */
function internalUrls(text: string): Array<{ start: number; end: number }> {
  const found: Array<{ start: number; end: number }> = [];
  for (let at = text.indexOf("://"); at !== -1; at = text.indexOf("://", at + 3)) {
    // A URL's path may hold another `://`: it is part of that URL.
    if (at < (found.at(-1)?.end ?? 0)) continue;
    const hostStart = at + 3;
    let hostEnd = hostStart;
    while (hostEnd < text.length && hostEnd - hostStart < MAX_HOST && isHostChar(text.charCodeAt(hostEnd)))
      hostEnd++;
    if (hostEnd === hostStart) continue;
    const first = text.charCodeAt(hostStart);
    const lastLabel = text
      .slice(Math.max(hostStart, text.lastIndexOf(".", hostEnd - 1) + 1), hostEnd)
      .toLowerCase();
    if ((first < 48 || first > 57) && !INTERNAL_NAMES.has(lastLabel)) continue;
    if (!INTERNAL_HOST.test(text.slice(hostStart, hostEnd))) continue;
    URL_SCHEME.lastIndex = at;
    const scheme = URL_SCHEME.exec(text)?.[1];
    if (scheme === undefined) continue;
    URL_TAIL.lastIndex = hostEnd;
    const tail = URL_TAIL.exec(text)?.[0] ?? "";
    found.push({ start: at - scheme.length, end: hostEnd + tail.length });
  }
  return found;
}

/** Values that stand in for a secret in docs and templates. */
const PLACEHOLDER =
  /^(?:x{4,}|\*{4,}|\.{3,}|<[^>]{1,60}>|\$\{[^}]{1,60}\}|\{\{[^}]{1,60}\}\}|%[A-Z_]{1,40}%|(?:your|my|the|an?)[_-]?[a-z_-]{0,30}(?:key|token|secret|password)[a-z_-]{0,20}|changeme|change[_-]me|example[a-z0-9_-]*|dummy[a-z0-9_-]*|placeholder|redacted|test|secret|password)$/i;

/** An inline file: `data:image/png;base64,...`. */
const DATA_URI = /data:[\w/+.-]{1,60};base64,[A-Za-z0-9+/=]{16,}/g;

/** Passwords that stand in for one in examples and local setups: `postgres:postgres@`, `${DB_PASSWORD}`. */
const STAND_IN_PASSWORD =
  /^(?:postgres|password|passwd|pass|secret|root|admin|example|changeme|change_me|test|dev|user|mysql|redis|guest|\*+|x+)$|^(?:\$\{[^}]*\}|\{\{[^}]*\}\}|<[^>]*>|%\([^)]*\)s|\$[A-Z_][A-Z0-9_]*)$/i;

/** The password of `scheme://user:password@` when it is a stand-in, not a secret. */
function placeholderPassword(credentials: string): boolean {
  const password = /:\/\/[^:]*:(.*)@$/.exec(credentials)?.[1] ?? "";
  return STAND_IN_PASSWORD.test(password);
}

/** Masks all but the first four characters, keeping the length visible. */
export function maskSecret(secret: string): string {
  if (secret.length <= 8) return "*".repeat(secret.length);
  return `${secret.slice(0, 4)}${"*".repeat(Math.min(secret.length - 4, 24))}`;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/** The 0-based index of the line holding `offset`. */
function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const MAX_CONTEXT = 200;

function ruleFor(detection: Detection, secret: string): string | null {
  if (detection.detector === "url_credentials") {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(secret)?.[1] ?? "";
    return DATABASE_SCHEME.test(scheme) ? "secret-database-url" : secretRuleId("url_credentials");
  }
  if (detection.detector === "generic_secret") return "secret-generic-high-entropy";
  return secretRuleId(detection.detector);
}

/** What is written at a secret's place that identifies it across rescans without storing it: a digest would be
 * async, so a short non-reversible summary: its length and a 32-bit FNV-1a hash. */
function secretIdentity(secret: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < secret.length; i++) {
    hash ^= secret.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `${secret.length}:${(hash >>> 0).toString(16)}`;
}

/** The secrets in one file's text, as findings. `path` is the file's path as the report shows it. */
export function scanTextForSecrets(path: string, text: string): Detected[] {
  const detections = detectSecrets(text);
  const internal = internalUrls(text);
  if (detections.length === 0 && internal.length === 0) return [];
  const starts = lineStarts(text);
  const lines = text.split("\n");
  const out: Detected[] = [];
  const report = (ruleId: string, start: number, end: number, identity: string, masked: boolean) => {
    const line = lineOf(starts, start);
    const suppressed = ignoredRules(lines[line - 1], lines[line]).matches(ruleId);
    const lineText = lines[line] ?? "";
    const column = start - (starts[line] as number);
    const secret = text.slice(start, end);
    const shown = masked ? maskSecret(secret) : secret;
    const context = `${lineText.slice(0, column)}${shown}${lineText.slice(column + secret.length)}`.trim();
    const rule = ruleInfo(ruleId);
    out.push({
      ruleId,
      severity: rule.severity,
      title: rule.title,
      description: rule.summary,
      detection: rule.detection,
      owasp: [...rule.owasp],
      cwe: [...rule.cwe],
      location: { type: "file", path, line: line + 1, column: column + 1 },
      match: context.length > MAX_CONTEXT ? `${context.slice(0, MAX_CONTEXT)}…` : context,
      remediation: rule.remediation,
      identity,
      ...(suppressed ? { suppressed } : {}),
    });
  };
  const dataUris = text.includes(";base64,") ? [...text.matchAll(DATA_URI)] : [];
  const inDataUri = (start: number) =>
    dataUris.some((uri) => start >= uri.index && start < uri.index + uri[0].length);
  for (const detection of detections) {
    const secret = text.slice(detection.start, detection.end);
    if (detection.detector === "generic_secret" && PLACEHOLDER.test(secret)) continue;
    if (detection.detector === "url_credentials" && placeholderPassword(secret)) continue;
    // Base64 of an image is random text with long runs of A: provider shapes turn up in it by chance.
    if (inDataUri(detection.start)) continue;
    const ruleId = ruleFor(detection, secret);
    if (ruleId) report(ruleId, detection.start, detection.end, secretIdentity(secret), true);
  }
  for (const { start, end } of internal) {
    report("secret-internal-url", start, end, text.slice(start, end).toLowerCase(), false);
  }
  return out;
}
