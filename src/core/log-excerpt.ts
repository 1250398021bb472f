// Redacted, truncated JSON excerpts of message params and results, for logs. Secrets and personal data never
// reach a log line: values under secret-looking keys are withheld, and every string goes through the detectors.
import { redactText } from "./detectors/detect.ts";

/** Object keys whose values are always withheld from logs, whatever they look like. */
const SECRET_KEY =
  /pass(?:word|wd|phrase)?$|secret|token|api[-_]?key|authori[sz]ation|cookie|credential|private[-_]?key|session[-_]?id/i;
/** Keys that look secret by name but hold protocol data (MCP's progress token, sampling's token budget). */
const NOT_SECRET_KEY = /^(?:progressToken|max_?tokens|(?:total|input|output)_?tokens|tokens?_?count)$/i;

const MAX_DEPTH = 12;
const MAX_NODES = 2_000;
const MAX_STRING_CHARS = 1_024;

export const REDACTED = "[REDACTED]";

/**
 * A JSON excerpt of `value` for a log: secrets redacted (by key name and by value format), long strings shortened,
 * deep or huge structures cut, and the whole limited to `maxChars`.
 */
export function logExcerpt(value: unknown, maxChars = 2_048): string {
  const budget = { nodes: MAX_NODES };
  const json = JSON.stringify(sanitize(value, 0, budget, MAX_STRING_CHARS)) ?? "null";
  if (json.length <= maxChars) return json;
  return `${json.slice(0, maxChars)}…[${json.length - maxChars} more chars]`;
}

/**
 * `value` with the same redaction as logExcerpt (by key name and by value format) but no shortening, for a detailed
 * protocol log. Depth and node count stay bounded.
 */
export function redactForLog(value: unknown): unknown {
  return sanitize(value, 0, { nodes: MAX_NODES * 50 }, Number.POSITIVE_INFINITY);
}

function sanitize(value: unknown, depth: number, budget: { nodes: number }, maxString: number): unknown {
  budget.nodes -= 1;
  if (budget.nodes < 0) return "[…]";
  if (typeof value === "string") {
    if (value.length <= maxString) return redactText(value).text;
    // Redact past the cut first, so a credential straddling it cannot leave its prefix behind.
    const redacted = redactText(value.slice(0, maxString + 512)).text;
    return `${redacted.slice(0, maxString)}…[${value.length} chars]`;
  }
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_DEPTH) return "[…]";
  if (Array.isArray(value)) return value.map((item) => sanitize(item, depth + 1, budget, maxString));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const withheld = SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key) && item !== null && item !== "";
    out[key] = withheld ? REDACTED : sanitize(item, depth + 1, budget, maxString);
  }
  return out;
}
