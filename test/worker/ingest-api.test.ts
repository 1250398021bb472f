import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { api, mintToken } from "./helpers.ts";

const TEAM = "ingest";
let member: string;
let other: string;

const session = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  server: "filesystem",
  client_name: "claude-desktop",
  client_version: "1.0.0",
  protocol_version: "2025-06-18",
  machine: { host: "laptop", os: "linux", arch: "x64", node: "v20.20.2", helmet: "0.1.0" },
  started_at: Date.now() - 1_000,
  ...extra,
});

const event = (overrides: Record<string, unknown> = {}) => ({
  id: crypto.randomUUID(),
  ts: Date.now(),
  direction: "client_to_server",
  kind: "request",
  method: "tools/call",
  target: "read_file",
  request_id: "1",
  status: "ok",
  error_code: null,
  latency_ms: 12,
  bytes_in: 80,
  bytes_out: 400,
  decision: "allow",
  rule: null,
  redactions: null,
  params_excerpt: '{"name":"read_file","arguments":{"path":"/tmp/x"}}',
  result_excerpt: '{"content":[{"type":"text","text":"hello"}]}',
  ...overrides,
});

async function logsOf(sessionId: string) {
  const page = await (await api("GET", `/api/v1/logs?session=${sessionId}&limit=500`, member)).json<{
    items: Array<Record<string, unknown>>;
  }>();
  return page.items;
}

/** Events reach the logs through the queue: waits (bounded) until the session holds `count` of them. */
async function logsWhen(sessionId: string, count: number) {
  let items: Array<Record<string, unknown>> = [];
  await vi.waitFor(
    async () => {
      items = await logsOf(sessionId);
      if (items.length < count) throw new Error(`${items.length} of ${count} events so far`);
    },
    { timeout: 5_000, interval: 50 },
  );
  return items;
}

/**
 * Sends one last event and waits for it, so everything sent before it has been through the queue: what is
 * missing then was not stored.
 */
async function settled(sessionId: string, token = member) {
  const marker = event({ target: "marker" });
  const sent = await api("POST", "/api/v1/ingest/events", token, { session_id: sessionId, events: [marker] });
  expect(sent.status).toBe(202);
  await vi.waitFor(
    async () => {
      if (!(await logsOf(sessionId)).some((item) => item.id === marker.id))
        throw new Error("marker not in yet");
    },
    { timeout: 5_000, interval: 50 },
  );
  return (await logsOf(sessionId)).filter((item) => item.id !== marker.id);
}

beforeAll(async () => {
  member = await mintToken({ team: TEAM, sub: "dana", roles: ["member"] });
  other = await mintToken({ team: TEAM, sub: "eve", roles: ["member"] });
});

