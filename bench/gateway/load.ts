// The load generator: `lanes` sessions calling in parallel, each one call at a time (a closed loop), for at most
// `maxCalls` calls or `maxMs` milliseconds in all, whichever comes first.
import { performance } from "node:perf_hooks";
import type { McpSession } from "./mcp-client.ts";

export interface PhaseResult {
  target: string;
  concurrency: number;
  round: number;
  calls: number;
  errors: number;
  firstError: string | null;
  elapsedMs: number;
  /** Per-call latency in ms, in completion order. */
  latenciesMs: number[];
}

/** Stop a phase early once this many calls failed: something is wrong, and retrying fast would only spin. */
const MAX_ERRORS = 20;

export async function runPhase(
  sessions: readonly McpSession[],
  options: { maxCalls: number; maxMs: number; round: number },
): Promise<PhaseResult> {
  const target = sessions[0]?.target.label ?? "?";
  const latenciesMs: number[] = [];
  let issued = 0;
  let errors = 0;
  let firstError: string | null = null;
  const started = performance.now();
  const deadline = started + options.maxMs;

  const lane = async (session: McpSession) => {
    while (issued < options.maxCalls && errors < MAX_ERRORS && performance.now() < deadline) {
      issued += 1;
      const t0 = performance.now();
      try {
        await session.echo();
        latenciesMs.push(performance.now() - t0);
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(sessions.map(lane));
  const elapsedMs = performance.now() - started;
  return {
    target,
    concurrency: sessions.length,
    round: options.round,
    calls: latenciesMs.length,
    errors,
    firstError,
    elapsedMs,
    latenciesMs,
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export interface Summary {
  target: string;
  concurrency: number;
  calls: number;
  errors: number;
  seconds: number;
  callsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Calls/s of each round, in order. */
  roundCallsPerSecond: number[];
}

/** Pools the rounds of one target at one concurrency. */
export function summarize(phases: readonly PhaseResult[]): Summary {
  const first = phases[0];
  if (!first) throw new Error("no phases to summarize");
  const sorted = phases.flatMap((p) => p.latenciesMs).sort((a, b) => a - b);
  const calls = phases.reduce((sum, p) => sum + p.calls, 0);
  const ms = phases.reduce((sum, p) => sum + p.elapsedMs, 0);
  return {
    target: first.target,
    concurrency: first.concurrency,
    calls,
    errors: phases.reduce((sum, p) => sum + p.errors, 0),
    seconds: ms / 1000,
    callsPerSecond: calls / (ms / 1000),
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    roundCallsPerSecond: phases.map((p) => p.calls / (p.elapsedMs / 1000)),
  };
}
