import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { fetchAll, keepAliveAgent } from "../gateway/http-client.ts";
import { fixed } from "../gateway/report.ts";
import { machineInfo } from "../run-info.ts";
import {
  type CaseSpec,
  type Cursor,
  decodeCursor,
  exportPageCases,
  logCases,
  metricsCases,
  sessionCases,
} from "./api-cases.ts";
import { type ApiClient, checkedGet, measureCases, type TimingOptions } from "./api-timing.ts";
import { type ExportRun, exportWithMemory } from "./export-bench.ts";
import { PROPOSALS, tryProposals } from "./index-trials.ts";
import { type IngestionResult, measureInsertRates, measureQueueIngestion } from "./ingest-bench.ts";
import { type GatewayState, prepareState, type RunningGateway, startGateway } from "./local-gateway.ts";
import { measureQuery, openSeeded, type PlanResult, queriesOf } from "./query-plans.ts";
import { goalsOf, type Results, render, type Section } from "./report.ts";
import { countInWindow, d1File, MAIN_TEAM, OTHER_TEAM, type SeedResult, seed } from "./seed.ts";
import { watchMemory } from "./workerd-memory.ts";

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    "other-fraction": { type: "string", default: "0.1" },
    seed: { type: "string", default: "1" },
    rounds: { type: "string", default: "2" },
    requests: { type: "string", default: "200" },
    warmup: { type: "string", default: "5" },
    "case-budget-s": { type: "string", default: "20" },
    "export-timeout-s": { type: "string", default: "300" },
    "no-export": { type: "boolean", default: false },
    "no-plans": { type: "boolean", default: false },
    "no-trials": { type: "boolean", default: false },
    echo: { type: "boolean", default: false },
    "deadline-s": { type: "string", default: "1200" },
    help: { type: "boolean", default: false },
  },
});

if (args.help) {
  process.stdout.write(`npm run bench:logs -- [options]
  --events N            events of the main team (1000000); 50000 for a quick run
  --other-fraction F    a second team gets F x N events more, to make team scoping real (0.1)
  --seed N              seed of the generated data (1)
  --rounds N            rounds per API section; each round times the baseline and every case (2)
  --requests N          requests per case over all rounds (200)
  --warmup N            unmeasured requests per case first (5)
  --case-budget-s S     a case stops early after S seconds over all rounds, with at least 10 requests per round (20)
  --export-timeout-s S  bound on one export download (300)
  --no-export           skip the exports
  --no-plans            skip EXPLAIN QUERY PLAN and the SQL timings on the file
  --no-trials           skip trying the candidate indexes and query changes
  --echo                copy wrangler's output to stderr
  --deadline-s S        hard limit for the whole run (1200)
`);
  process.exit(0);
}

