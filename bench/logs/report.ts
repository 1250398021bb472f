// The logs benchmark's report: its tables on stdout and the goals of the issue with a verdict for each.

import { fixed, table } from "../gateway/report.ts";
import { type Goal, goalsTable } from "../run-info.ts";
import type { CaseResult } from "./api-timing.ts";
import type { ExportRun } from "./export-bench.ts";
import type { Trial } from "./index-trials.ts";
import type { IngestionResult } from "./ingest-bench.ts";
import type { PlanResult } from "./query-plans.ts";
import { MAIN_TEAM, OTHER_TEAM, type SeedResult } from "./seed.ts";
import type { MemorySpan } from "./workerd-memory.ts";

export interface Section {
  baseline: CaseResult;
  cases: CaseResult[];
  /** The workerd processes' summed RSS over the section. */
  memory: MemorySpan;
}

export interface Results {
  seeded: SeedResult;
  logs: Section | null;
  metrics: Section | null;
  sessions: Section | null;
  exports: ExportRun[];
  ingestion: IngestionResult | null;
  plans: PlanResult[];
  trials: Trial[];
  /** The end of what wrangler and the Worker wrote, for diagnosis. */
  wranglerOutput: string;
  /** Diagnostic steps (plans, candidate fixes) that failed; the measurements before them stand. */
  failures: string[];
}

function sectionTable(title: string, section: Section): string[] {
  const base = section.baseline;
  const m = section.memory;
  return [
    `${title}; workerd RSS ${fixed(mibOf(m.startKiB), 0)} -> peak ${fixed(mibOf(m.peakKiB), 0)} -> ` +
      `${fixed(mibOf(m.endKiB), 0)} MiB:`,
    "",
    table(
      ["case", "n", "p50 ms", "p95 ms", "p99 ms", "p50 / base", "p95 / base", "items", "KiB", "note"],
      [base, ...section.cases].map((c) => [
        c.name,
        c.samplesMs.length,
        fixed(c.p50Ms, 2),
        fixed(c.p95Ms, 2),
        fixed(c.p99Ms, 2),
        c === base ? "1.0" : fixed(c.p50Ms / base.p50Ms, 1),
        c === base ? "1.0" : fixed(c.p95Ms / base.p95Ms, 1),
        c.size,
        fixed(c.bytes / 1024, 1),
        c.note,
      ]),
    ),
    "",
  ];
}

const mibOf = (kib: number) => kib / 1024;

/** Growth of the full export against the tenth, as for SSE streams in docs/benchmarks.md. */
function flatMemory(runs: readonly ExportRun[], format: string): { text: string; met: boolean | null } {
  const tenth = runs.find((r) => r.format === format && r.label === "newest tenth");
  const all = runs.find((r) => r.format === format && r.label === "all rows");
  if (!tenth || !all) return { text: "not measured", met: null };
  const growth = (r: ExportRun) => mibOf(r.memory.peakRss - r.memory.startRss);
  const ratio = growth(all) / Math.max(growth(tenth), 4);
  const valid = tenth.problem === null && all.problem === null;
  return {
    text: `${fixed(growth(tenth), 1)} MiB (${tenth.rows} rows) -> ${fixed(growth(all), 1)} MiB (${all.rows} rows): ${fixed(ratio, 2)}x${valid ? "" : " (an export failed)"}`,
    met: valid ? ratio < 3 : false,
  };
}

