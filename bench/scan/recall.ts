// Recall and false positives on the rule test strings (test/fixtures/secrets/rule-cases.ts): every case in a file
// of its own, scanned by Helmet's core in process and by secretlint's CLI in one run over all of them.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Detected } from "../../src/core/scan/finding.ts";
import { secretRuleId } from "../../src/core/scan/rule-catalog.ts";
import { scanTextForSecrets } from "../../src/core/scan/secret-scan.ts";
import { RULE_CASES, secretIn } from "../../test/fixtures/secrets/rule-cases.ts";
import { SECRETLINT_EQUIVALENT } from "./secretlint-map.ts";
import { runSecretlint, type ToolFinding } from "./tree-scans.ts";

export interface CaseResult {
  rule: string;
  label: "positive" | "negative";
  index: number;
  path: string;
  placeholder: boolean;
  /** Helmet: a finding of the case's own rule covering the whole secret. */
  helmetOwnRule: boolean;
  /** Helmet: any finding overlapping the secret (positives) or anywhere in the text (negatives). */
  helmet: boolean;
  helmetRules: string[];
  secretlint: boolean;
  secretlintRules: string[];
}

/** secretlint decides some rules by file name (.npmrc, .json); each case gets the name its text belongs in. */
function fileNameFor(text: string): string {
  if (text.includes("_authToken")) return ".npmrc";
  if (/\bnpmAuthToken\b/.test(text)) return ".yarnrc.yml";
  try {
    JSON.parse(text);
    return "case.json";
  } catch {
    return "case.txt";
  }
}

interface Case {
  rule: string;
  label: CaseResult["label"];
  index: number;
  path: string;
  text: string;
  /** The span a finding must overlap: the secret (positives) or the whole text (negatives). */
  start: number;
  end: number;
}

/** Writes the cases under `dir`, one directory each. */
function writeCases(dir: string): Case[] {
  const cases: Case[] = [];
  for (const rule of Object.keys(RULE_CASES).sort()) {
    const { positives, negatives } = RULE_CASES[rule] ?? { positives: [], negatives: [] };
    const add = (label: Case["label"], text: string, index: number) => {
      const path = `${rule}/${label === "positive" ? "pos" : "neg"}-${index}/${fileNameFor(text)}`;
      mkdirSync(join(dir, path, ".."), { recursive: true });
      writeFileSync(join(dir, path), `${text}\n`);
      const secret = label === "positive" ? secretIn(text) : undefined;
      const start = secret === undefined ? 0 : text.indexOf(secret);
      const end = secret === undefined ? text.length : start + secret.length;
      cases.push({ rule, label, index, path, text: `${text}\n`, start, end });
    };
    for (const [i, text] of positives.entries()) add("positive", text, i);
    for (const [i, text] of negatives.entries()) add("negative", text, i);
  }
  return cases;
}

/** A finding's span in `text`: its start from line and column; its length from the identity scanTextForSecrets
 * gives it (`length:hash` for a masked secret, the URL itself for an internal address). */
function spanOf(finding: Detected, text: string): [number, number] {
  const location = finding.location;
  if (location.type !== "file") return [-1, -1];
  let at = 0;
  for (let i = 1; i < location.line; i++) at = text.indexOf("\n", at) + 1;
  const start = at + location.column - 1;
  const masked = /^(\d+):[0-9a-f]+$/.exec(finding.identity);
  return [start, start + (masked ? Number(masked[1]) : finding.identity.length)];
}

const overlaps = (a: number, b: number, start: number, end: number) => a < end && b > start;

export interface RecallResult {
  cases: CaseResult[];
  secretlintMs: number;
}

/** Scans every case with both tools. `dir` is an empty directory; `rcFile` secretlint's config. */
export async function measureRecall(dir: string, rcFile: string, out: string): Promise<RecallResult> {
  const cases = writeCases(dir);
  const byPath = new Map(cases.map((c) => [c.path, c]));
  const secretlint = await runSecretlint(dir, out, rcFile, "json", (path) => byPath.get(path)?.text);
  const slByPath = new Map<string, ToolFinding[]>();
  for (const f of secretlint.findings) slByPath.set(f.path, [...(slByPath.get(f.path) ?? []), f]);
  // secretlint's JSON ranges are offsets into the file's text: an overlap needs their end too, so a message counts
  // when it starts before the span ends and on or after the text's start (each file holds the case alone).
  const results = cases.map((c): CaseResult => {
    const found = scanTextForSecrets(c.path, c.text);
    const spans = found.map((f) => ({ rule: f.ruleId, span: spanOf(f, c.text) }));
    const own =
      c.rule === "url_credentials"
        ? ["secret-url-credentials", "secret-database-url"]
        : [secretRuleId(c.rule)];
    const hits = spans.filter((s) => overlaps(s.span[0], s.span[1], c.start, c.end));
    const sl = (slByPath.get(c.path) ?? []).filter((f) => f.offset >= 0 && f.offset < c.end);
    return {
      rule: c.rule,
      label: c.label,
      index: c.index,
      path: c.path,
      placeholder: c.label === "negative" && PLACEHOLDER.test(c.text),
      helmetOwnRule: spans.some((s) => own.includes(s.rule) && s.span[0] <= c.start && s.span[1] >= c.end),
      helmet: hits.length > 0,
      helmetRules: [...new Set(hits.map((h) => h.rule))],
      secretlint: sl.length > 0,
      secretlintRules: [...new Set(sl.map((f) => f.rule))],
    };
  });
  return { cases: results, secretlintMs: secretlint.wallMs };
}

export interface RecallSummary {
  scope: string;
  rules: number;
  positives: number;
  helmetOwnRule: number;
  helmet: number;
  secretlint: number;
  negatives: number;
  helmetFlagged: number;
  secretlintFlagged: number;
  /** Flagged negatives that are placeholders (XXXX..., xxxx..., \${VAR}, <token>): false positives beyond doubt. */
  helmetPlaceholders: number;
  secretlintPlaceholders: number;
}

const PLACEHOLDER = /[Xx*]{8,}|\$\{[^}]*\}|<[a-z_ -]+>/;

/** Totals over all rules and over the rules secretlint's preset has an equivalent for. */
export function summarizeRecall(cases: readonly CaseResult[]): RecallSummary[] {
  const scope = (name: string, keep: (rule: string) => boolean): RecallSummary => {
    const mine = cases.filter((c) => keep(c.rule));
    const pos = mine.filter((c) => c.label === "positive");
    const neg = mine.filter((c) => c.label === "negative");
    return {
      scope: name,
      rules: new Set(mine.map((c) => c.rule)).size,
      positives: pos.length,
      helmetOwnRule: pos.filter((c) => c.helmetOwnRule).length,
      helmet: pos.filter((c) => c.helmet).length,
      secretlint: pos.filter((c) => c.secretlint).length,
      negatives: neg.length,
      helmetFlagged: neg.filter((c) => c.helmet).length,
      secretlintFlagged: neg.filter((c) => c.secretlint).length,
      helmetPlaceholders: neg.filter((c) => c.helmet && c.placeholder).length,
      secretlintPlaceholders: neg.filter((c) => c.secretlint && c.placeholder).length,
    };
  };
  return [
    scope("all rules", () => true),
    scope("rules secretlint covers", (rule) => rule in SECRETLINT_EQUIVALENT),
  ];
}
