import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  api,
  callTool,
  GATEWAY,
  INITIALIZE,
  initialize,
  MCP_ACCEPT,
  mcpPost,
  messagesOf,
  mintToken,
  probeUrl,
  registerServer,
} from "./helpers.ts";

let admin: string;

beforeAll(async () => {
  admin = await mintToken();
  await registerServer(admin, "probe", probeUrl(), {
    headers: { "x-upstream-key": "upstream-secret-value" },
  });
  await registerServer(admin, "stateless", probeUrl("/mcp-stateless"));
});

/**
 * Opens a session and waits (bounded) until the gateway has written its record: records are written off the
 * response path, and recovering a lost upstream session needs them. A unique client name finds the record.
 */
async function initializeRecorded(server: string): Promise<string> {
  const clientName = `recorded-${crypto.randomUUID()}`;
  const session = await initialize(server, admin, clientName);
  await vi.waitFor(
    async () => {
      const row = await env.DB.prepare("SELECT id FROM sessions WHERE client_name = ?")
        .bind(clientName)
        .first();
      if (!row) throw new Error("session not recorded yet");
    },
    { timeout: 5_000, interval: 20 },
  );
  return session;
}

/** The JSON-RPC error body the gateway answers with. */
async function rpcError(response: Response) {
  return (await response.json()) as {
    jsonrpc: string;
    id: unknown;
    error: { code: number; message: string; data?: { code: string } };
  };
}