export function goalsOf(results: Results): Goal[] {
  const goals: Goal[] = [];
  const logCasesResults = results.logs?.cases ?? [];
  const worst = logCasesResults.toSorted((a, b) => b.p95Ms - a.p95Ms)[0];
  const over = logCasesResults.filter((c) => c.p95Ms > 50);
  goals.push({
    goal: "/api/v1/logs common filters, p95",
    required: "<= 50 ms",
    measured: worst
      ? `worst ${fixed(worst.p95Ms, 1)} ms (${worst.name}); ${over.length} of ${logCasesResults.length} over`
      : "not measured",
    met: worst ? over.length === 0 : null,
  });
  const byTool = results.metrics?.cases.find((c) => c.name.startsWith("day by tool"));
  goals.push({
    goal: "/api/v1/metrics, a day by tool, p95",
    required: "<= 200 ms",
    measured: byTool ? `${fixed(byTool.p95Ms, 1)} ms (p50 ${fixed(byTool.p50Ms, 1)})` : "not measured",
    met: byTool ? byTool.p95Ms <= 200 : null,
  });
  const ingestion = results.ingestion;
  goals.push({
    goal: "ingestion, batched, end to end through the queue",
    required: ">= 2,000 events/s",
    measured: ingestion
      ? `${fixed(ingestion.queue.storedPerSecond, 0)} events/s stored; the insert itself ` +
        `${fixed(ingestion.inserts.ratio, 1)}x one INSERT per event`
      : "not measured",
    met: ingestion ? ingestion.queue.storedPerSecond >= 2_000 : null,
  });
  for (const format of ["ndjson", "csv"]) {
    const verdict = flatMemory(results.exports, format);
    goals.push({
      goal: `export flat memory (${format})`,
      required: "growth(all) / max(growth(tenth), 4 MiB) < 3",
      measured: verdict.text,
      met: verdict.met,
    });
  }
  return goals;
}

