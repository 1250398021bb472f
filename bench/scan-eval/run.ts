// Scores the tool-definition analyzer against the labeled corpus in test/fixtures/tool-definitions: recall per
// poisoning family (reported at or above the item's least expected severity) and false positives on benign items
// (rated high or critical, or above the item's ceiling); and the code analyzer against the vulnerable/safe twins of
// test/fixtures/code-vulns (precision, recall, pairs told apart). `npm run bench:scan-eval [-- --verbose]`.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { analyzeDefinition } from "../../src/core/scan/definition-analyzer.ts";
import { atLeast, type DefinitionKind, type Severity, severityRank } from "../../src/core/scan/finding.ts";
import { type CodeCase, overall, scoreCodeCases } from "../../test/core/code-vuln-score.ts";
import { table } from "../gateway/report.ts";
import { type Goal, goalsTable, machineInfo } from "../run-info.ts";

interface CorpusItem {
  id: string;
  family: string;
  label: "poisoned" | "benign";
  minSeverity?: Severity;
  maxSeverity?: Severity | "none";
  kind: DefinitionKind;
  server: string;
  otherServers?: Array<{ name: string; tools: string[] }>;
  definition: Record<string, unknown>;
}

const { values: args } = parseArgs({ options: { verbose: { type: "boolean", default: false } } });
const CORPUS = new URL("../../test/fixtures/tool-definitions/", import.meta.url);
const RESULTS = new URL("../results/", import.meta.url);

const items: CorpusItem[] = readdirSync(CORPUS)
  .filter((file) => file.endsWith(".json"))
  .sort()
  .flatMap((file) => JSON.parse(readFileSync(new URL(file, CORPUS), "utf8")) as CorpusItem[]);

interface Scored {
  item: CorpusItem;
  worst: Severity | null;
  rules: string[];
  /** poisoned: reported at or above minSeverity; benign: stayed at or under maxSeverity. */
  pass: boolean;
  /** benign only: something rated high or critical. */
  highFalsePositive: boolean;
}

function score(item: CorpusItem): Scored {
  const definition = item.kind === "instructions" ? item.definition : item.definition;
  const findings = analyzeDefinition(item.server, item.kind, definition, { otherServers: item.otherServers });
  const worst = findings.reduce<Severity | null>(
    (acc, f) => (acc === null || severityRank(f.severity) > severityRank(acc) ? f.severity : acc),
    null,
  );
  const rules = [...new Set(findings.map((f) => `${f.ruleId}:${f.severity}`))];
  if (item.label === "poisoned") {
    const pass = worst !== null && atLeast(worst, item.minSeverity ?? "low");
    return { item, worst, rules, pass, highFalsePositive: false };
  }
  const ceiling = item.maxSeverity ?? "medium";
  const pass = worst === null || (ceiling !== "none" && atLeast(ceiling, worst));
  return { item, worst, rules, pass, highFalsePositive: worst !== null && atLeast(worst, "high") };
}

const scored = items.map(score);
const families = [...new Set(items.map((item) => item.family))];
const rows = families.map((family) => {
  const group = scored.filter((s) => s.item.family === family);
  const poisoned = group[0]?.item.label === "poisoned";
  const passed = group.filter((s) => s.pass).length;
  const anyFinding = group.filter((s) => s.worst !== null).length;
  const high = group.filter((s) => s.highFalsePositive).length;
  return {
    family,
    label: poisoned ? "poisoned" : "benign",
    items: group.length,
    passed,
    rate: passed / group.length,
    anyFinding,
    high,
  };
});

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
process.stdout.write(
  `${table(
    ["family", "label", "items", "pass", "rate", "any finding", "benign rated high+"],
    rows.map((r) => [
      r.family,
      r.label,
      String(r.items),
      String(r.passed),
      pct(r.rate),
      String(r.anyFinding),
      r.label === "benign" ? String(r.high) : "",
    ]),
  )}\n\n`,
);

