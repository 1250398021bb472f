// Times read API cases one request at a time over a keep-alive connection, in rounds: each round measures the
// baseline (GET /api/v1/me) and then every case, so drift in the machine's load falls on both alike. Any answer
// that is not a 200 with the data the case asks for aborts the run.
import type { Agent } from "node:http";
import { performance } from "node:perf_hooks";
import { fetchAll } from "../gateway/http-client.ts";
import { answerProblem, answerSize, BASELINE, type CaseSpec, pathOf } from "./api-cases.ts";

export interface ApiClient {
  agent: Agent;
  baseUrl: string;
  headers: Record<string, string>;
}

export interface TimingOptions {
  rounds: number;
  /** Requests per case in all rounds together (the baseline too). */
  requests: number;
  /** Unmeasured requests per case before its first round. */
  warmup: number;
  /** A case stops early once it has spent this long in a round (at least `minRequests` per round). */
  maxMsPerCase: number;
  minRequests: number;
  timeoutMs: number;
}

export interface CaseResult {
  name: string;
  kind: CaseSpec["kind"];
  path: string;
  samplesMs: number[];
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Items (rows, events) in the last answer, and its size. */
  size: number;
  bytes: number;
  /** Anything the answer says about itself (a metrics answer cut at its cap: "truncated"). */
  note: string;
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], q: number): number {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/** One checked GET: the body, parsed, and how long the whole answer took. */
export async function checkedGet(
  client: ApiClient,
  spec: CaseSpec,
  timeoutMs: number,
): Promise<{ ms: number; body: unknown; bytes: number }> {
  const path = pathOf(spec);
  const t0 = performance.now();
  const response = await fetchAll(
    client.agent,
    new URL(path, client.baseUrl),
    "GET",
    client.headers,
    undefined,
    timeoutMs,
  );
  const ms = performance.now() - t0;
  const text = response.body.toString("utf8");
  if (response.status !== 200) {
    throw new Error(`${spec.name}: GET ${path} answered HTTP ${response.status}: ${text.slice(0, 500)}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${spec.name}: GET ${path} answered with no JSON: ${text.slice(0, 300)}`);
  }
  const problem = answerProblem(spec, body);
  if (problem) throw new Error(`${spec.name}: GET ${path} answered 200 but ${problem}`);
  return { ms, body, bytes: response.body.byteLength };
}

function summarize(
  spec: CaseSpec,
  samplesMs: number[],
  last: { size: number; bytes: number; note: string },
): CaseResult {
  return {
    name: spec.name,
    kind: spec.kind,
    path: pathOf(spec),
    samplesMs,
    p50Ms: percentile(samplesMs, 0.5),
    p95Ms: percentile(samplesMs, 0.95),
    p99Ms: percentile(samplesMs, 0.99),
    maxMs: Math.max(...samplesMs),
    ...last,
  };
}

/** The cases of one section with the baseline measured alongside, in `rounds` rounds. */
export async function measureCases(
  client: ApiClient,
  cases: readonly CaseSpec[],
  options: TimingOptions,
  log: (text: string) => void,
): Promise<{ baseline: CaseResult; cases: CaseResult[] }> {
  const all = [BASELINE, ...cases];
  const samples = all.map(() => [] as number[]);
  const last = all.map(() => ({ size: 0, bytes: 0, note: "" }));
  for (const spec of all) {
    for (let i = 0; i < options.warmup; i++) await checkedGet(client, spec, options.timeoutMs);
  }
  const perRound = Math.max(1, Math.ceil(options.requests / options.rounds));
  const budgetMs = options.maxMsPerCase / options.rounds;
  for (let round = 0; round < options.rounds; round++) {
    for (const [index, spec] of all.entries()) {
      const started = performance.now();
      for (let i = 0; i < perRound; i++) {
        if (i >= options.minRequests && performance.now() - started > budgetMs) break;
        const answer = await checkedGet(client, spec, options.timeoutMs);
        samples[index]?.push(answer.ms);
        last[index] = {
          size: answerSize(spec, answer.body),
          bytes: answer.bytes,
          note: "",
        };
      }
    }
    log(`  round ${round + 1}/${options.rounds} done`);
  }
  const results = all.map((spec, i) =>
    summarize(spec, samples[i] ?? [], last[i] ?? { size: 0, bytes: 0, note: "" }),
  );
  const [baseline, ...rest] = results;
  return { baseline: baseline as CaseResult, cases: rest };
}