const number = (name: string, value: string | undefined, min: number): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}`);
  return n;
};

const config = {
  events: Math.round(number("events", args.events, 1_000)),
  otherFraction: number("other-fraction", args["other-fraction"], 0),
  seed: Math.round(number("seed", args.seed, 0)),
  days: 7,
  timing: {
    rounds: Math.round(number("rounds", args.rounds, 1)),
    requests: Math.round(number("requests", args.requests, 1)),
    warmup: Math.round(number("warmup", args.warmup, 0)),
    maxMsPerCase: number("case-budget-s", args["case-budget-s"], 1) * 1000,
    minRequests: 10,
    timeoutMs: 60_000,
  } satisfies TimingOptions,
  exportTimeoutMs: number("export-timeout-s", args["export-timeout-s"], 10) * 1000,
  exports: !args["no-export"],
  plans: !args["no-plans"],
  trials: !args["no-trials"],
  echo: Boolean(args.echo),
  deadlineS: number("deadline-s", args["deadline-s"], 60),
};

const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// -----------------------------------------------------------------------------------------------------------------
// Sections

function seedSection(state: GatewayState): SeedResult {
  const file = d1File(state.persistDir);
  log(
    `seeding ${config.events} events (+${Math.round(config.events * config.otherFraction)} for ${OTHER_TEAM})`,
  );
  const result = seed({
    file,
    events: config.events,
    otherFraction: config.otherFraction,
    seed: config.seed,
    now: Date.now(),
    days: config.days,
  });
  log(
    `seeded ${result.rows} rows and ${result.sessions} sessions in ${(result.ms / 1000).toFixed(1)} s ` +
      `(${result.rowsPerSecond.toFixed(0)} rows/s); file ${(result.fileBytes / 1024 ** 2).toFixed(0)} MiB`,
  );
  return result;
}

/** Times a section's cases while the workerd processes' memory is watched. */
async function timedSection(client: ApiClient, gateway: RunningGateway, cases: CaseSpec[]): Promise<Section> {
  const stop = watchMemory(gateway.workerd().map((w) => w.pid));
  const timed = await measureCases(client, cases, config.timing, log);
  return { ...timed, memory: stop() };
}

/** Team scoping is real: the other team's token sees its own rows of the same server, and only those. */
async function checkTeamScoping(
  client: ApiClient,
  gateway: RunningGateway,
  seeded: SeedResult,
): Promise<void> {
  const token = await gateway.mintToken({ sub: "other-viewer", team: OTHER_TEAM, roles: ["viewer"] });
  const other = { ...client, headers: { authorization: `Bearer ${token}` } };
  const spec: CaseSpec = {
    kind: "logs",
    name: "other team's view",
    filters: { server: seeded.samples.server },
  };
  const { body } = await checkedGet(other, spec, 30_000);
  const items = (body as { items: Array<{ subject: string }> }).items;
  const foreign = items.filter((item) => !item.subject.endsWith("@other.example"));
  if (foreign.length > 0)
    throw new Error(`team scoping: ${OTHER_TEAM} saw ${foreign.length} rows of ${MAIN_TEAM}`);
}

async function logsSection(client: ApiClient, gateway: RunningGateway, seeded: SeedResult): Promise<Section> {
  const first = await checkedGet(client, { kind: "logs", name: "first page", filters: {} }, 60_000);
  const cursor = (first.body as { next_cursor: string | null }).next_cursor;
  if (!cursor) throw new Error("the first page of /api/v1/logs has no next_cursor");
  const cases = logCases(seeded.samples, decodeCursor(cursor), deepCursor(seeded));
  log(`/api/v1/logs: ${cases.length} cases`);
  return timedSection(client, gateway, cases);
}

/** Half way down the main team's events, newest first (every event at that ts still ahead). */
function deepCursor(seeded: SeedResult): Cursor {
  const ts = seeded.mainTs[Math.floor(seeded.mainTs.length / 2)] ?? seeded.last;
  return { ts, id: "ffffffff-ffff-4fff-bfff-ffffffffffff" };
}

/** The whole range of the seeded events, as the export asks for it. */
function fullWindow(seeded: SeedResult): { since: number; until: number } {
  return { since: Math.floor(seeded.first), until: Math.ceil(seeded.last) + 1 };
}

async function metricsSection(
  client: ApiClient,
  gateway: RunningGateway,
  seeded: SeedResult,
): Promise<Section> {
  log("/api/v1/metrics: a day by tool, server and subject");
  return timedSection(client, gateway, metricsCases(seeded.samples));
}

async function sessionsSection(
  client: ApiClient,
  gateway: RunningGateway,
  seeded: SeedResult,
): Promise<Section> {
  log("/api/v1/sessions and /api/v1/violations");
  return timedSection(client, gateway, sessionCases(seeded.samples));
}

async function exportSection(
  client: ApiClient,
  gateway: RunningGateway,
  seeded: SeedResult,
): Promise<ExportRun[]> {
  const { since, until } = fullWindow(seeded);
  const tenthSince = seeded.mainTs[Math.floor(seeded.mainTs.length * 0.9)] ?? since;
  const windows = [
    { label: "newest tenth", since: tenthSince, until },
    { label: "all rows", since, until },
  ];
  const pids = gateway.workerd().map((w) => w.pid);
  // Unmeasured: the first export of a process grows its heap once, whatever its size.
  const warmSince = seeded.mainTs[Math.floor(seeded.mainTs.length * 0.99)] ?? since;
  for (const format of ["ndjson", "csv"] as const) {
    const query = new URLSearchParams({ format, since: String(warmSince), until: String(until) });
    await checkedExport(client, `/api/v1/logs/export?${query}`);
  }
  const runs: ExportRun[] = [];
  for (const format of ["ndjson", "csv"] as const) {
    for (const window of windows) {
      const expectedRows = countInWindow(seeded.mainTs, window.since, window.until);
      const query = new URLSearchParams({ format, since: String(window.since), until: String(window.until) });
      log(`export ${format}, ${window.label}: ${expectedRows} rows expected`);
      await sleep(1_000); // let memory settle before the baseline sample
      const run = await exportWithMemory({
        agent: client.agent,
        url: new URL(`/api/v1/logs/export?${query}`, client.baseUrl),
        headers: client.headers,
        format,
        label: window.label,
        since: window.since,
        until: window.until,
        expectedRows,
        pids,
        intervalMs: 100,
        beforeMs: 500,
        afterMs: 1_500,
        timeoutMs: config.exportTimeoutMs,
      });
      log(
        `  ${run.rows} rows in ${(run.ms / 1000).toFixed(1)} s (${run.rowsPerSecond.toFixed(0)} rows/s)` +
          (run.problem ? `: ${run.problem}` : ""),
      );
      if (run.problem) log(`wrangler's last output:\n${gateway.output().slice(-2_000)}`);
      runs.push(run);
    }
  }
  return runs;
}

