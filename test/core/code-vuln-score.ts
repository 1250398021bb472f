// Scoring the code analyzer on the vulnerable/safe twins of test/fixtures/code-vulns (cases.json): per family, a
// vulnerable twin counts as found when a finding of the family's rule is above low; a safe twin counts as a false
// positive when one is. A pair is told apart when both hold. Shared by the test and bench/scan-eval.
import { analyzeSourceFile } from "../../src/core/scan/code/code-analyzer.ts";

export interface CodeCase {
  id: string;
  family: string;
  language: string;
  vulnerable: { file: string; tool: string; parameter: string; sinkLine: number };
  safe: { file: string; why: string };
  hard: boolean;
  note: string;
}

export interface FamilyScore {
  family: string;
  pairs: number;
  found: number;
  falsePositives: number;
  toldApart: number;
  missed: string[];
  flagged: string[];
}

export function scoreCodeCases(cases: readonly CodeCase[], read: (file: string) => string): FamilyScore[] {
  const byFamily = new Map<string, FamilyScore>();
  for (const item of cases) {
    const score = byFamily.get(item.family) ?? {
      family: item.family,
      pairs: 0,
      found: 0,
      falsePositives: 0,
      toldApart: 0,
      missed: [],
      flagged: [],
    };
    byFamily.set(item.family, score);
    const rule = `code-${item.family}`;
    const reported = (file: string) =>
      analyzeSourceFile(file, read(file)).some(
        (finding) => finding.ruleId === rule && finding.severity !== "low",
      );
    const found = reported(item.vulnerable.file);
    const flagged = reported(item.safe.file);
    score.pairs++;
    if (found) score.found++;
    else score.missed.push(item.id);
    if (flagged) {
      score.falsePositives++;
      score.flagged.push(item.id);
    }
    if (found && !flagged) score.toldApart++;
  }
  return [...byFamily.values()];
}

/** Precision and recall over all families. */
export function overall(scores: readonly FamilyScore[]): {
  precision: number;
  recall: number;
  toldApart: number;
  pairs: number;
} {
  const sum = (pick: (s: FamilyScore) => number) => scores.reduce((total, s) => total + pick(s), 0);
  const found = sum((s) => s.found);
  const falsePositives = sum((s) => s.falsePositives);
  return {
    precision: found / Math.max(1, found + falsePositives),
    recall:
      found /
      Math.max(
        1,
        sum((s) => s.pairs),
      ),
    toldApart: sum((s) => s.toldApart),
    pairs: sum((s) => s.pairs),
  };
}
