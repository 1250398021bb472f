// The events queue: how the producer cuts messages, and what the consumer does with a run of them (one batched
// write, duplicates stored once, a bad message held back alone, an unreadable one dropped), and the direct write
// when the real queue refuses a message.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index.ts";
import {
  enqueueEvents,
  eventMessages,
  MAX_MESSAGE_BYTES,
  MAX_ROWS_PER_MESSAGE,
} from "../../src/logging/event-queue.ts";
import type { StoredEvent } from "../../src/logging/log-store.ts";
import { storedEvent } from "./helpers.ts";

const utf8 = (text: string) => new TextEncoder().encode(text).length;

async function storedIds(ids: readonly string[]): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT id FROM events WHERE id IN (SELECT value FROM json_each(?))",
  )
    .bind(JSON.stringify(ids))
    .all<{ id: string }>();
  return results.map((row) => row.id).sort();
}

/** Runs the Worker's queue handler on `bodies`, as the queue would deliver them. */
async function consume(bodies: unknown[], attempts = 1) {
  const batch = createMessageBatch(
    "helmet-events",
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: Date.now(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

describe("the producer's messages", () => {
  it("hold every event once, within the row and size limits, with the touches in the first", () => {
    const small = Array.from({ length: 450 }, () => storedEvent());
    const touches = new Map([["session-1", 123]]);
    const messages = eventMessages(small, touches).map((body) => JSON.parse(body));
    expect(messages.map((m) => m.rows.length)).toEqual([MAX_ROWS_PER_MESSAGE, MAX_ROWS_PER_MESSAGE, 50]);
    expect(messages.map((m) => m.touches)).toEqual([[["session-1", 123]], [], []]);

    // Bridge excerpts may be 8,192 characters: a character may take 3 bytes on the wire, and an emoji (two UTF-16
    // units) 4.
    for (const char of ["€", "🛡"]) {
      const repeat = 8_192 / char.length;
      const wide = Array.from({ length: 40 }, () =>
        storedEvent({ paramsExcerpt: char.repeat(repeat), resultExcerpt: char.repeat(repeat) }),
      );
      const bodies = eventMessages(wide, new Map());
      for (const body of bodies) expect(utf8(body), char).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      const ids = bodies.flatMap((body) => JSON.parse(body).rows.map((row: StoredEvent) => row.id));
      expect(ids).toEqual(wide.map((row) => row.id));
    }
  });

  it("are only a touch when there are no events", () => {
    expect(eventMessages([], new Map([["s", 1]])).map((body) => JSON.parse(body))).toEqual([
      { v: 1, rows: [], touches: [["s", 1]] },
    ]);
    expect(eventMessages([], new Map())).toEqual([]);
  });
});

describe("the consumer", () => {
  it("writes a run of messages at once, storing an event delivered twice only once, and moves last_seen_at", async () => {
    const sessionId = crypto.randomUUID();
    await env.DB.prepare(
      "INSERT INTO sessions (id, team, server_id, server, subject, started_at, last_seen_at) VALUES (?, ?, 's', 'everything', 'ana', 1000, 1000)",
    )
      .bind(sessionId, "queue-tests")
      .run();
    const first = Array.from({ length: 250 }, () => storedEvent({ sessionId }));
    const second = [storedEvent({ sessionId }), ...first.slice(0, 10)];
    const bodies = [
      ...eventMessages(first, new Map([[sessionId, 5_000]])),
      ...eventMessages(second, new Map([[sessionId, 9_000]])),
    ];
    const result = await consume(bodies);
    expect(result.explicitAcks.sort()).toEqual(bodies.map((_, i) => `m${i}`).sort());
    expect(result.retryMessages).toEqual([]);
    const all = [...first, ...second];
    expect(await storedIds(all.map((row) => row.id))).toEqual([...new Set(all.map((row) => row.id))].sort());

    // Redelivered (a retry after a write that had in fact succeeded): still once each.
    await consume(bodies, 2);
    const { count } = (await env.DB.prepare("SELECT count(*) AS count FROM events WHERE session_id = ?")
      .bind(sessionId)
      .first<{ count: number }>()) ?? { count: 0 };
    expect(count).toBe(251);
    const session = await env.DB.prepare("SELECT last_seen_at FROM sessions WHERE id = ?")
      .bind(sessionId)
      .first<{ last_seen_at: number }>();
    expect(session?.last_seen_at).toBe(9_000);
  });

  it("holds back only the message D1 refuses, retrying it later, and writes the rest", async () => {
    const good = storedEvent();
    const poison = storedEvent({ team: null as unknown as string });
    const bodies = [...eventMessages([good], new Map()), ...eventMessages([poison], new Map())];
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const result = await consume(bodies, 3);
    expect(errors).toHaveBeenCalledWith(
      expect.stringContaining("it will be retried"),
      expect.objectContaining({ id: "m1", error: expect.stringContaining("NOT NULL constraint failed") }),
    );
    warnings.mockRestore();
    errors.mockRestore();
    expect(result.explicitAcks).toEqual(["m0"]);
    // (The test harness does not report the retry's delay: 8 s here, backing off with the attempts.)
    expect(result.retryMessages).toEqual([{ msgId: "m1" }]);
    expect(await storedIds([good.id, poison.id])).toEqual([good.id]);
  });

  it("drops a message it cannot read (a retry could never succeed) and writes the others", async () => {
    const good = storedEvent();
    const bodies = ["not json", JSON.stringify({ v: 2, rows: [] }), ...eventMessages([good], new Map())];
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const result = await consume(bodies);
    errors.mockRestore();
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
    expect(result.retryMessages).toEqual([]);
    expect(await storedIds([good.id])).toEqual([good.id]);
  });
});

describe("sending", () => {
  it("goes through the real queue to D1", async () => {
    const rows = Array.from({ length: 5 }, () => storedEvent());
    await enqueueEvents(env, rows, new Map());
    await vi.waitFor(
      async () => expect(await storedIds(rows.map((row) => row.id))).toHaveLength(rows.length),
      { timeout: 5_000, interval: 50 },
    );
  });

  it("writes to D1 at once what the queue refuses, losing nothing", async () => {
    // Larger than any message the queue takes (128 KB): the real queue refuses it.
    const oversized = storedEvent({ paramsExcerpt: "x".repeat(200_000) });
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    await enqueueEvents(env, [oversized], new Map());
    expect(warnings).toHaveBeenCalledWith(
      expect.stringContaining("the events queue refused a send"),
      expect.anything(),
    );
    warnings.mockRestore();
    expect(await storedIds([oversized.id])).toEqual([oversized.id]);
  });
});
