import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { api, initialize, mintToken, probeUrl, registerServer, shipEvents } from "./helpers.ts";

const TEAM = "sessions-api";
let admin: string;
let member: string;

interface SessionItem {
  id: string;
  source: string;
  server: string;
  subject: string;
  client: { name: string | null };
  machine: Record<string, unknown> | null;
  metrics: Record<string, unknown> | null;
  active: boolean;
  ended_at: string | null;
}

async function list(query: string, token = admin) {
  const response = await api("GET", `/api/v1/sessions?${query}`, token);
  expect(response.status).toBe(200);
  return response.json<{ items: SessionItem[]; next_cursor: string | null }>();
}

async function bridgeSession(): Promise<string> {
  const id = crypto.randomUUID();
  await api("POST", "/api/v1/ingest/sessions", member, {
    id,
    server: "local-files",
    client_name: "cursor",
    machine: { host: "laptop", os: "darwin", arch: "arm64", node: "v22.0.0", helmet: "0.1.0" },
    started_at: Date.now(),
  });
  const base = {
    direction: "client_to_server",
    kind: "request",
    status: "ok",
    error_code: null,
    latency_ms: 3,
  };
  const event = (n: number) => ({
    ...base,
    id: crypto.randomUUID(),
    ts: Date.now() + n,
    method: "tools/call",
    target: `tool-${n}`,
    request_id: String(n),
    bytes_in: 10,
    bytes_out: 20,
    decision: null,
    rule: null,
    redactions: null,
    params_excerpt: null,
    result_excerpt: null,
  });
  await shipEvents(member, id, [event(1), event(2), event(3)]);
  await api("POST", `/api/v1/ingest/sessions/${id}/metrics`, member, {
    at: Date.now(),
    totals: { calls: 3, errors: 0, bytes_in: 30, bytes_out: 60 },
    interval: {
      ms: 1_000,
      calls: 3,
      errors: 0,
      p50_ms: 3,
      p95_ms: 3,
      p99_ms: 3,
      bytes_in: 30,
      bytes_out: 60,
    },
  });
  return id;
}

beforeAll(async () => {
  admin = await mintToken({ team: TEAM });
  member = await mintToken({ team: TEAM, sub: "mia", roles: ["member"] });
  await registerServer(admin, "probe", probeUrl());
});

describe("/api/v1/sessions", () => {
  it("lists gateway sessions with their client, active until ended", async () => {
    const token = await initialize("probe", member, "sessions-client");
    await vi.waitFor(async () => {
      const { items } = await list("server=probe&source=gateway");
      expect(items[0]).toMatchObject({
        source: "gateway",
        subject: "mia",
        client: { name: "sessions-client" },
        active: true,
      });
    });
    const deleted = await SELF.fetch("https://gateway.test/mcp/probe", {
      method: "DELETE",
      headers: { authorization: `Bearer ${member}`, "mcp-session-id": token },
    });
    await deleted.text();
    expect(deleted.status).toBe(200);
    await vi.waitFor(async () => {
      const { items } = await list("server=probe&active=false");
      expect(items.map((item) => item.client.name)).toContain("sessions-client");
    });
  });

  it("shows a bridge session with its machine, metrics and event timeline, in pages", async () => {
    const id = await bridgeSession();
    const { items } = await list("source=bridge");
    expect(items.find((item) => item.id === id)).toMatchObject({
      server: "local-files",
      machine: { host: "laptop", os: "darwin" },
      metrics: { totals: { calls: 3 } },
    });
    const first = await (await api("GET", `/api/v1/sessions/${id}?limit=2`, admin)).json<{
      events: Array<{ target: string }>;
      events_next_cursor: string | null;
    }>();
    expect(first.events.map((event) => event.target)).toEqual(["tool-1", "tool-2"]);
    const second = await (
      await api("GET", `/api/v1/sessions/${id}?limit=2&cursor=${first.events_next_cursor}`, admin)
    ).json<{ events: Array<{ target: string }>; events_next_cursor: string | null }>();
    expect(second.events.map((event) => event.target)).toEqual(["tool-3"]);
    expect(second.events_next_cursor).toBeNull();
  });

  it("pages the list, filters by subject, and keeps other teams out", async () => {
    await bridgeSession();
    await bridgeSession();
    const page = await list("source=bridge&limit=1");
    expect(page.items).toHaveLength(1);
    const next = await list(`source=bridge&limit=1&cursor=${page.next_cursor}`);
    expect(next.items[0]?.id).not.toBe(page.items[0]?.id);
    expect((await list("subject=nobody")).items).toEqual([]);
    const stranger = await mintToken({ team: "elsewhere" });
    expect((await list("", stranger)).items).toEqual([]);
    const id = page.items[0]?.id ?? "";
    expect((await api("GET", `/api/v1/sessions/${id}`, stranger)).status).toBe(404);
    const bad = await api("GET", "/api/v1/sessions?cursor=not-a-cursor", admin);
    expect(bad.status).toBe(400);
  });
});
