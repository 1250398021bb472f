// Redacted, truncated JSON excerpts of message params and results, for logs. Secrets never reach a log line.
// The detectors here are the baseline every excerpt gets; the policy engine adds its own on top.

/** Object keys whose values are always withheld from logs, whatever they look like. */
const SECRET_KEY =
  /pass(?:word|wd|phrase)?$|secret|token|api[-_]?key|authori[sz]ation|cookie|credential|private[-_]?key|session[-_]?id/i;
/** Keys that look secret by name but hold protocol data (MCP's progress token, sampling's token budget). */
const NOT_SECRET_KEY = /^(?:progressToken|max_?tokens|(?:total|input|output)_?tokens|tokens?_?count)$/i;

/** Value formats that are credentials wherever they appear. Each is anchored on a distinctive prefix. */
const SECRET_VALUE_PATTERNS: ReadonlyArray<readonly [kind: string, pattern: RegExp]> = [
  ["private_key", /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g],
  ["jwt", /\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/g],
  ["bearer_token", /\bBearer\s+[\w\-.~+/]{16,}=*/g],
  ["aws_access_key_id", /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g],
  ["github_token", /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b/g],
  ["openai_key", /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}/g],
  ["anthropic_key", /\bsk-ant-[A-Za-z0-9_-]{20,}/g],
  ["slack_token", /\bxox[abposr]-[A-Za-z0-9-]{10,}/g],
  ["stripe_key", /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g],
  ["google_api_key", /\bAIza[0-9A-Za-z_-]{35}\b/g],
  ["url_credentials", /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]+@/gi],
];

/** Cheap substrings that must be present before the value patterns are worth running. */
const PREFILTER = /-----BEGIN|eyJ|Bearer|AKIA|ASIA|gh[pousr]_|github_pat_|sk-|xox|_live_|_test_|AIza|:\/\//;

const MAX_DEPTH = 12;
const MAX_NODES = 2_000;
const MAX_STRING_CHARS = 1_024;

export const REDACTED = "[REDACTED]";

/** Replaces every credential-looking substring of `text`. */
export function redactSecretsInText(text: string): string {
  if (!PREFILTER.test(text)) return text;
  let out = text;
  for (const [kind, pattern] of SECRET_VALUE_PATTERNS) {
    out = out.replace(pattern, `[REDACTED:${kind}]`);
  }
  return out;
}

/**
 * A JSON excerpt of `value` for a log: secrets redacted (by key name and by value format), long strings shortened,
 * deep or huge structures cut, and the whole limited to `maxChars`.
 */
export function logExcerpt(value: unknown, maxChars = 2_048): string {
  const budget = { nodes: MAX_NODES };
  const json = JSON.stringify(sanitize(value, 0, budget)) ?? "null";
  if (json.length <= maxChars) return json;
  return `${json.slice(0, maxChars)}…[${json.length - maxChars} more chars]`;
}

function sanitize(value: unknown, depth: number, budget: { nodes: number }): unknown {
  budget.nodes -= 1;
  if (budget.nodes < 0) return "[…]";
  if (typeof value === "string") {
    if (value.length <= MAX_STRING_CHARS) return redactSecretsInText(value);
    // Redact past the cut first, so a credential straddling it cannot leave its prefix behind.
    const redacted = redactSecretsInText(value.slice(0, MAX_STRING_CHARS + 512));
    return `${redacted.slice(0, MAX_STRING_CHARS)}…[${value.length} chars]`;
  }
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_DEPTH) return "[…]";
  if (Array.isArray(value)) return value.map((item) => sanitize(item, depth + 1, budget));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const withheld = SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key) && item !== null && item !== "";
    out[key] = withheld ? REDACTED : sanitize(item, depth + 1, budget);
  }
  return out;
}
