import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { api, callTool, initialize, mcpPost, mintToken, probeUrl, registerServer } from "./helpers.ts";

interface LogItem {
  id: string;
  ts: string;
  session_id: string | null;
  server: string;
  subject: string;
  method: string | null;
  tool: string | null;
  status: string;
  error_code: number | null;
  latency_ms: number | null;
  bytes_in: number;
  bytes_out: number;
  direction: string;
  params_excerpt: string | null;
  result_excerpt: string | null;
}

interface Page {
  items: LogItem[];
  next_cursor: string | null;
}

let admin: string;

async function logs(query: string, token = admin): Promise<Page> {
  const response = await api("GET", `/api/v1/logs${query}`, token);
  expect(response.status).toBe(200);
  return response.json<Page>();
}

/** Events are written off the response path; wait (bounded) until the ones a test expects are there. */
async function logsUntil(query: string, ready: (page: Page) => boolean): Promise<Page> {
  let page: Page = { items: [], next_cursor: null };
  await vi.waitFor(
    async () => {
      page = await logs(query);
      if (!ready(page)) throw new Error(`not yet: ${page.items.length} items`);
    },
    { timeout: 5_000, interval: 50 },
  );
  return page;
}

beforeAll(async () => {
  admin = await mintToken();
  await registerServer(admin, "probe", probeUrl());
});