const benign = scored.filter((s) => s.item.label === "benign");
const benignHigh = benign.filter((s) => s.highFalsePositive).length / benign.length;
const recallOf = (family: string) => rows.find((r) => r.family === family)?.rate ?? 0;
const poisoned = scored.filter((s) => s.item.label === "poisoned");
const goals: Goal[] = [
  {
    goal: "recall, explicit instructions",
    required: ">= 95 %",
    measured: pct(recallOf("explicit_instruction")),
    met: recallOf("explicit_instruction") >= 0.95,
  },
  {
    goal: "recall, hidden instructions",
    required: ">= 95 %",
    measured: pct(recallOf("hidden_instruction")),
    met: recallOf("hidden_instruction") >= 0.95,
  },
  {
    goal: "benign rated high or critical",
    required: "<= 2 %",
    measured: `${pct(benignHigh)} (${benign.filter((s) => s.highFalsePositive).length} of ${benign.length})`,
    met: benignHigh <= 0.02,
  },
  {
    goal: "recall, all poisoned families",
    required: "(reported)",
    measured: pct(poisoned.filter((s) => s.pass).length / poisoned.length),
    met: null,
  },
];
// Tool vulnerabilities in source code: the vulnerable/safe twins of test/fixtures/code-vulns.
const CODE = new URL("../../test/fixtures/code-vulns/", import.meta.url);
const codeCases = JSON.parse(readFileSync(new URL("cases.json", CODE), "utf8")) as CodeCase[];
const codeScores = scoreCodeCases(codeCases, (file) => readFileSync(new URL(file, CODE), "utf8"));
const code = overall(codeScores);
process.stdout.write(
  `Tool vulnerabilities in source (test/fixtures/code-vulns, ${codeCases.length} vulnerable/safe pairs):\n\n${table(
    ["family", "pairs", "found", "recall", "false positives", "precision", "told apart"],
    codeScores.map((score) => [
      score.family,
      String(score.pairs),
      String(score.found),
      pct(score.found / score.pairs),
      String(score.falsePositives),
      pct(score.found / Math.max(1, score.found + score.falsePositives)),
      `${score.toldApart} of ${score.pairs}`,
    ]),
  )}\n\n`,
);
goals.push(
  {
    goal: "code: precision, all families",
    required: ">= 80 %",
    measured: pct(code.precision),
    met: code.precision >= 0.8,
  },
  {
    goal: "code: recall, all families",
    required: ">= 80 %",
    measured: pct(code.recall),
    met: code.recall >= 0.8,
  },
  {
    goal: "code: every vulnerable/safe pair told apart",
    required: `${code.pairs} of ${code.pairs}`,
    measured: `${code.toldApart} of ${code.pairs}`,
    met: code.toldApart === code.pairs,
  },
);
process.stdout.write(`${goalsTable(goals).join("\n")}\n`);

if (args.verbose) {
  for (const score of codeScores) {
    for (const id of score.missed) process.stdout.write(`  code miss: ${id}\n`);
    for (const id of score.flagged) process.stdout.write(`  code false positive: ${id}\n`);
  }
  process.stdout.write("\nMisses and false positives:\n");
  for (const s of scored.filter((x) => !x.pass || x.highFalsePositive)) {
    const expected =
      s.item.label === "poisoned" ? `>= ${s.item.minSeverity}` : `<= ${s.item.maxSeverity ?? "medium"}`;
    process.stdout.write(`  ${s.item.id} (${expected}): ${s.worst ?? "nothing"} ${s.rules.join(" ")}\n`);
  }
}

const stamp = new Date().toISOString().replaceAll(":", "-");
writeFileSync(
  new URL(`scan-eval-${stamp}.json`, RESULTS),
  `${JSON.stringify({ machine: machineInfo(["src/core/scan", "test/fixtures/tool-definitions"]), rows, code: codeScores, goals, items: scored.map((s) => ({ id: s.item.id, pass: s.pass, worst: s.worst, rules: s.rules })) }, null, 2)}\n`,
);
