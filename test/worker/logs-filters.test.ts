// /api/v1/logs filters beyond server, session and tool: status and error code, direction, latency, text search
// and sort order, on events a bridge shipped (so every field is under the test's control).
import { beforeAll, describe, expect, it } from "vitest";
import { api, ingestEvent, mintToken, openBridgeSession, shipEvents } from "./helpers.ts";

const TEAM = "logs-filters";
let token: string;
const t0 = Date.now() - 60_000;

const event = (n: number, overrides: Record<string, unknown>) =>
  ingestEvent({ ts: t0 + n, request_id: String(n), latency_ms: 5, ...overrides });

async function targets(query: string): Promise<string[]> {
  const response = await api("GET", `/api/v1/logs?server=filtered&${query}`, token);
  expect(response.status).toBe(200);
  return (await response.json<{ items: Array<{ target: string }> }>()).items.map((item) => item.target);
}

beforeAll(async () => {
  token = await mintToken({ team: TEAM, roles: ["member"] });
  const session = await openBridgeSession(token, "filtered", t0);
  const batch = [
    event(1, { target: "a-ok" }),
    event(2, { target: "b-slow", latency_ms: 900 }),
    event(3, {
      target: "c-error",
      status: "error",
      error_code: -32602,
      result_excerpt: '{"message":"bad path"}',
    }),
    event(4, {
      target: "d-server",
      direction: "server_to_client",
      kind: "notification",
      method: "notifications/message",
    }),
    event(5, { target: "e-text", params_excerpt: '{"path":"/srv/100%_done"}' }),
  ];
  await shipEvents(token, session, batch);
});

describe("/api/v1/logs filters", () => {
  it("filters by status, error code, direction and latency", async () => {
    expect(await targets("status=error")).toEqual(["c-error"]);
    expect(await targets("error_code=-32602")).toEqual(["c-error"]);
    expect(await targets("direction=server_to_client")).toEqual(["d-server"]);
    expect(await targets("min_latency_ms=100")).toEqual(["b-slow"]);
  });

  it("finds text in targets and excerpts literally, wildcards included", async () => {
    expect(await targets("q=bad%20path")).toEqual(["c-error"]);
    expect(await targets("q=slow")).toEqual(["b-slow"]);
    // % and _ are literal characters, not patterns.
    expect(await targets(`q=${encodeURIComponent("100%_")}`)).toEqual(["e-text"]);
    expect(await targets(`q=${encodeURIComponent("%")}`)).toEqual(["e-text"]);
  });

  it("sorts newest or oldest first, with cursors that keep the order", async () => {
    expect(await targets("")).toEqual(["e-text", "d-server", "c-error", "b-slow", "a-ok"]);
    expect(await targets("sort=oldest")).toEqual(["a-ok", "b-slow", "c-error", "d-server", "e-text"]);
    const first = await (await api("GET", "/api/v1/logs?server=filtered&sort=oldest&limit=2", token)).json<{
      items: Array<{ target: string }>;
      next_cursor: string;
    }>();
    expect(first.items.map((item) => item.target)).toEqual(["a-ok", "b-slow"]);
    expect(await targets(`sort=oldest&limit=2&cursor=${first.next_cursor}`)).toEqual(["c-error", "d-server"]);
  });

  it("lists violations for audit: denials, would-deny decisions, redactions and rug pulls, nothing else", async () => {
    const session = await openBridgeSession(token, "audited", t0);
    const batch = [
      event(11, { target: "allowed", decision: "allow" }),
      event(12, { target: "denied", decision: "deny", status: "denied", rule: "no-rm" }),
      event(13, { target: "watched", decision: "would_deny", rule: "trial" }),
      event(14, {
        target: "scrubbed",
        decision: "redact",
        redactions: [{ detector: "github-token", path: "$.result" }],
      }),
      event(15, { target: "plain" }),
    ];
    await shipEvents(token, session, batch);
    const response = await api("GET", "/api/v1/violations?server=audited&sort=oldest", token);
    expect(response.status).toBe(200);
    const { items } = await response.json<{ items: Array<{ target: string }> }>();
    expect(items.map((item) => item.target)).toEqual(["denied", "watched", "scrubbed"]);
  });

  it("refuses values it cannot use", async () => {
    const bad = await api("GET", "/api/v1/logs?status=exploded&min_latency_ms=-1", token);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("status");
  });
});
