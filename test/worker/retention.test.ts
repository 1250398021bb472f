// The daily retention job, run through the Worker's scheduled handler as the Cron Trigger runs it.
import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index.ts";
import { storeEvents } from "../../src/logging/event-queue.ts";
import { DELETE_CHUNK } from "../../src/logging/retention.ts";
import { storedEvent } from "./helpers.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 21, 3, 17);

const row = (ts: number) =>
  storedEvent({
    ts,
    team: "retention",
    latencyMs: 1,
    bytesIn: 1,
    bytesOut: 1,
    decision: null,
    paramsExcerpt: null,
  });

async function count(sql: string): Promise<number> {
  return (await env.DB.prepare(sql).first<{ n: number }>())?.n ?? -1;
}

async function addSession(id: string, lastSeenAt: number) {
  await env.DB.prepare(
    "INSERT INTO sessions (id, team, server_id, server, subject, started_at, last_seen_at) VALUES (?, 'retention', 's', 'everything', 'ana', ?, ?)",
  )
    .bind(id, lastSeenAt - 1_000, lastSeenAt)
    .run();
}

async function runRetention(vars: Partial<Env> = {}) {
  const ctx = createExecutionContext();
  const logs = vi.spyOn(console, "log").mockImplementation(() => {});
  worker.scheduled(
    createScheduledController({ scheduledTime: NOW, cron: "17 3 * * *" }),
    { ...env, ...vars },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  logs.mockRestore();
}

describe("retention", () => {
  it("deletes events and sessions older than EVENT_RETENTION_DAYS, in chunks, and keeps the rest", async () => {
    // More old events than one delete statement takes, so the chunk loop has to go round.
    const old = Array.from({ length: DELETE_CHUNK + 7 }, (_, i) => row(NOW - 31 * DAY - i));
    const recent = [row(NOW - 29 * DAY), row(NOW - DAY), row(NOW)];
    for (let i = 0; i < old.length; i += 1_000) await storeEvents(env.DB, old.slice(i, i + 1_000), new Map());
    await storeEvents(env.DB, recent, new Map());
    await addSession("stale", NOW - 40 * DAY);
    await addSession("live", NOW - 2 * DAY);

    await runRetention({ EVENT_RETENTION_DAYS: "30" });

    expect(await count("SELECT count(*) AS n FROM events WHERE team = 'retention'")).toBe(recent.length);
    // The metric rollup forgets the same hours: only the recent events' hours are left, each dimension once.
    const rollupHours = await env.DB.prepare(
      "SELECT DISTINCT hour FROM metric_rollups WHERE team = 'retention' ORDER BY hour",
    ).all<{ hour: number }>();
    expect(rollupHours.results.map((row) => row.hour)).toEqual(
      recent.map((event) => event.ts - (event.ts % 3_600_000)),
    );
    const { results } = await env.DB.prepare("SELECT id FROM sessions WHERE team = 'retention'").all<{
      id: string;
    }>();
    expect(results.map((session) => session.id)).toEqual(["live"]);
  });

  it("keeps everything when EVENT_RETENTION_DAYS is 0", async () => {
    await storeEvents(env.DB, [row(NOW - 3_000 * DAY)], new Map());
    const before = await count("SELECT count(*) AS n FROM events");
    await runRetention({ EVENT_RETENTION_DAYS: "0" });
    expect(await count("SELECT count(*) AS n FROM events")).toBe(before);
  });

  it("refuses a retention setting that is not a whole number of days, deleting nothing", async () => {
    await storeEvents(env.DB, [row(NOW - 3_000 * DAY)], new Map());
    const before = await count("SELECT count(*) AS n FROM events");
    const ctx = createExecutionContext();
    const job = worker.scheduled(
      createScheduledController({ scheduledTime: NOW }),
      { ...env, EVENT_RETENTION_DAYS: "a month" },
      ctx,
    );
    expect(job).toBeUndefined();
    await expect(waitOnExecutionContext(ctx)).rejects.toThrow(/EVENT_RETENTION_DAYS must be an integer/);
    expect(await count("SELECT count(*) AS n FROM events")).toBe(before);
  });
});