export function render(results: Results, goals: Goal[], days: number): string {
  const s = results.seeded;
  const out: string[] = [
    `Seeded ${s.rows} events (${s.mainRows} ${MAIN_TEAM}, ${s.otherRows} ${OTHER_TEAM}) and ${s.sessions} sessions over ` +
      `${days} days in ${fixed(s.ms / 1000, 1)} s: ${fixed(s.rowsPerSecond, 0)} rows/s with node:sqlite, ` +
      `one transaction, every index in place; D1 file ${fixed(s.fileBytes / 1024 ** 2, 0)} MiB.`,
    `Filter values: server=${s.samples.server}, tool=${s.samples.tool}, subject=${s.samples.subject}, ` +
      `session=${s.samples.session}.`,
    "",
    "Each section runs in rounds; every round times the baseline (GET /api/v1/me, the cheapest authenticated call)",
    "and then each case, one request at a time on a keep-alive connection. Ratios are against that baseline.",
    "",
  ];
  if (results.logs)
    out.push(...sectionTable("/api/v1/logs, a page of 100, newest first unless said", results.logs));
  if (results.sessions)
    out.push(...sectionTable("/api/v1/sessions and /api/v1/violations", results.sessions));
  if (results.exports.length > 0) {
    out.push(
      "Exports (/api/v1/logs/export, read as fast as they come; memory = workerd processes summed, sampled every",
      "100 ms; anon = RssAnon (heap), file = RssFile (mapped files); growth = peak - last sample before the request):",
      "",
      table(
        [
          "format",
          "window",
          "rows",
          "expected",
          "s",
          "rows/s",
          "MiB/s",
          "rows/s 1st 10%",
          "rows/s last 10%",
          "RSS start MiB",
          "RSS peak MiB",
          "growth MiB",
          "anon growth",
          "file growth",
          "check",
        ],
        results.exports.map((r) => [
          r.format,
          r.label,
          r.rows,
          r.expectedRows,
          fixed(r.ms / 1000, 1),
          fixed(r.rowsPerSecond, 0),
          fixed(r.mibPerSecond, 1),
          fixed(r.firstTenthRowsPerSecond, 0),
          fixed(r.lastTenthRowsPerSecond, 0),
          fixed(mibOf(r.memory.startRss), 0),
          fixed(mibOf(r.memory.peakRss), 0),
          fixed(mibOf(r.memory.peakRss - r.memory.startRss), 1),
          fixed(mibOf(r.memory.peakAnon - r.memory.startAnon), 1),
          fixed(mibOf(r.memory.peakFile - r.memory.startFile), 1),
          r.problem ?? "ok",
        ]),
      ),
      "",
    );
  }
  if (results.metrics)
    out.push(...sectionTable("/api/v1/metrics, newest day, hourly buckets", results.metrics));
  if (results.ingestion) {
    const { queue, inserts } = results.ingestion;
    out.push(
      "Ingestion. End to end: batches of 500 to POST /api/v1/ingest/events (4 senders), through the events queue",
      "into the seeded database; 'stored' ends when the metrics API counts every event. Inserts: inside workerd on a",
      "fresh D1, one awaited INSERT per event against the consumer's storeEvents (runs of 2,000) on the same rows:",
      "",
      table(
        ["path", "events", "s", "events/s", "ratio"],
        [
          [
            "queue: accepted (202)",
            queue.events,
            fixed(queue.acceptedMs / 1000, 2),
            fixed(queue.acceptedPerSecond, 0),
            "",
          ],
          [
            "queue: stored",
            queue.events,
            fixed(queue.storedMs / 1000, 2),
            fixed(queue.storedPerSecond, 0),
            "",
          ],
          [
            "insert: one per event",
            inserts.events,
            fixed(inserts.singleMs / 1000, 2),
            fixed(inserts.singlePerSecond, 0),
            "1.0",
          ],
          [
            "insert: batched",
            inserts.events,
            fixed(inserts.batchedMs / 1000, 2),
            fixed(inserts.batchedPerSecond, 0),
            fixed(inserts.ratio, 1),
          ],
        ],
      ),
      "",
    );
  }
  if (results.plans.length > 0) {
    out.push(
      "The SQL of each case straight on the seeded file (node:sqlite, wrangler stopped): time, rows the WHERE clause",
      "matches in the whole table (a filter with no index reads about rows-returned x all / matching rows), plan:",
      "",
      table(
        ["query", "sqlite median ms", "sqlite p95 ms", "rows", "matching", "plan"],
        results.plans.map((p) => [
          p.name,
          fixed(p.medianMs, 2),
          fixed(p.p95Ms, 2),
          p.rows,
          p.matching ?? "",
          p.plan.join(" | "),
        ]),
      ),
      "",
    );
  }
  if (results.trials.length > 0) {
    out.push(
      "Candidate fixes tried on the seeded file (migrations/ and src/ untouched). Indexes: created in the file, the",
      "API timed again under a restarted wrangler with its own baseline. Query changes: on the file only.",
      "",
      table(
        [
          "fix",
          "case",
          "sqlite before ms",
          "sqlite after ms",
          "rows before/after",
          "API p95 before",
          "API p95 after",
          "p95/base before",
          "p95/base after",
          "plan after",
        ],
        results.trials.flatMap((trial) =>
          trial.cases.map((c) => [
            `${trial.kind} ${trial.name}`,
            c.name,
            fixed(c.sqliteBefore?.medianMs ?? Number.NaN, 2),
            fixed(c.sqliteAfter?.medianMs ?? Number.NaN, 2),
            `${c.sqliteBefore?.rows ?? ""}/${c.sqliteAfter?.rows ?? ""}`,
            c.apiAfter ? fixed(c.apiBefore?.p95Ms ?? Number.NaN, 1) : "",
            c.apiAfter ? fixed(c.apiAfter.p95Ms, 1) : "",
            c.apiAfter ? fixed(c.ratioBefore ?? Number.NaN, 1) : "",
            c.apiAfter ? fixed(c.ratioAfter ?? Number.NaN, 1) : "",
            c.sqliteAfter?.plan.join(" | ") ?? "",
          ]),
        ),
      ),
      "",
      ...results.trials.map(
        (t) =>
          `  ${t.kind} ${t.name}` +
          (t.buildMs === null
            ? ""
            : ` (built in ${fixed(t.buildMs / 1000, 1)} s, +${fixed((t.fileGrowthBytes ?? 0) / 1024 ** 2, 0)} MiB)`) +
          `: ${t.why}`,
      ),
      "",
    );
  }
  if (results.failures.length > 0) out.push("Failed:", ...results.failures.map((f) => `  ${f}`), "");
  out.push(...goalsTable(goals));
  return out.join("\n");
}
