// One scan's result as every report format renders it (table, JSON, SARIF, CSV, Markdown): what was scanned, when,
// the findings and their summary; plus the helpers those formats share to name a location and show text safely.
import {
  type Finding,
  type FindingLocation,
  OWASP_CATEGORIES,
  type ScanSummary,
  severityRank,
} from "./finding.ts";

export type ScanTargetKind = "files" | "tools" | "url" | "stdio" | "server" | "upload";

export interface ScanReport {
  tool: { name: "helmet"; version: string };
  /** What was scanned: a directory or archive of files, a saved tools file, a server by URL, command or id. */
  target: { kind: ScanTargetKind; name: string };
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601. */
  finishedAt: string;
  /** Open and reviewed findings by severity (`summarize` in finding.ts): suppressed ones do not count. */
  summary: ScanSummary;
  findings: Finding[];
  stats?: { files?: number; bytes?: number; skipped?: number; definitions?: number };
}

/** Findings that still count: not marked a false positive, not suppressed. */
export function isActive(finding: Pick<Finding, "status">): boolean {
  return finding.status !== "false_positive" && finding.status !== "suppressed";
}

/** Worst first; findings of one severity keep the scan's order. */
export function worstFirst<T extends Pick<Finding, "severity">>(findings: readonly T[]): T[] {
  return [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
}

/** A definition's place as one string: `server/tool/name#field`, or `server/instructions#field`. */
export function definitionName(location: Extract<FindingLocation, { type: "definition" }>): string {
  const name = location.name === undefined ? "" : `/${location.name}`;
  return `${location.server}/${location.kind}${name}#${location.field}`;
}

/** `path:line:column` for a file, `server/kind/name#field` for a definition. */
export function locationText(location: FindingLocation): string {
  return location.type === "file"
    ? `${location.path}:${location.line}:${location.column}`
    : definitionName(location);
}

/** "LLM01: Prompt Injection" for a known OWASP id; an unknown id as it is. */
export function owaspLabel(id: string): string {
  return Object.hasOwn(OWASP_CATEGORIES, id)
    ? `${id}: ${OWASP_CATEGORIES[id as keyof typeof OWASP_CATEGORIES]}`
    : id;
}

const ZERO_WIDTH = new Set([
  0x00ad, 0x180e, 0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xfeff,
]);
const DIRECTIONAL = new Set([
  0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
]);

/** Characters a reader would not see, or that act on the terminal or the page: controls, directional marks. */
function isUnprintable(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    ZERO_WIDTH.has(code) ||
    DIRECTIONAL.has(code) ||
    (code >= 0xe0000 && code <= 0xe007f) ||
    (code >= 0xe0100 && code <= 0xe01ef)
  );
}

/**
 * `text` for a person to read: every control, invisible or reordering character written as `<U+XXXX>`, so evidence
 * from a hostile server can neither drive the terminal (ANSI escapes) nor reorder what the reader sees (bidi
 * controls). Tabs and line breaks become spaces unless `keepLineBreaks`.
 */
export function printable(text: string, keepLineBreaks = false): string {
  let out = "";
  for (const char of text.replace(/\r\n?/g, "\n")) {
    const code = char.codePointAt(0) ?? 0;
    if (char === "\n" && keepLineBreaks) out += char;
    else if (char === "\t" || char === "\n") out += " ";
    else if (isUnprintable(code)) out += `<U+${code.toString(16).toUpperCase().padStart(4, "0")}>`;
    else out += char;
  }
  return out;
}
