// The quality bar of the tool-definition analyzer, held on the labeled corpus in test/fixtures/tool-definitions (also
// reported per family by `npm run bench:scan-eval`): recall of explicit and hidden instructions at or above 95 %,
// and at most 2 % of benign definitions rated high or critical.
import { describe, expect, it } from "vitest";
import { analyzeDefinition } from "../../src/core/scan/definition-analyzer.ts";
import { atLeast, type DefinitionKind, type Severity } from "../../src/core/scan/finding.ts";

interface CorpusItem {
  id: string;
  family: string;
  label: "poisoned" | "benign";
  minSeverity?: Severity;
  kind: DefinitionKind;
  server: string;
  otherServers?: Array<{ name: string; tools: string[] }>;
  definition: Record<string, unknown>;
}

const files = import.meta.glob("../fixtures/tool-definitions/*.json", {
  eager: true,
  import: "default",
}) as Record<string, CorpusItem[]>;
const items = Object.values(files).flat();

function worstOf(item: CorpusItem): Severity | null {
  const findings = analyzeDefinition(item.server, item.kind, item.definition, {
    otherServers: item.otherServers,
  });
  let worst: Severity | null = null;
  for (const finding of findings)
    if (worst === null || atLeast(finding.severity, worst)) worst = finding.severity;
  return worst;
}

function recall(family: string): { rate: number; missed: string[] } {
  const group = items.filter((item) => item.family === family);
  const missed = group
    .filter((item) => {
      const worst = worstOf(item);
      return worst === null || !atLeast(worst, item.minSeverity ?? "low");
    })
    .map((item) => item.id);
  return { rate: 1 - missed.length / group.length, missed };
}

describe("tool-definition corpus", () => {
  it("holds at least 150 labeled definitions, poisoned and benign", () => {
    expect(items.length).toBeGreaterThanOrEqual(150);
    expect(items.filter((item) => item.label === "benign").length).toBeGreaterThanOrEqual(50);
  });

  it.each(["explicit_instruction", "hidden_instruction"])(
    "finds %s poisoning (recall >= 95 %%)",
    (family) => {
      const { rate, missed } = recall(family);
      expect(rate, `missed: ${missed.join(", ")}`).toBeGreaterThanOrEqual(0.95);
    },
  );

  it("rates at most 2 % of benign definitions high or critical", () => {
    const benign = items.filter((item) => item.label === "benign");
    const flagged = benign.filter((item) => {
      const worst = worstOf(item);
      return worst !== null && atLeast(worst, "high");
    });
    expect(flagged.length / benign.length, flagged.map((item) => item.id).join(", ")).toBeLessThanOrEqual(
      0.02,
    );
  });
});