describe("/api/v1/ingest", () => {
  it("registers a bridge session once, and refuses its id to anyone else", async () => {
    const id = crypto.randomUUID();
    expect((await api("POST", "/api/v1/ingest/sessions", member, session(id))).status).toBe(201);
    expect((await api("POST", "/api/v1/ingest/sessions", member, session(id))).status).toBe(200);
    const taken = await api("POST", "/api/v1/ingest/sessions", other, session(id));
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({ error: { code: "session_exists" } });
    const row = await env.DB.prepare("SELECT source, machine, subject, server FROM sessions WHERE id = ?")
      .bind(id)
      .first<{ source: string; machine: string; subject: string; server: string }>();
    expect(row).toMatchObject({ source: "bridge", subject: "dana", server: "filesystem" });
    expect(JSON.parse(row?.machine ?? "{}")).toMatchObject({ host: "laptop", helmet: "0.1.0" });
  });

  it("stores a batch under the session's team, server and subject, once however often it is sent", async () => {
    const id = crypto.randomUUID();
    await api("POST", "/api/v1/ingest/sessions", member, session(id));
    const events = [
      event(),
      event({ direction: "server_to_client", kind: "notification", method: "notifications/message" }),
    ];
    const batch = { session_id: id, events };
    expect((await api("POST", "/api/v1/ingest/events", member, batch)).status).toBe(202);
    expect((await api("POST", "/api/v1/ingest/events", member, batch)).status).toBe(202);
    const items = await settled(id);
    expect(items).toHaveLength(2);
    expect(items.map((item) => item.id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(items[0]).toMatchObject({ server: "filesystem", subject: "dana", session_id: id });
  });

  it("redacts excerpts again, whatever the bridge sent", async () => {
    const id = crypto.randomUUID();
    await api("POST", "/api/v1/ingest/sessions", member, session(id));
    const leaky = event({ result_excerpt: "token ghp_0123456789abcdefghijABCDEFGHIJ012345 here" });
    await api("POST", "/api/v1/ingest/events", member, { session_id: id, events: [leaky] });
    const [item] = await logsWhen(id, 1);
    expect(String(item?.result_excerpt)).toContain("[REDACTED:");
    expect(JSON.stringify(item)).not.toContain("ghp_0123456789");
  });

  it("refuses bad batches with a clear error and stores nothing of them", async () => {
    const id = crypto.randomUUID();
    await api("POST", "/api/v1/ingest/sessions", member, session(id));
    const bad = await api("POST", "/api/v1/ingest/events", member, {
      session_id: id,
      events: [event(), event({ status: "exploded" })],
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("events.1.status");
    const stale = await api("POST", "/api/v1/ingest/events", member, {
      session_id: id,
      events: [event({ ts: Date.now() - 40 * 24 * 3_600_000 })],
    });
    expect(stale.status).toBe(400);
    const tooMany = await api("POST", "/api/v1/ingest/events", member, {
      session_id: id,
      events: Array.from({ length: 501 }, () => event()),
    });
    expect(tooMany.status).toBe(400);
    const huge = await api("POST", "/api/v1/ingest/events", member, {
      session_id: id,
      events: [event({ params_excerpt: "x".repeat(8_000) })],
      padding: "y".repeat(3 * 1024 * 1024),
    });
    expect(huge.status).toBe(413);
    expect(await settled(id)).toEqual([]);
  });

  it("keeps sessions to their owner: another member, a viewer and another team get nothing in", async () => {
    const id = crypto.randomUUID();
    await api("POST", "/api/v1/ingest/sessions", member, session(id));
    const batch = { session_id: id, events: [event()] };
    expect((await api("POST", "/api/v1/ingest/events", other, batch)).status).toBe(404);
    const viewer = await mintToken({ team: TEAM, sub: "dana", roles: ["viewer"] });
    expect((await api("POST", "/api/v1/ingest/events", viewer, batch)).status).toBe(403);
    const stranger = await mintToken({ team: "elsewhere", sub: "dana", roles: ["member"] });
    expect((await api("POST", "/api/v1/ingest/events", stranger, batch)).status).toBe(404);
    expect(await settled(id)).toEqual([]);
  });

  it("keeps a session's latest metrics, newest first even when an older report arrives late", async () => {
    const id = crypto.randomUUID();
    await api("POST", "/api/v1/ingest/sessions", member, session(id));
    const report = (at: number, calls: number) => ({
      at,
      totals: { calls, errors: 1, bytes_in: 100, bytes_out: 900 },
      interval: {
        ms: 30_000,
        calls,
        errors: 1,
        p50_ms: 2.5,
        p95_ms: 9,
        p99_ms: 12,
        bytes_in: 100,
        bytes_out: 900,
      },
    });
    const now = Date.now();
    expect((await api("POST", `/api/v1/ingest/sessions/${id}/metrics`, member, report(now, 7))).status).toBe(
      204,
    );
    expect(
      (await api("POST", `/api/v1/ingest/sessions/${id}/metrics`, member, report(now - 60_000, 3))).status,
    ).toBe(204);
    const row = await env.DB.prepare("SELECT metrics FROM sessions WHERE id = ?")
      .bind(id)
      .first<{ metrics: string }>();
    expect(JSON.parse(row?.metrics ?? "{}")).toMatchObject({ at: now, totals: { calls: 7 } });
    const bad = await api("POST", `/api/v1/ingest/sessions/${id}/metrics`, member, { at: now, totals: {} });
    expect(bad.status).toBe(400);
    expect((await api("POST", `/api/v1/ingest/sessions/${id}/metrics`, other, report(now, 1))).status).toBe(
      404,
    );
  });

  it("ends a session", async () => {
    const id = crypto.randomUUID();
    await api("POST", "/api/v1/ingest/sessions", member, session(id));
    const endedAt = Date.now();
    expect(
      (await api("POST", `/api/v1/ingest/sessions/${id}/end`, member, { ended_at: endedAt })).status,
    ).toBe(204);
    const row = await env.DB.prepare("SELECT ended_at FROM sessions WHERE id = ?")
      .bind(id)
      .first<{ ended_at: number }>();
    expect(row?.ended_at).toBe(endedAt);
    expect(
      (await api("POST", `/api/v1/ingest/sessions/${id}/end`, other, { ended_at: endedAt })).status,
    ).toBe(404);
  });
});