describe("/api/v1/logs", () => {
  it("records a tool call with its session, status, latency, bytes and a redacted excerpt", async () => {
    const session = await initialize("probe", admin);
    await callTool("probe", admin, session, "leak", {}, 21);
    const page = await logsUntil("?tool=leak", (p) => p.items.length === 1);
    const [item] = page.items;
    expect(item).toMatchObject({
      server: "probe",
      subject: "alice",
      method: "tools/call",
      tool: "leak",
      status: "ok",
      direction: "client_to_server",
      error_code: null,
    });
    expect(item?.session_id).toMatch(/^ses_/);
    expect(item?.latency_ms).toEqual(expect.any(Number));
    expect(item?.bytes_in).toBeGreaterThan(0);
    expect(item?.bytes_out).toBeGreaterThan(0);
    expect(item?.result_excerpt).toContain("[REDACTED:github_token]");
    expect(JSON.stringify(page)).not.toContain("ghp_0123456789");

    const sessions = await env.DB.prepare(
      "SELECT client_name, client_version, protocol_version, subject FROM sessions WHERE id = ?",
    )
      .bind(item?.session_id)
      .first();
    expect(sessions).toEqual({
      client_name: "worker-test",
      client_version: "1.2.3",
      protocol_version: "2025-06-18",
      subject: "alice",
    });
  });

  it("records refusals and upstream failures with their error codes", async () => {
    await mcpPost("probe", admin, null, { raw: "{not json" });
    await registerServer(admin, "gone", "http://127.0.0.1:9/mcp");
    await mcpPost("gone", admin, { jsonrpc: "2.0", id: 4, method: "initialize", params: {} });
    const refused = await logsUntil("?server=probe", (p) => p.items.some((i) => i.status === "rejected"));
    expect(refused.items.find((i) => i.status === "rejected")).toMatchObject({
      error_code: -32700,
      method: null,
    });
    const failed = await logsUntil("?server=gone", (p) => p.items.length > 0);
    expect(failed.items[0]).toMatchObject({ status: "upstream_error", method: "initialize" });
  });

  it("marks a response too large to inspect as uninspected, not incomplete", async () => {
    const session = await initialize("probe", admin);
    const { response } = await callTool("probe", admin, session, "blob", { bytes: 5 * 1024 * 1024 }, 41);
    expect(response.status).toBe(200);
    const page = await logsUntil("?tool=blob", (p) => p.items.length === 1);
    expect(page.items[0]).toMatchObject({ status: "uninspected" });
    expect(page.items[0]?.bytes_out).toBeGreaterThan(5 * 1024 * 1024);
  });

  it("logs a cancelled call as cancelled at once and closes its stream", async () => {
    const session = await initialize("probe", admin);
    const call = await mcpPost(
      "probe",
      admin,
      { jsonrpc: "2.0", id: 51, method: "tools/call", params: { name: "sleep", arguments: { ms: 30_000 } } },
      { sessionId: session },
    );
    expect(call.status).toBe(200);
    const streamEnded = call.text();
    const cancel = await mcpPost(
      "probe",
      admin,
      {
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: 51, reason: "changed my mind" },
      },
      { sessionId: session },
    );
    expect(cancel.status).toBe(202);
    // The relay ends instead of waiting 30 s for a response that will never come.
    await streamEnded;
    const page = await logsUntil("?tool=sleep", (p) => p.items.some((i) => i.status === "cancelled"));
    expect(page.items.find((i) => i.status === "cancelled")).toMatchObject({ method: "tools/call" });
  });

  it("records a refused GET stream", async () => {
    await SELF.fetch("https://gateway.test/mcp/probe", {
      headers: { authorization: `Bearer ${admin}`, accept: "text/event-stream", "mcp-session-id": "1.bogus" },
    });
    const page = await logsUntil("?server=probe", (p) => p.items.some((i) => i.error_code === -32001));
    expect(page.items.find((i) => i.error_code === -32001)).toMatchObject({
      status: "rejected",
      method: null,
    });
  });

  it("filters by server, subject, method, session and time, newest first", async () => {
    const bob = await mintToken({ sub: "bob", roles: ["member"] });
    const bobSession = await initialize("probe", bob);
    await callTool("probe", bob, bobSession, "sleep", { ms: 0 }, 31);
    const bobs = await logsUntil("?subject=bob&method=tools/call", (p) => p.items.length === 1);
    expect(bobs.items[0]).toMatchObject({ subject: "bob", tool: "sleep" });

    const sessionId = bobs.items[0]?.session_id ?? "";
    const inSession = await logs(`?session=${sessionId}`);
    expect(inSession.items.map((i) => i.method)).toEqual([
      "tools/call",
      "notifications/initialized",
      "initialize",
    ]);

    const all = await logs("");
    const times = all.items.map((i) => Date.parse(i.ts));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect((await logs(`?since=${Date.now() + 60_000}`)).items).toEqual([]);
    expect((await logs(`?until=2000-01-01T00:00:00Z`)).items).toEqual([]);
  });

  it("pages with a cursor without repeating or skipping events, even while new ones arrive", async () => {
    await registerServer(admin, "paging", probeUrl());
    const session = await initialize("paging", admin);
    for (let i = 0; i < 5; i++) await callTool("paging", admin, session, "sleep", { ms: 0 }, 100 + i);
    const query = "?server=paging&method=tools/call";
    const everything = await logsUntil(query, (p) => p.items.length === 5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await logs(`${query}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.next_cursor;
      // A new event arriving mid-pagination lands before the first page, not inside the walk.
      if (seen.length === 2) {
        await callTool("paging", admin, session, "sleep", { ms: 0 }, 200);
        await logsUntil(query, (p) => p.items.length === 6);
      }
    } while (cursor);
    expect(seen).toEqual(everything.items.map((i) => i.id));
  });

  it("shows a team only its own events", async () => {
    const other = await mintToken({ team: "globex" });
    const page = await logs("?server=probe", other);
    expect(page.items).toEqual([]);
  });

  it("explains bad query parameters with 400", async () => {
    for (const [query, field] of [
      ["?limit=0", "limit"],
      ["?limit=abc", "limit"],
      ["?since=yesterday", "since"],
    ] as const) {
      const response = await api("GET", `/api/v1/logs${query}`, admin);
      expect(response.status, query).toBe(400);
      expect((await response.json<{ error: { message: string } }>()).error.message).toContain(`'${field}'`);
    }
    const badCursor = await api("GET", "/api/v1/logs?cursor=bm90LWEtY3Vyc29y", admin);
    expect(badCursor.status).toBe(400);
    expect((await badCursor.json<{ error: { message: string } }>()).error.message).toContain("cursor");
  });
});
