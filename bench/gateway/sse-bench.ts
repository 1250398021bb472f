// Large SSE responses: MiB/s straight from the SSE source and through the gateway, and the resident memory of the
// gateway's workerd processes, sampled every ~100 ms while the stream passes.
import { performance } from "node:perf_hooks";
import type { Role } from "./cpu.ts";
import { fetchCounting } from "./http-client.ts";
import type { McpSession } from "./mcp-client.ts";
import { rssKiB } from "./proc.ts";

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface StreamRun {
  target: string;
  kind: string;
  requestedBytes: number;
  bytes: number;
  ms: number;
  mibPerSecond: number;
  ok: boolean;
  detail: string;
}

let nextId = 1;

/** One tools/call `stream`, consumed as fast as it arrives. */
export async function streamOnce(
  session: McpSession,
  bytes: number,
  kind: string,
  timeoutMs: number,
): Promise<StreamRun> {
  const id = nextId++;
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "stream", arguments: { bytes, kind }, _meta: { progressToken: `bench-${id}` } },
  });
  const t0 = performance.now();
  const response = await fetchCounting(
    session.target.agent,
    session.target.url,
    session.headers,
    body,
    timeoutMs,
  );
  const ms = performance.now() - t0;
  const ok =
    response.status === 200 && response.tail.includes(`"id":${id},`) && response.tail.includes("streamed ");
  return {
    target: session.target.label,
    kind,
    requestedBytes: bytes,
    bytes: response.bytes,
    ms,
    mibPerSecond: response.bytes / MiB / (ms / 1000),
    ok,
    detail: ok ? "" : `HTTP ${response.status}, ends with: ${response.tail.slice(-300)}`,
  };
}

export interface RssSample {
  /** ms since sampling began. */
  t: number;
  kib: Record<string, number>;
  totalKiB: number;
}

export interface MemoryRun {
  stream: StreamRun;
  intervalMs: number;
  /** When the stream started and ended, in sample time. */
  streamStartT: number;
  streamEndT: number;
  startKiB: Record<string, number>;
  peakKiB: Record<string, number>;
  endKiB: Record<string, number>;
  /** Sum over the sampled processes. */
  startTotalKiB: number;
  peakTotalKiB: number;
  endTotalKiB: number;
  /** peak - start of the total. */
  growthKiB: number;
  samples: RssSample[];
}

function sampleOnce(roles: readonly Role[], t: number): RssSample {
  const kib: Record<string, number> = {};
  let totalKiB = 0;
  for (const role of roles) {
    const value = rssKiB(role.pid) ?? 0;
    kib[`${role.name}:${role.pid}`] = value;
    totalKiB += value;
  }
  return { t, kib, totalKiB };
}

/**
 * Streams `bytes` through `session` while sampling the RSS of `roles` every `intervalMs`: from `beforeMs` before
 * the stream until `afterMs` after it ended.
 */
export async function streamWithMemory(
  session: McpSession,
  bytes: number,
  kind: string,
  roles: readonly Role[],
  options: { intervalMs: number; beforeMs: number; afterMs: number; timeoutMs: number },
): Promise<MemoryRun> {
  const samples: RssSample[] = [];
  const origin = performance.now();
  const take = () => samples.push(sampleOnce(roles, performance.now() - origin));
  take();
  const timer = setInterval(take, options.intervalMs);
  let stream: StreamRun;
  let streamStartT: number;
  let streamEndT: number;
  try {
    await sleep(options.beforeMs);
    streamStartT = performance.now() - origin;
    take();
    stream = await streamOnce(session, bytes, kind, options.timeoutMs);
    streamEndT = performance.now() - origin;
    take();
    await sleep(options.afterMs);
    take();
  } finally {
    clearInterval(timer);
  }
  const before = samples.filter((s) => s.t <= streamStartT);
  const during = samples.filter((s) => s.t >= streamStartT);
  const start = before[before.length - 1] ?? (samples[0] as RssSample);
  const end = samples[samples.length - 1] as RssSample;
  const peak = during.reduce((best, s) => (s.totalKiB > best.totalKiB ? s : best), start);
  const peakKiB: Record<string, number> = {};
  for (const key of Object.keys(start.kib)) {
    peakKiB[key] = Math.max(...during.map((s) => s.kib[key] ?? 0), start.kib[key] ?? 0);
  }
  return {
    stream,
    intervalMs: options.intervalMs,
    streamStartT,
    streamEndT,
    startKiB: start.kib,
    peakKiB,
    endKiB: end.kib,
    startTotalKiB: start.totalKiB,
    peakTotalKiB: peak.totalKiB,
    endTotalKiB: end.totalKiB,
    growthKiB: peak.totalKiB - start.totalKiB,
    samples,
  };
}