/** Reads a whole export, unmeasured, and fails unless it is a 200. */
async function checkedExport(client: ApiClient, path: string): Promise<void> {
  const response = await fetchAll(
    client.agent,
    new URL(path, client.baseUrl),
    "GET",
    client.headers,
    undefined,
    60_000,
  );
  if (response.status !== 200) throw new Error(`GET ${path} answered HTTP ${response.status}`);
}

/**
 * Ingestion (>= 2,000 events/s batched, against one insert per event in the same run): end to end through the
 * queue into the seeded database, and the two insert strategies side by side in a Worker of their own.
 */
async function ingestionSection(gateway: RunningGateway): Promise<IngestionResult> {
  log("ingestion: 20,000 events through POST /api/v1/ingest/events and the events queue");
  const queue = await measureQueueIngestion(gateway);
  log("ingestion: one INSERT per event against the consumer's batched inserts, 4,000 events each");
  const inserts = await measureInsertRates();
  return { queue, inserts };
}

/** Each case's SQL planned and timed straight on the file, and the export's page query at three depths. */
async function planSection(file: string, specs: readonly CaseSpec[]): Promise<PlanResult[]> {
  log("query plans and SQL timings on the seeded file");
  const db = openSeeded(file);
  try {
    const plans: PlanResult[] = [];
    for (const spec of specs) {
      const queries = await queriesOf(spec, MAIN_TEAM);
      queries.forEach((query, i) => {
        const name = queries.length > 1 ? `${spec.name} [query ${i + 1}]` : spec.name;
        const count = !name.startsWith("export page");
        plans.push(measureQuery(db, name, query, { runs: 20, budgetMs: 3_000, count }));
      });
    }
    return plans;
  } finally {
    db.close();
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  const startedAt = new Date();
  const info = machineInfo(["src", "migrations", "wrangler.toml"]);
  log(
    `machine: ${info.nproc} cores (${info.cpuModel}), node ${info.node}, load ${info.loadavgAtStart.join(" ")}`,
  );
  const dir = mkdtempSync(join(tmpdir(), "helmet-logs-bench-"));
  let gateway: RunningGateway | null = null;
  const cleanup = async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const watchdog = setTimeout(() => {
    log(`the run passed its ${config.deadlineS} s deadline: stopping`);
    void cleanup().finally(() => process.exit(2));
  }, config.deadlineS * 1000);

  const t0 = performance.now();
  let results: Results;
  try {
    const state = await prepareState(dir);
    const seeded = seedSection(state);
    results = {
      seeded,
      logs: null,
      metrics: null,
      sessions: null,
      exports: [],
      ingestion: null,
      plans: [],
      trials: [],
      wranglerOutput: "",
      failures: [],
    };
    gateway = await startGateway(state, config.echo);
    log(
      `wrangler dev up at ${gateway.url}; workerd ${gateway
        .workerd()
        .map((w) => `${w.role}=${w.pid}`)
        .join(", ")}`,
    );
    const token = await gateway.mintToken({ sub: "bench-viewer", team: MAIN_TEAM, roles: ["viewer"] });
    const client: ApiClient = {
      agent: keepAliveAgent(1),
      baseUrl: gateway.url,
      headers: { authorization: `Bearer ${token}` },
    };
    await checkTeamScoping(client, gateway, seeded);
    results.logs = await logsSection(client, gateway, seeded);
    results.sessions = await sessionsSection(client, gateway, seeded);
    // Exports before metrics: a metrics answer holds the window's requests in the Worker, which leaves its heap
    // large for a while, and the export's memory is best read from a process that served only pages.
    if (config.exports) results.exports = await exportSection(client, gateway, seeded);
    results.metrics = await metricsSection(client, gateway, seeded);
    results.ingestion = await ingestionSection(gateway);
    results.wranglerOutput = gateway.output().slice(-4_000);
    client.agent.destroy();
    await gateway.stop();
    gateway = null;

    const firstCursor = results.logs ? cursorOf(results.logs) : null;
    const window = fullWindow(seeded);
    const specs = [
      ...(firstCursor ? logCases(seeded.samples, decodeCursor(firstCursor), deepCursor(seeded)) : []),
      ...metricsCases(seeded.samples),
      ...sessionCases(seeded.samples),
      ...exportPageCases(window.since, window.until, seeded.mainTs),
    ];
    // The diagnostics come after the measurements: a failure in them is reported, not allowed to lose the run.
    const diagnose = async (what: string, step: () => Promise<void>) => {
      try {
        await step();
      } catch (error) {
        log(`${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        results.failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    if (config.plans) {
      await diagnose("query plans", async () => {
        results.plans = await planSection(seeded.file, specs);
      });
    }
    if (config.trials)
      await diagnose("candidate fixes", async () => {
        const before = [results.logs, results.metrics, results.sessions].filter(
          (s): s is Section => s !== null,
        );
        results.trials = await tryProposals({
          proposals: PROPOSALS,
          file: seeded.file,
          state,
          specs,
          before,
          team: MAIN_TEAM,
          timing: config.timing,
          echo: config.echo,
          log,
          onGateway: (running) => {
            gateway = running;
          },
        });
      });
  } catch (error) {
    const running = gateway as RunningGateway | null;
    if (running) log(`wrangler's last output:\n${running.output().slice(-3_000)}`);
    throw error;
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }

  const goals = goalsOf(results);
  const report = render(results, goals, config.days);
  process.stdout.write(
    `\nHelmet logs benchmark, ${startedAt.toISOString()}, ${fixed((performance.now() - t0) / 1000, 0)} s\n` +
      `machine: ${info.nproc} cores (nproc), ${info.cpuModel}, ${info.memoryGiB} GiB; node ${info.node}; ` +
      `wrangler ${info.wrangler}, workerd ${info.workerd}; load average at start ${info.loadavgAtStart.join(" ")}, ` +
      `at end ${loadavg()
        .map((v) => v.toFixed(2))
        .join(" ")}; gateway at ${info.revision}\n\n${report}\n`,
  );

  const resultsDir = new URL("../results/", import.meta.url);
  mkdirSync(resultsDir, { recursive: true });
  const file = new URL(`logs-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`, resultsDir);
  const round3 = (v: number) => Math.round(v * 1000) / 1000;
  const section = (s: Section | null) =>
    s && {
      baseline: { ...s.baseline, samplesMs: s.baseline.samplesMs.map(round3) },
      cases: s.cases.map((c) => ({ ...c, samplesMs: c.samplesMs.map(round3) })),
      memory: s.memory,
    };
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        machine: { ...info, loadavgAtEnd: loadavg().map((v) => Number(v.toFixed(2))) },
        config,
        seeded: { ...results.seeded, mainTs: undefined },
        logs: section(results.logs),
        metrics: section(results.metrics),
        sessions: section(results.sessions),
        exports: results.exports,
        ingestion: results.ingestion,
        plans: results.plans,
        trials: results.trials,
        wranglerOutput: results.wranglerOutput,
        failures: results.failures,
        goals,
      },
      null,
      1,
    )}\n`,
  );
  process.stdout.write(`raw figures: ${file.pathname}\n`);
  const failedExports = results.exports.filter((r) => r.problem !== null);
  return failedExports.length > 0 || results.failures.length > 0 ? 1 : 0;
}

/** The cursor the "next page" case used, read back from its path. */
function cursorOf(section: Section): string | null {
  const path = section.cases.find((c) => c.name.startsWith("next page"))?.path ?? "";
  return new URL(path, "http://x").searchParams.get("cursor");
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
