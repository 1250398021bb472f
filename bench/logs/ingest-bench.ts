// Ingestion, two ways in one run:
// - end to end, as bridges ship events: batches of 500 to POST /api/v1/ingest/events, through the events queue and
//   its consumer into the seeded D1, timed from the first send until the metrics API counts every event;
// - the insert itself, inside workerd on a D1 of its own (insert-worker.ts): one INSERT per event, each awaited,
//   against the consumer's storeEvents (multi-row inserts in one D1 batch) on the same rows. The ratio is the
//   issue's "batched against one insert per event".
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/support/local-stack.ts";
import { launch, type RunningGateway, terminate } from "./local-gateway.ts";

const HOST = "127.0.0.1";
const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const INSERT_CONFIG = "bench/logs/insert-wrangler.toml";
const BATCH = 500;
const SENDERS = 4;

export interface QueueIngestion {
  events: number;
  /** From the first send until every batch was answered 202 (queued). */
  acceptedMs: number;
  /** From the first send until the metrics API counted every event (written by the consumer). */
  storedMs: number;
  acceptedPerSecond: number;
  storedPerSecond: number;
}

export interface InsertRates {
  events: number;
  singleMs: number;
  batchedMs: number;
  singlePerSecond: number;
  batchedPerSecond: number;
  /** batched / single events per second. */
  ratio: number;
}

export interface IngestionResult {
  queue: QueueIngestion;
  inserts: InsertRates;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A tools/call request as a bridge ships it. */
function ingestEvent(ts: number, n: number) {
  return {
    id: crypto.randomUUID(),
    ts,
    direction: "client_to_server",
    kind: "request",
    method: "tools/call",
    target: `tool_${n % 50}`,
    request_id: String(n),
    status: n % 20 === 0 ? "error" : "ok",
    error_code: n % 20 === 0 ? -32603 : null,
    latency_ms: 5 + (n % 400),
    bytes_in: 180,
    bytes_out: 900,
    progress_count: 0,
    decision: "allow",
    rule: null,
    redactions: null,
    params_excerpt: `{"name":"tool_${n % 50}","arguments":{"query":"ticket ${n}"}}`,
    result_excerpt: `{"content":[{"type":"text","text":"result ${n}"}]}`,
  };
}

async function post(url: string, token: string, body: unknown, expected: number): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (response.status !== expected)
    throw new Error(`POST ${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
}

/** Ships `events` events of one bridge session and waits until all of them are stored. */
export async function measureQueueIngestion(
  gateway: RunningGateway,
  events = 20_000,
): Promise<QueueIngestion> {
  const team = `bench-ingest-${Date.now()}`;
  const token = await gateway.mintToken({ sub: "bench-bridge", team, roles: ["member"] });
  const session = crypto.randomUUID();
  const now = Date.now();
  await post(
    `${gateway.url}/api/v1/ingest/sessions`,
    token,
    {
      id: session,
      server: "bench",
      machine: { host: "bench", os: "linux", arch: "x64", node: process.version, helmet: "bench" },
      started_at: now,
    },
    201,
  );
  const batches = Array.from({ length: Math.ceil(events / BATCH) }, (_, b) =>
    Array.from({ length: Math.min(BATCH, events - b * BATCH) }, (_, i) => ingestEvent(now, b * BATCH + i)),
  );
  const stored = async () => {
    const query = `group_by=team&bucket=day&since=${now - 3_600_000}&until=${now + 3_600_000}`;
    const response = await fetch(`${gateway.url}/api/v1/metrics?${query}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status !== 200) throw new Error(`GET /api/v1/metrics: HTTP ${response.status}`);
    const { rows } = (await response.json()) as { rows: Array<{ calls: number }> };
    return rows.reduce((sum, row) => sum + row.calls, 0);
  };

  const t0 = performance.now();
  let next = 0;
  const sender = async () => {
    for (let b = next++; b < batches.length; b = next++) {
      await post(
        `${gateway.url}/api/v1/ingest/events`,
        token,
        { session_id: session, events: batches[b] },
        202,
      );
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  const acceptedMs = performance.now() - t0;
  const deadline = Date.now() + 300_000;
  for (let count = await stored(); count < events; count = await stored()) {
    if (count > events) throw new Error(`the metrics count ${count} events, more than the ${events} sent`);
    if (Date.now() > deadline) throw new Error(`only ${count} of ${events} events stored after 5 minutes`);
    await sleep(100);
  }
  const storedMs = performance.now() - t0;
  return {
    events,
    acceptedMs,
    storedMs,
    acceptedPerSecond: events / (acceptedMs / 1000),
    storedPerSecond: events / (storedMs / 1000),
  };
}

/** Times both insert strategies on `events` events each, in workerd on a fresh local D1. */
export async function measureInsertRates(events = 4_000): Promise<InsertRates> {
  const dir = await mkdtemp(join(tmpdir(), "helmet-insert-bench-"));
  const persist = join(dir, "state");
  const migrate = launch(
    PROJECT_ROOT,
    ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist, "-c", INSERT_CONFIG],
    false,
  );
  if ((await migrate.exited) !== 0)
    throw new Error(`migrating the insert bench's D1 failed:\n${migrate.output()}`);
  const port = await freePort();
  const worker = launch(
    PROJECT_ROOT,
    [
      "dev",
      "-c",
      INSERT_CONFIG,
      "--ip",
      HOST,
      "--port",
      String(port),
      "--persist-to",
      persist,
      "--log-level",
      "warn",
    ],
    false,
  );
  const url = `http://${HOST}:${port}`;
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        const probe = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) });
        await probe.body?.cancel();
        if (probe.status === 404) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline)
        throw new Error(`the insert bench's Worker did not start:\n${worker.output()}`);
      await sleep(200);
    }
    const time = async (mode: "single" | "batched", count: number, offset: number) => {
      const events = Array.from({ length: count }, (_, i) => ingestEvent(Date.now(), offset + i));
      const response = await fetch(`${url}/${mode}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(events),
        signal: AbortSignal.timeout(300_000),
      });
      if (response.status !== 200)
        throw new Error(`${mode}: HTTP ${response.status} ${await response.text()}`);
      const result = (await response.json()) as { rows: number; ms: number };
      if (result.rows !== count) throw new Error(`${mode}: wrote ${result.rows} of ${count}`);
      return result.ms;
    };
    // Warm both paths, then alternate so drift falls on both alike. Batches are the consumer's largest run.
    await time("single", 100, 0);
    await time("batched", 200, 100);
    let singleMs = 0;
    let batchedMs = 0;
    const rounds = 2;
    const perRound = events / rounds;
    for (let round = 0; round < rounds; round++) {
      singleMs += await time("single", perRound, 1_000_000 * (round + 1));
      for (let i = 0; i < perRound; i += 2_000) {
        batchedMs += await time("batched", Math.min(2_000, perRound - i), 2_000_000 * (round + 1) + i);
      }
    }
    const singlePerSecond = events / (singleMs / 1000);
    const batchedPerSecond = events / (batchedMs / 1000);
    return {
      events,
      singleMs,
      batchedMs,
      singlePerSecond,
      batchedPerSecond,
      ratio: batchedPerSecond / singlePerSecond,
    };
  } finally {
    await terminate(worker, 5_000);
    rmSync(dir, { recursive: true, force: true });
  }
}