describe("proxying", () => {
  it("opens a session with a gateway-minted id and relays tool calls", async () => {
    const response = await mcpPost("probe", admin, INITIALIZE);
    expect(response.status).toBe(200);
    const sessionId = response.headers.get("mcp-session-id") ?? "";
    expect(sessionId).toMatch(/^1\.[A-Za-z0-9_-]+$/);
    const [result] = await messagesOf(response);
    expect(result).toMatchObject({ id: 0, result: { serverInfo: { name: "helmet-probe" } } });

    const session = await initialize("probe", admin);
    const { message } = await callTool("probe", admin, session, "sleep", { ms: 1 });
    expect(message).toMatchObject({ result: { content: [{ type: "text", text: "slept 1 ms" }] } });
  });

  it("sends the server's own credentials upstream and never the client's token or cookies", async () => {
    const session = await initialize("probe", admin);
    const response = await mcpPost(
      "probe",
      admin,
      { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "whoami", arguments: {} } },
      {
        sessionId: session,
        headers: {
          cookie: "sid=browser-cookie",
          "x-forwarded-for": "10.0.0.1",
          "mcp-protocol-version": "2025-06-18",
        },
      },
    );
    const [message] = await messagesOf(response);
    const received = JSON.parse(
      (message as { result: { content: Array<{ text: string }> } }).result.content[0]?.text ?? "{}",
    );
    expect(received["x-upstream-key"]).toBe("upstream-secret-value");
    expect(received["mcp-protocol-version"]).toBe("2025-06-18");
    expect(received.authorization).toBeUndefined();
    expect(received.cookie).toBeUndefined();
    expect(received["x-forwarded-for"]).toBeUndefined();
    expect(JSON.stringify(received)).not.toContain(admin);
    // The upstream sees its own session id, not the one the gateway gave the client.
    expect(received["mcp-session-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers notifications with 202 and no body", async () => {
    const session = await initialize("probe", admin);
    const response = await mcpPost(
      "probe",
      admin,
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { sessionId: session },
    );
    expect(response.status).toBe(202);
    expect(await response.text()).toBe("");
  });

  it("relays a 2025-03-26 batch and logs each of its requests", async () => {
    const init = await mcpPost("probe", admin, {
      ...INITIALIZE,
      params: { ...INITIALIZE.params, protocolVersion: "2025-03-26" },
    });
    const session = init.headers.get("mcp-session-id") ?? "";
    await init.text();
    const headers = { "mcp-protocol-version": "2025-03-26" };
    await (
      await mcpPost(
        "probe",
        admin,
        { jsonrpc: "2.0", method: "notifications/initialized" },
        { sessionId: session, headers },
      )
    ).text();
    const response = await mcpPost(
      "probe",
      admin,
      [
        { jsonrpc: "2.0", id: "a", method: "tools/call", params: { name: "sleep", arguments: { ms: 1 } } },
        { jsonrpc: "2.0", id: "b", method: "tools/call", params: { name: "sleep", arguments: { ms: 2 } } },
      ],
      { sessionId: session, headers },
    );
    expect(response.status).toBe(200);
    const answers = await messagesOf(response);
    const flat = answers.flatMap((m) => (Array.isArray(m) ? m : [m]));
    expect(flat.map((m) => m.id).sort()).toEqual(["a", "b"]);
    await vi.waitFor(
      async () => {
        const page = await (await api("GET", "/api/v1/logs?tool=sleep&limit=500", admin)).json<{
          items: Array<{ request_id: string; status: string }>;
        }>();
        const batch = page.items.filter((i) => i.request_id === "a" || i.request_id === "b");
        if (batch.length !== 2 || batch.some((i) => i.status !== "ok"))
          throw new Error("batch not logged yet");
      },
      { timeout: 5_000, interval: 50 },
    );
  });

  it("works with a stateless upstream that issues no session id", async () => {
    const session = await initialize("stateless", admin);
    const { message } = await callTool("stateless", admin, session, "sleep", { ms: 0 });
    expect(message).toMatchObject({ result: { content: [{ text: "slept 0 ms" }] } });
  });
});

describe("sessions", () => {
  it("gives another subject presenting a session id a 404", async () => {
    const session = await initialize("probe", admin);
    const bob = await mintToken({ sub: "bob" });
    const response = await mcpPost(
      "probe",
      bob,
      { jsonrpc: "2.0", id: 3, method: "tools/list" },
      { sessionId: session },
    );
    expect(response.status).toBe(404);
    expect(await rpcError(response)).toMatchObject({
      id: 3,
      error: { code: -32001, data: { code: "session_not_found" } },
    });
    // The owner's session is unharmed.
    const { message } = await callTool("probe", admin, session, "sleep", { ms: 0 });
    expect(message).toHaveProperty("result");
  });

  it("gives another team's member the same subject name a 404", async () => {
    const session = await initialize("probe", admin);
    await registerServer(await mintToken({ team: "globex" }), "probe", probeUrl());
    const otherTeam = await mintToken({ team: "globex" });
    const response = await mcpPost(
      "probe",
      otherTeam,
      { jsonrpc: "2.0", id: 3, method: "tools/list" },
      { sessionId: session },
    );
    expect(response.status).toBe(404);
  });

  it("answers a tampered or made-up session id with 404", async () => {
    const session = await initialize("probe", admin);
    const tampered = `${session.slice(0, -4)}AAAA`;
    for (const sessionId of [tampered, "made-up", "1.AAAA"]) {
      const response = await mcpPost(
        "probe",
        admin,
        { jsonrpc: "2.0", id: 1, method: "tools/list" },
        { sessionId },
      );
      expect(response.status).toBe(404);
    }
  });

  it("re-initialises an upstream that lost the session, so the client's session keeps working", async () => {
    const session = await initializeRecorded("probe");
    await fetch(probeUrl("/forget-sessions"), { method: "POST" });
    const { response, message } = await callTool("probe", admin, session, "sleep", { ms: 0 }, 11);
    expect(response.status).toBe(200);
    expect(message).toMatchObject({ id: 11, result: { content: [{ text: "slept 0 ms" }] } });
    // And again: the replacement upstream session is remembered.
    const again = await callTool("probe", admin, session, "sleep", { ms: 0 }, 12);
    expect(again.message).toMatchObject({ id: 12 });
  });

  it("also recovers from the 400 'No valid session ID' that SDK-example servers send", async () => {
    await registerServer(admin, "probe-400", probeUrl("/mcp-lost-400"));
    const session = await initializeRecorded("probe-400");
    await fetch(probeUrl("/forget-sessions"), { method: "POST" });
    const { response, message } = await callTool("probe-400", admin, session, "sleep", { ms: 0 }, 13);
    expect(response.status).toBe(200);
    expect(message).toMatchObject({ id: 13, result: { content: [{ text: "slept 0 ms" }] } });
  });

  it("answers 404 when a lost session cannot be recovered, so the client re-initialises cleanly", async () => {
    // Wait for the record first, so the deletion below cannot race the (batched) write of it.
    const session = await initializeRecorded("probe");
    await fetch(probeUrl("/forget-sessions"), { method: "POST" });
    await env.DB.prepare("DELETE FROM sessions").run();
    const response = await mcpPost(
      "probe",
      admin,
      { jsonrpc: "2.0", id: 14, method: "tools/list" },
      { sessionId: session },
    );
    expect(response.status).toBe(404);
    expect(await rpcError(response)).toMatchObject({ id: 14, error: { code: -32001 } });
    // A fresh initialize works at once.
    expect(await initialize("probe", admin)).toMatch(/^1\./);
  });

  it("ends a session on DELETE; later requests get 404, not a resurrected session", async () => {
    const session = await initialize("probe", admin);
    const deleted = await SELF.fetch(`${GATEWAY}/mcp/probe`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${admin}`, "mcp-session-id": session },
    });
    expect(deleted.status).toBe(200);
    const after = await mcpPost(
      "probe",
      admin,
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      { sessionId: session },
    );
    expect(after.status).toBe(404);
  });

  it("needs a session id to DELETE", async () => {
    const response = await SELF.fetch(`${GATEWAY}/mcp/probe`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(response.status).toBe(400);
    expect((await rpcError(response)).error.data?.code).toBe("session_required");
  });
});

describe("bad input", () => {
  it("refuses malformed JSON with 400 and -32700, and the session survives", async () => {
    const session = await initialize("probe", admin);
    const response = await mcpPost("probe", admin, null, { sessionId: session, raw: '{"jsonrpc":"2.0",' });
    expect(response.status).toBe(400);
    expect(await rpcError(response)).toMatchObject({ id: null, error: { code: -32700 } });
    const { message } = await callTool("probe", admin, session, "sleep", { ms: 0 });
    expect(message).toHaveProperty("result");
  });

  it("refuses an invalid JSON-RPC message with 400 and -32600, echoing its id", async () => {
    const response = await mcpPost("probe", admin, { jsonrpc: "1.0", id: 9, method: "tools/list" });
    expect(response.status).toBe(400);
    const body = await rpcError(response);
    expect(body).toMatchObject({ id: 9, error: { code: -32600 } });
    expect(body.error.message).toContain("jsonrpc");
  });

  it("refuses a batch under a protocol version that has none", async () => {
    const response = await mcpPost("probe", admin, [{ jsonrpc: "2.0", id: 1, method: "ping" }], {
      headers: { "mcp-protocol-version": "2025-06-18" },
    });
    expect(response.status).toBe(400);
    expect((await rpcError(response)).error.code).toBe(-32600);
  });

  it("refuses a body over the 4 MiB default limit with 413, and the session survives", async () => {
    const session = await initialize("probe", admin);
    const huge = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "sleep", arguments: { pad: "x".repeat(4 * 1024 * 1024) } },
    });
    const response = await mcpPost("probe", admin, null, { sessionId: session, raw: huge });
    expect(response.status).toBe(413);
    expect((await rpcError(response)).error.data?.code).toBe("body_too_large");
    const { message } = await callTool("probe", admin, session, "sleep", { ms: 0 });
    expect(message).toHaveProperty("result");
  });

  it("refuses a streamed body over the limit even without Content-Length", async () => {
    const chunk = new TextEncoder().encode("x".repeat(1024 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 6) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await mcpPost("probe", admin, null, { raw: body });
    expect(response.status).toBe(413);
  });

  it("checks Content-Type (parameters allowed) and Accept", async () => {
    const withCharset = await mcpPost("probe", admin, INITIALIZE, {
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(withCharset.status).toBe(200);
    await withCharset.text();
    const wrongType = await mcpPost("probe", admin, INITIALIZE, {
      headers: { "content-type": "text/plain" },
    });
    expect(wrongType.status).toBe(415);
    const noSse = await mcpPost("probe", admin, INITIALIZE, { headers: { accept: "application/json" } });
    expect(noSse.status).toBe(406);
    const getWithoutSse = await SELF.fetch(`${GATEWAY}/mcp/probe`, {
      headers: { authorization: `Bearer ${admin}`, accept: "application/json" },
    });
    expect(getWithoutSse.status).toBe(406);
  });

  it("refuses an unknown MCP-Protocol-Version with 400", async () => {
    const response = await mcpPost(
      "probe",
      admin,
      { jsonrpc: "2.0", id: 1, method: "ping" },
      { headers: { "mcp-protocol-version": "1999-01-01" } },
    );
    expect(response.status).toBe(400);
    expect((await rpcError(response)).error.data?.code).toBe("unsupported_protocol_version");
  });

  it("refuses Mcp-Method / Mcp-Name headers that disagree with the body", async () => {
    const call = { jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "whoami", arguments: {} } };
    const wrongMethod = await mcpPost("probe", admin, call, { headers: { "mcp-method": "tools/list" } });
    expect(wrongMethod.status).toBe(400);
    expect(await rpcError(wrongMethod)).toMatchObject({
      id: 5,
      error: { code: -32600, data: { code: "header_mismatch" } },
    });
    const wrongName = await mcpPost("probe", admin, call, {
      headers: { "mcp-method": "tools/call", "mcp-name": "sleep" },
    });
    expect(wrongName.status).toBe(400);
  });

  it("answers an unknown server with 404", async () => {
    const response = await mcpPost("nope", admin, INITIALIZE);
    expect(response.status).toBe(404);
    expect(await rpcError(response)).toMatchObject({
      error: {
        message: "No MCP server named 'nope' is registered for your team.",
        data: { code: "unknown_server" },
      },
    });
  });
});

describe("upstream failures", () => {
  it("answers an unreachable upstream with 502 naming the server", async () => {
    await registerServer(admin, "down", "http://127.0.0.1:9/mcp");
    const response = await mcpPost("down", admin, INITIALIZE);
    expect(response.status).toBe(502);
    expect(await rpcError(response)).toMatchObject({
      id: null,
      error: { message: "Upstream server 'down' is unreachable.", data: { code: "upstream_unreachable" } },
    });
  });

  it("answers an upstream slower than its timeout with 504", async () => {
    await registerServer(admin, "slow", probeUrl("/slow-headers"), { timeout_ms: 200 });
    const response = await mcpPost("slow", admin, INITIALIZE);
    expect(response.status).toBe(504);
    expect(await rpcError(response)).toMatchObject({
      error: {
        message: "Upstream server 'slow' did not answer within 200 ms.",
        data: { code: "upstream_timeout" },
      },
    });
  });

  it("turns an upstream 5xx into 502 without leaking its body", async () => {
    await registerServer(admin, "broken", probeUrl("/fail-500"));
    const response = await mcpPost("broken", admin, INITIALIZE);
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(text).toContain("upstream_failed");
    expect(text).not.toContain("internal failure details");
  });

  it("never passes an upstream's auth challenge to the client", async () => {
    await registerServer(admin, "locked", probeUrl("/needs-auth"));
    const response = await mcpPost("locked", admin, INITIALIZE);
    expect(response.status).toBe(502);
    expect(response.headers.get("www-authenticate")).toBeNull();
    expect((await rpcError(response)).error.data?.code).toBe("upstream_auth_failed");
  });

  it("does not follow an upstream redirect", async () => {
    await registerServer(admin, "moved", probeUrl("/redirect"));
    const response = await mcpPost("moved", admin, INITIALIZE);
    expect(response.status).toBe(502);
    expect((await rpcError(response)).error.data?.code).toBe("upstream_redirect");
  });
});

describe("browser clients", () => {
  it("answers a preflight from an allowed origin and exposes the session header", async () => {
    const preflight = await SELF.fetch(`${GATEWAY}/mcp/probe`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("mcp-session-id");

    const response = await mcpPost("probe", admin, INITIALIZE, {
      headers: { origin: "https://app.example.com" },
    });
    expect(response.status).toBe(200);
    await response.text();
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(response.headers.get("access-control-expose-headers")).toContain("mcp-session-id");
    expect(response.headers.get("access-control-expose-headers")).toContain("www-authenticate");
  });

  it("refuses a request or preflight from an origin that is not allowed with 403", async () => {
    const preflight = await SELF.fetch(`${GATEWAY}/mcp/probe`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(403);
    const response = await mcpPost("probe", admin, INITIALIZE, {
      headers: { origin: "https://evil.example" },
    });
    expect(response.status).toBe(403);
    expect((await rpcError(response)).error.data?.code).toBe("origin_not_allowed");
  });

  it("lets a browser script read the 401 challenge", async () => {
    const response = await mcpPost("probe", null, INITIALIZE, {
      headers: { origin: "https://app.example.com" },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
  });
});

describe("event stream", () => {
  it("passes SSE through with no-cache, no-transform and no compression", async () => {
    const response = await SELF.fetch(`${GATEWAY}/mcp/probe`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${admin}`,
        "content-type": "application/json",
        accept: MCP_ACCEPT,
        "accept-encoding": "gzip",
      },
      body: JSON.stringify(INITIALIZE),
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("content-encoding")).toBeNull();
    await response.text();
  });

  it("records nothing for a caller the gateway could not authenticate", async () => {
    const response = await api("GET", "/api/v1/logs?server=probe", null);
    expect(response.status).toBe(401);
  });
});
