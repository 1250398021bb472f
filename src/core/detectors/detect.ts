// Finds secrets and personal data in text, and redacts them in text and in JSON values. What was redacted is
// reported by detector and JSON path, never by value. Web-standard APIs only.
import { KeywordMatcher } from "./keyword-matcher.ts";
import { SECRET_RULES } from "./secret-rules.ts";

export interface Detection {
  detector: string;
  start: number;
  end: number;
}

export interface Redaction {
  detector: string;
  /** JSONPath-like location of the redacted value, such as $.content[0].text. */
  path: string;
}

/** Card numbers pass the Luhn checksum; this keeps order numbers and timestamps out. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** IBANs pass the ISO 13616 mod-97 check. */
function ibanValid(raw: string): boolean {
  const iban = raw.replace(/ /g, "");
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

interface PatternDetector {
  id: string;
  /** The pattern runs only when one of these (lower-case) occurs in the text; null: it always runs. */
  keywords: readonly string[] | null;
  pattern: RegExp;
  /** Checks a match; may narrow it to a capture group (by returning its offset within the match). */
  accept?: (match: RegExpExecArray) => boolean | { offset: number; length: number };
}

const GENERIC_SECRET_ENTROPY = 3.5;
/**
 * Values that name a secret instead of holding one: a dotted path into code (an environment lookup,
 * `settings.auth.token`) or a subresource-integrity hash (`sha512-…`).
 */
const CODE_REFERENCE = /^(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*$|^sha(?:256|384|512)-/;
const PERSONAL_DATA = new Set(["email", "phone", "credit_card", "iban"]);

const PII_AND_GENERIC: readonly PatternDetector[] = [
  {
    id: "generic_secret",
    keywords: ["key", "secret", "token", "passw"],
    // api_key, access-key, authKey, secret, client_secret, token, passwd or password as a whole name, then the
    // value. Every match begins with a keyword (the prefixes are looked back for), so it is tried only where one is.
    pattern:
      /(?:(?<=\b(?:api|access|auth)[_-]?)key|(?<=\b(?:client[_-]?)?)secret|\btoken|\bpassw(?:or)?d)["']?\s{0,3}[:=]\s{0,3}["']?([A-Za-z0-9+/_\-=.]{20,200})/gi,
    accept: (match) => {
      const value = match[1] ?? "";
      if (entropy(value) < GENERIC_SECRET_ENTROPY || CODE_REFERENCE.test(value)) return false;
      return { offset: match[0].length - value.length, length: value.length };
    },
  },
  {
    id: "email",
    keywords: ["@"],
    pattern: /\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b/g,
  },
  {
    id: "credit_card",
    keywords: null,
    pattern: /\b\d(?:[ -]?\d){12,18}\b/g,
    accept: (match) => {
      const digits = match[0].replace(/[ -]/g, "");
      return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
    },
  },
  {
    id: "iban",
    keywords: null,
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g,
    accept: (match) => ibanValid(match[0]),
  },
  {
    id: "phone",
    keywords: null,
    // International (+44 20 7946 0958), parenthesised area code ((555) 123-4567) or 555-123-4567: bare digit
    // groups are far more often order numbers, versions and addresses than phone numbers.
    pattern:
      /(?:\+\d{1,3}[ -]?\(?\d{1,4}\)?(?:[ -]\d{2,4}){2,4}|\(\d{3}\)[ -]?\d{3}-\d{4}|\b\d{3}-\d{3}-\d{4})\b/g,
    accept: (match) => {
      const digits = match[0].replace(/\D/g, "");
      return digits.length >= 9 && digits.length <= 15;
    },
  },
];

/**
 * Where the group or character class opening at `source[open]` closes (its index), or -1. A class ends at its first
 * unescaped `]`, as in JavaScript (`[]` and `[^]` are whole classes).
 */
function closing(source: string, open: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < source.length; i++) {
    const char = source[i];
    if (char === "\\") i++;
    else if (inClass) {
      if (char === "]") {
        inClass = false;
        if (depth === 0) return i;
      }
    } else if (char === "[") inClass = true;
    else if (char === "(") depth++;
    else if (char === ")" && --depth === 0) return i;
  }
  return -1;
}

/** `source` split at its top-level `|`s (outside groups and classes). */
function alternatives(source: string): string[] {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === "\\") i++;
    else if (char === "(" || char === "[") {
      const end = closing(source, i);
      if (end === -1) return [source];
      i = end;
    } else if (char === "|") {
      parts.push(source.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(source.slice(from));
  return parts;
}

/** The literal text every match of `source` begins with (past a `\b` and a lookbehind, which match no text). */
function leadingLiteral(source: string): string {
  let rest = source.startsWith("\\b") ? source.slice(2) : source;
  if (rest.startsWith("(?<=")) {
    const end = closing(rest, 0);
    if (end === -1) return "";
    rest = rest.slice(end + 1);
  }
  let literal = "";
  for (let i = 0; i < rest.length; i++) {
    const char = rest[i] as string;
    const next = rest[i + 1];
    let value: string;
    if (char === "\\" && next !== undefined && /[^\w\s]/.test(next)) {
      value = next;
      i++;
    } else if (/[\w:@/="'-]/.test(char)) value = char;
    else break;
    // A character made optional or repeated by the next token is not sure to be there.
    if (/[?*{+]/.test(rest[i + 1] ?? "")) break;
    literal += value;
  }
  return literal;
}

/**
 * Whether every match of `pattern` begins where one of `keywords` begins: each top-level alternative of its source,
 * or of a group it opens with, starts (past a `\b` or a lookbehind) with a literal that begins with a keyword.
 */
export function startsWithKeyword(pattern: RegExp, keywords: readonly string[]): boolean {
  const begins = (source: string) => {
    const lower = leadingLiteral(source).toLowerCase();
    return keywords.some((keyword) => lower.startsWith(keyword));
  };
  const source = pattern.source.startsWith("\\b(") ? pattern.source.slice(2) : pattern.source;
  const top = alternatives(source);
  if (top.length > 1) return top.every(begins);
  if (source.startsWith("(?:")) {
    const end = closing(source, 0);
    // The group must be there once: a quantifier after it could make it absent.
    if (end !== -1 && !/[?*{+]/.test(source[end + 1] ?? "")) {
      return alternatives(source.slice(3, end)).every(begins);
    }
  }
  return begins(source);
}

/** The matches of a keyword-anchored pattern, tried only where its keywords begin (`starts`, ascending). */
function collectAt(
  text: string,
  detector: PatternDetector,
  sticky: RegExp,
  starts: readonly number[],
  out: Detection[],
): void {
  let from = 0;
  for (const start of starts) {
    if (start < from) continue;
    sticky.lastIndex = start;
    const match = sticky.exec(text);
    if (match === null || match[0].length === 0) continue;
    from = match.index + match[0].length;
    record(detector, match, out);
  }
}

function record(detector: PatternDetector, match: RegExpExecArray, out: Detection[]): void {
  const verdict = detector.accept ? detector.accept(match) : true;
  if (verdict === false) return;
  const start = match.index + (verdict === true ? 0 : verdict.offset);
  const end = verdict === true ? match.index + match[0].length : start + verdict.length;
  out.push({ detector: detector.id, start, end });
}

function collect(text: string, detector: PatternDetector, out: Detection[]): void {
  const pattern = detector.pattern;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    if (match[0].length === 0) {
      pattern.lastIndex++;
      continue;
    }
    record(detector, match, out);
  }
}

const SECRET_DETECTORS: readonly PatternDetector[] = SECRET_RULES.map((rule) => {
  const { secretGroup, minEntropy, lookbehindGroup } = rule;
  const narrows = secretGroup !== undefined || minEntropy !== undefined || lookbehindGroup !== undefined;
  return {
    id: rule.id,
    keywords: rule.keywords,
    pattern: rule.pattern,
    accept: narrows
      ? (match) => {
          if (lookbehindGroup !== undefined) {
            // The secret begins in the lookbehind, before the match: reach back to it.
            const start = match.indices?.[lookbehindGroup]?.[0];
            if (start === undefined) return false;
            const secret = `${match.input.slice(start, match.index)}${match[0]}`;
            if (minEntropy !== undefined && entropy(secret) < minEntropy) return false;
            return { offset: start - match.index, length: secret.length };
          }
          const secret = secretGroup === undefined ? match[0] : match[secretGroup];
          if (secret === undefined) return false;
          if (minEntropy !== undefined && entropy(secret) < minEntropy) return false;
          if (secretGroup === undefined) return true;
          const span = match.indices?.[secretGroup];
          return span ? { offset: span[0] - match.index, length: span[1] - span[0] } : false;
        }
      : undefined,
  };
});

const ALL_DETECTORS = [...SECRET_DETECTORS, ...PII_AND_GENERIC];
const SECRETS_ONLY = new Set([
  ...SECRET_DETECTORS,
  ...PII_AND_GENERIC.filter((d) => !PERSONAL_DATA.has(d.id)),
]);
/** One automaton for every detector's keywords; owner i is ALL_DETECTORS[i]. */
const KEYWORDS = new KeywordMatcher(ALL_DETECTORS.map((detector) => detector.keywords ?? []));
/**
 * Detectors whose every match begins with one of their keywords (the pattern starts with that literal): they are
 * tried only where a keyword begins, with a sticky copy of the pattern, instead of over the whole text. A keyword
 * such as `pat` or `sk` occurs in most code; its pattern need not walk all of it.
 */
const STICKY = ALL_DETECTORS.map((detector) =>
  detector.keywords !== null && startsWithKeyword(detector.pattern, detector.keywords)
    ? new RegExp(detector.pattern.source, `${detector.pattern.flags.replace("g", "")}y`)
    : null,
);
const ANCHORED = Uint8Array.from(STICKY, (sticky) => (sticky ? 1 : 0));

/** Every secret and piece of personal data in `text`, without overlaps, in order. */
export function detect(text: string): Detection[] {
  return detectWith(() => true, text);
}

/** Secrets only (provider formats and generic secrets), no personal data: what a file scan reports. */
export function detectSecrets(text: string): Detection[] {
  return detectWith((detector) => SECRETS_ONLY.has(detector), text);
}

function detectWith(wanted: (detector: PatternDetector) => boolean, text: string): Detection[] {
  if (text.length < 6) return [];
  const { found: present, starts } = KEYWORDS.scan(text, ANCHORED);
  const found: Detection[] = [];
  for (let i = 0; i < ALL_DETECTORS.length; i++) {
    const detector = ALL_DETECTORS[i] as PatternDetector;
    if ((detector.keywords !== null && present[i] !== 1) || !wanted(detector)) continue;
    const at = starts[i];
    const sticky = STICKY[i];
    if (at && sticky) collectAt(text, detector, sticky, at, found);
    else collect(text, detector, found);
  }
  if (found.length <= 1) return found;
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Detection[] = [];
  for (const detection of found) {
    const last = merged.at(-1);
    if (last && detection.start < last.end) {
      // Overlapping secrets merge, so no part of either survives; personal data overlapping a secret (the
      // user@host tail of credentials in a URL) adds nothing and would only swallow the text after it.
      if (detection.end > last.end && !PERSONAL_DATA.has(detection.detector)) last.end = detection.end;
      continue;
    }
    merged.push({ ...detection });
  }
  return merged;
}

/** `text` with each detection replaced by [REDACTED:<detector>], and the detectors that fired. */
export function redactText(text: string): { text: string; detectors: string[] } {
  const detections = detect(text);
  if (detections.length === 0) return { text, detectors: [] };
  let out = "";
  let at = 0;
  for (const { detector, start, end } of detections) {
    out += `${text.slice(at, start)}[REDACTED:${detector}]`;
    at = end;
  }
  return { text: out + text.slice(at), detectors: detections.map((d) => d.detector) };
}

const MAX_DEPTH = 64;

/** A copy of a JSON value with every string redacted; what was redacted is reported by detector and path. */
export function redactValue(
  value: unknown,
  path = "$",
  depth = 0,
): { value: unknown; redactions: Redaction[] } {
  if (typeof value === "string") {
    const { text, detectors } = redactText(value);
    return { value: text, redactions: detectors.map((detector) => ({ detector, path })) };
  }
  if (typeof value !== "object" || value === null) return { value, redactions: [] };
  if (depth >= MAX_DEPTH)
    return { value: "[REDACTED:too_deep]", redactions: [{ detector: "too_deep", path }] };
  const redactions: Redaction[] = [];
  if (Array.isArray(value)) {
    const items = value.map((item, i) => {
      const inner = redactValue(item, `${path}[${i}]`, depth + 1);
      redactions.push(...inner.redactions);
      return inner.value;
    });
    return { value: items, redactions };
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const inner = redactValue(
      item,
      /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`,
      depth + 1,
    );
    redactions.push(...inner.redactions);
    out[key] = inner.value;
  }
  return { value: out, redactions };
}
