// Candidate fixes for the slow cases, tried on the seeded file after the main measurements (migrations/ and src/
// stay as they are): an index is created in the file, its cases are planned and timed straight on the file before
// and after, and the API is timed again under a restarted wrangler; a query change is compared on the file only,
// its SQL produced by the Worker's own queryEvents given the inputs the change would give it.
import { performance } from "node:perf_hooks";
import type { DatabaseSync } from "node:sqlite";
import { keepAliveAgent } from "../gateway/http-client.ts";
import type { CaseSpec } from "./api-cases.ts";
import { type ApiClient, type CaseResult, measureCases, type TimingOptions } from "./api-timing.ts";
import type { GatewayState, RunningGateway } from "./local-gateway.ts";
import { startGateway } from "./local-gateway.ts";
import { type BuiltQuery, measureQuery, openSeeded, type PlanResult, queriesOf } from "./query-plans.ts";

/**
 * A candidate fix. `setup` (CREATE INDEX ...) runs on the file; `rewrite` gives the SQL a case would run with a
 * changed query (without it, the case's own SQL runs again). An "index" (setup, no rewrite) is also re-timed through
 * the API, since the Worker runs the same SQL and only the file changed.
 */
export interface Proposal {
  kind: "index" | "query" | "index + query";
  name: string;
  why: string;
  setup?: string;
  rewrite?: (spec: CaseSpec, team: string) => Promise<BuiltQuery | null>;
  /** Names of the cases (as in api-cases.ts) it is for. */
  cases: readonly string[];
}

/**
 * Candidates waiting for a trial. Empty: the last ones were adopted (the trigram index for `q`, migration 0013;
 * the status index, migration 0010; the cursor's time bound, log-store.ts).
 */
export const PROPOSALS: readonly Proposal[] = [];

export interface TrialCase {
  name: string;
  apiBefore: CaseResult | null;
  apiAfter: CaseResult | null;
  /** API p95 over the baseline's p95, in the run before and in the run after (the baselines differ). */
  ratioBefore: number | null;
  ratioAfter: number | null;
  sqliteBefore: PlanResult | null;
  sqliteAfter: PlanResult | null;
}

export interface Trial {
  kind: Proposal["kind"];
  name: string;
  why: string;
  setup: string | null;
  buildMs: number | null;
  /** How much the file grew with the setup. */
  fileGrowthBytes: number | null;
  cases: TrialCase[];
}

const SQLITE_RUNS = { runs: 10, budgetMs: 3_000, count: false };

/** The database's size in bytes (pages in use, not the file's length, which a WAL would blur). */
function fileSize(db: DatabaseSync): number {
  const pages = (db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
  const size = (db.prepare("PRAGMA page_size").get() as { page_size: number }).page_size;
  return pages * size;
}

/** The single query of a case that the proposal is about (the events query of a session's timeline). */
async function mainQuery(spec: CaseSpec, team: string): Promise<BuiltQuery | null> {
  const queries = await queriesOf(spec, team);
  return queries.at(-1) ?? null;
}

/** Tries every proposal; the indexes stay in the file. The API is re-timed once, with all indexes in place. */
export async function tryProposals(options: {
  proposals: readonly Proposal[];
  file: string;
  state: GatewayState;
  specs: readonly CaseSpec[];
  /** The sections timed before, each with its own baseline. */
  before: ReadonlyArray<{ baseline: CaseResult; cases: readonly CaseResult[] }>;
  team: string;
  timing: TimingOptions;
  echo: boolean;
  log: (text: string) => void;
  onGateway: (gateway: RunningGateway | null) => void;
}): Promise<Trial[]> {
  const trials: Trial[] = [];
  const db: DatabaseSync = openSeeded(options.file);
  const byName = (name: string) => options.specs.find((spec) => spec.name === name);
  try {
    for (const proposal of options.proposals) {
      options.log(`trying ${proposal.kind} ${proposal.name}`);
      const specs = proposal.cases.map(byName).filter((spec): spec is CaseSpec => spec !== undefined);
      const before: Array<PlanResult | null> = [];
      for (const spec of specs) {
        const query = await mainQuery(spec, options.team);
        before.push(query ? measureQuery(db, spec.name, query, SQLITE_RUNS) : null);
      }
      let buildMs: number | null = null;
      let fileGrowthBytes: number | null = null;
      if (proposal.setup) {
        const size = fileSize(db);
        const t0 = performance.now();
        db.exec(proposal.setup);
        buildMs = performance.now() - t0;
        fileGrowthBytes = fileSize(db) - size;
      }
      const after: Array<PlanResult | null> = [];
      for (const spec of specs) {
        const query = proposal.rewrite
          ? await proposal.rewrite(spec, options.team)
          : await mainQuery(spec, options.team);
        after.push(query ? measureQuery(db, spec.name, query, SQLITE_RUNS) : null);
      }
      trials.push({
        kind: proposal.kind,
        name: proposal.name,
        why: proposal.why,
        setup: proposal.setup ?? null,
        buildMs,
        fileGrowthBytes,
        cases: specs.map((spec, i) => {
          const section = options.before.find((s) => s.cases.some((c) => c.name === spec.name));
          const apiBefore = section?.cases.find((c) => c.name === spec.name) ?? null;
          return {
            name: spec.name,
            apiBefore,
            apiAfter: null,
            ratioBefore: apiBefore && section ? apiBefore.p95Ms / section.baseline.p95Ms : null,
            ratioAfter: null,
            sqliteBefore: before[i] ?? null,
            sqliteAfter: after[i] ?? null,
          };
        }),
      });
    }
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }

  // The API with the indexes in place: only the cases an index is for, with the baseline timed alongside.
  const indexCases = trials.filter((t) => t.kind === "index").flatMap((t) => t.cases);
  const specs = indexCases
    .filter((c) => c.apiBefore !== null)
    .map((c) => byName(c.name))
    .filter((spec): spec is CaseSpec => spec !== undefined);
  if (specs.length === 0) return trials;
  options.log(`restarting wrangler with the indexes to time ${specs.length} cases again`);
  const gateway = await startGateway(options.state, options.echo);
  options.onGateway(gateway);
  const token = await gateway.mintToken({ sub: "bench-viewer", team: options.team, roles: ["viewer"] });
  const client: ApiClient = {
    agent: keepAliveAgent(1),
    baseUrl: gateway.url,
    headers: { authorization: `Bearer ${token}` },
  };
  try {
    const again = await measureCases(client, specs, options.timing, options.log);
    for (const trialCase of indexCases) {
      trialCase.apiAfter = again.cases.find((c) => c.name === trialCase.name) ?? null;
      if (trialCase.apiAfter) trialCase.ratioAfter = trialCase.apiAfter.p95Ms / again.baseline.p95Ms;
    }
  } finally {
    client.agent.destroy();
    await gateway.stop();
    options.onGateway(null);
  }
  return trials;
}
