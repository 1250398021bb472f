// Every secret rule against its true and false positives (test/fixtures/secrets/rule-cases.ts), and the properties
// the gateway relies on: stable ids, keywords that never hide a match, patterns that cannot backtrack badly.
import { describe, expect, it } from "vitest";
import { detect, entropy } from "../../src/core/detectors/detect.ts";
import { SECRET_RULES, type SecretRule } from "../../src/core/detectors/secret-rules.ts";
import { RULE_CASES, secretIn } from "../fixtures/secrets/rule-cases.ts";

interface Span {
  start: number;
  end: number;
  match: string;
}

/** What one rule finds in `text` on its own, applied as detect() applies it but without merging overlaps. */
function ruleFinds(rule: SecretRule, text: string, prefilter = true): Span[] {
  const lower = text.toLowerCase();
  if (prefilter && !rule.keywords.some((keyword) => lower.includes(keyword))) return [];
  const group = rule.secretGroup ?? 0;
  const spans: Span[] = [];
  for (const match of text.matchAll(new RegExp(rule.pattern.source, rule.pattern.flags))) {
    const secret = match[group];
    if (secret === undefined) continue;
    if (rule.minEntropy !== undefined && entropy(secret) < rule.minEntropy) continue;
    const [start, end] = match.indices?.[group] ?? [match.index, match.index + match[0].length];
    spans.push({ start, end, match: match[0] });
  }
  return spans;
}

/** Unbounded repetition (`*`, `+`, `{n,}`) and quantified groups that hold a quantifier, in a pattern's source. */
function riskyQuantifiers(source: string): string[] {
  const found: string[] = [];
  const groups: boolean[] = []; // per open group: does it contain a quantifier?
  let inClass = false;
  const markQuantified = () => {
    if (groups.length > 0) groups[groups.length - 1] = true;
  };
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    const rest = source.slice(i);
    if (char === "\\") {
      i++;
    } else if (inClass) {
      if (char === "]") inClass = false;
    } else if (char === "[") {
      inClass = true;
    } else if (char === "(") {
      groups.push(false);
    } else if (char === ")") {
      const quantifiedInside = groups.pop() ?? false;
      if (quantifiedInside && /^\)(?:[*+]|\{\d)/.test(rest)) found.push(`repeated group ending at ${i}`);
      if (quantifiedInside) markQuantified();
    } else if (char === "*" || char === "+") {
      found.push(`${char} at ${i}`);
    } else if (char === "{" && /^\{\d+,\}/.test(rest)) {
      found.push(`open-ended {n,} at ${i}`);
    } else if (char === "{" || (char === "?" && source[i - 1] !== "(")) {
      markQuantified();
    }
  }
  return found;
}

const rulesById = new Map(SECRET_RULES.map((rule) => [rule.id, rule]));
const cases = SECRET_RULES.map((rule) => [rule.id, rule, RULE_CASES[rule.id]] as const);

describe("secret rule table", () => {
  it("has at least 110 rules with unique snake_case ids", () => {
    expect(SECRET_RULES.length).toBeGreaterThanOrEqual(110);
    expect(rulesById.size).toBe(SECRET_RULES.length);
    for (const rule of SECRET_RULES) expect(rule.id).toMatch(/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/);
  });

  it("has cases for exactly the rules there are, at least two positives and two negatives each", () => {
    expect(Object.keys(RULE_CASES).sort()).toEqual([...rulesById.keys()].sort());
    for (const [id, { positives, negatives }] of Object.entries(RULE_CASES)) {
      expect(positives.length, id).toBeGreaterThanOrEqual(2);
      expect(negatives.length, id).toBeGreaterThanOrEqual(2);
    }
  });

  it("uses specific lower-case keywords and patterns with bounded, unnested repetition", () => {
    for (const rule of SECRET_RULES) {
      expect(rule.keywords.length, rule.id).toBeGreaterThan(0);
      for (const keyword of rule.keywords) {
        expect(keyword, rule.id).toBe(keyword.toLowerCase());
        expect(keyword.length, rule.id).toBeGreaterThanOrEqual(2);
      }
      expect(riskyQuantifiers(rule.pattern.source), rule.id).toEqual([]);
    }
  });
});

describe.each(cases)("%s", (id, rule, ruleCases) => {
  const positives = ruleCases?.positives ?? [];
  const negatives = ruleCases?.negatives ?? [];

  it("finds every positive, and the detection covers the whole secret", () => {
    for (const text of positives) {
      const secret = secretIn(text);
      expect(secret, `positive written without the line tag: ${text}`).toBeDefined();
      const start = text.indexOf(secret ?? "\u0000");
      const end = start + (secret ?? "").length;
      const covering = detect(text).some((d) => d.detector === id && d.start <= start && d.end >= end);
      expect(covering, `${id} should cover the secret in: ${text}`).toBe(true);
    }
  });

  it("fires on no negative", () => {
    for (const text of negatives) {
      expect(ruleFinds(rule, text), `${id} fired on: ${text}`).toEqual([]);
      expect(detect(text).map((d) => d.detector)).not.toContain(id);
    }
  });

  it("has a keyword in every match, so the prefilter never hides one", () => {
    for (const text of positives) {
      const matches = ruleFinds(rule, text, false);
      expect(matches.length, text).toBeGreaterThan(0);
      for (const { match } of matches) {
        const lower = match.toLowerCase();
        expect(
          rule.keywords.some((keyword) => lower.includes(keyword)),
          `${id}: no keyword in ${match}`,
        ).toBe(true);
      }
    }
  });

  it("gets through long input built from its own keywords (a backtracking blow-up would never return)", () => {
    const filler = "a1B2-_.=+/:".repeat(30);
    const hostile = rule.keywords
      .map((keyword) => `${keyword}${filler}${keyword.toUpperCase()}=${filler}`)
      .join(" ")
      .repeat(20);
    expect(Array.isArray(ruleFinds(rule, hostile))).toBe(true);
  });
});
