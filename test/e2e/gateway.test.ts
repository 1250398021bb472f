// The gateway end to end, as an MCP user meets it: the official SDK client, through `wrangler dev`, to the
// reference server-everything. One session (alice's) walks through the protocol's features; the logs API must
// then show what passed; other callers must not be able to use that session.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  type CallToolResult,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ResourceUpdatedNotificationSchema,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signToken, type TokenClaims } from "../support/local-stack.ts";

const gatewayUrl = inject("gatewayUrl");
const everythingUrl = inject("everythingUrl");
const SERVER = "everything";
const MCP_URL = `${gatewayUrl}/mcp/${SERVER}`;
const PROTOCOL_VERSION = "2025-06-18";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ALICE: TokenClaims = { sub: "alice", team: "acme", roles: ["admin"] };
const BOB: TokenClaims = { sub: "bob", team: "acme", roles: ["member"] };

const token = (claims: TokenClaims) => signToken({ ...claims, secret: inject("jwtSecret") });

interface LogItem {
  id: string;
  session_id: string | null;
  server: string;
  subject: string;
  direction: "client_to_server" | "server_to_client";
  kind: "request" | "notification" | "response";
  method: string | null;
  tool: string | null;
  target: string | null;
  request_id: string | null;
  status: string;
  latency_ms: number | null;
  progress_count: number;
}

async function api(path: string, bearer: string, init: { method?: string; body?: unknown } = {}) {
  return fetch(`${gatewayUrl}${path}`, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(10_000),
  });
}

/** One JSON-RPC request POSTed by hand, as a client that holds `sessionId` would send it. */
function rawMcpPost(url: string, sessionId: string, bearer: string | null, body: object): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": sessionId,
      "mcp-protocol-version": PROTOCOL_VERSION,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
}

/** Events are written off the response path: asks the logs API until `ready` holds (bounded). */
async function pollLogs(
  query: Record<string, string>,
  bearer: string,
  ready: (items: LogItem[]) => boolean,
  timeoutMs = 15_000,
): Promise<LogItem[]> {
  const deadline = Date.now() + timeoutMs;
  const path = `/api/v1/logs?${new URLSearchParams({ limit: "500", ...query })}`;
  for (;;) {
    const response = await api(path, bearer);
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: LogItem[] };
    if (ready(items) || Date.now() > deadline) return items;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function textOf(result: unknown): string {
  const { content } = result as CallToolResult;
  return content.map((block) => (block.type === "text" ? block.text : "")).join("\n");
}

async function connect(
  claims: TokenClaims,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    requestInit: { headers: { authorization: `Bearer ${await token(claims)}` } },
  });
  const client = new Client(
    { name: "helmet-e2e", version: "1.0.0" },
    { capabilities: { sampling: {}, elicitation: {} } },
  );
  await client.connect(transport);
  return { client, transport };
}

describe("an MCP session through the gateway", () => {
  let adminToken: string;
  let client: Client;
  let transport: StreamableHTTPClientTransport;
  let sessionId: string;
  let tools: Tool[] = [];
  const sampled: string[] = [];
  const elicited: string[] = [];
  const updatedUris: string[] = [];
  const clientErrors: Error[] = [];

  beforeAll(async () => {
    adminToken = await token(ALICE);
    const registered = await api("/api/v1/servers", adminToken, {
      method: "POST",
      body: { name: SERVER, url: everythingUrl, description: "MCP reference server" },
    });
    expect(registered.status, await registered.clone().text()).toBe(201);

    ({ client, transport } = await connect(ALICE));
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      // A message's content is one block or (since 2025-11-25) a list of them.
      const content = request.params.messages[0]?.content ?? [];
      const blocks = Array.isArray(content) ? content : [content];
      sampled.push(blocks.map((block) => (block.type === "text" ? block.text : "")).join(""));
      return {
        model: "helmet-e2e-model",
        role: "assistant",
        content: { type: "text", text: "Sampled answer from the e2e client." },
      };
    });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      elicited.push(request.params.message);
      return { action: "accept", content: { name: "Alice Example", check: true } };
    });
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
      updatedUris.push(notification.params.uri);
    });
    client.onerror = (error) => clientErrors.push(error);
    sessionId = transport.sessionId ?? "";
  });

  afterAll(async () => {
    await client?.close();
  });

  it("initializes: server-everything's identity comes through under a session id of the gateway's own", async () => {
    expect(client.getServerVersion()).toMatchObject({ name: "mcp-servers/everything", version: "2.0.0" });
    expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {} });
    expect(client.getInstructions()).toBeTruthy();
    expect(sessionId).not.toBe("");
    expect(sessionId).not.toMatch(UUID);
    // The id the client holds means nothing to the upstream: it is not server-everything's session id.
    const direct = await rawMcpPost(everythingUrl, sessionId, null, {
      jsonrpc: "2.0",
      id: 1,
      method: "ping",
    });
    expect(direct.status).toBe(400);
    await direct.body?.cancel();
  });

  it("lists tools, including those server-everything offers only to clients that can sample and elicit", async () => {
    ({ tools } = await client.listTools());
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "echo",
        "trigger-long-running-operation",
        "trigger-sampling-request",
        "trigger-elicitation-request",
      ]),
    );
    expect(tools.find((tool) => tool.name === "echo")?.inputSchema).toMatchObject({
      type: "object",
      properties: { message: { type: "string" } },
      required: ["message"],
    });
  });

  it("calls echo", async () => {
    const result = await client.callTool({ name: "echo", arguments: { message: "hello through helmet" } });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe("Echo: hello through helmet");
  });

  it("streams a long-running tool's progress notifications, in order, while the call is still pending", async () => {
    const schema = tools.find((tool) => tool.name === "trigger-long-running-operation")?.inputSchema;
    expect(schema?.properties).toMatchObject({ duration: { type: "number" }, steps: { type: "number" } });
    const steps = 4;
    const seen: Array<{ progress: number; total: number | undefined; whilePending: boolean }> = [];
    let settled = false;
    const call = client
      .callTool({ name: "trigger-long-running-operation", arguments: { duration: 2, steps } }, undefined, {
        onprogress: ({ progress, total }) => seen.push({ progress, total, whilePending: !settled }),
      })
      .finally(() => {
        settled = true;
      });
    const result = await call;
    expect(textOf(result)).toContain(`Steps: ${steps}`);
    expect(seen.map((event) => event.progress)).toEqual([1, 2, 3, 4]);
    expect(seen.every((event) => event.total === steps)).toBe(true);
    // Relayed as they happen, not buffered until the result.
    expect(seen[0]?.whilePending).toBe(true);
  });

  it("carries a server-initiated sampling request to the client and its answer back to the tool", async () => {
    const result = await client.callTool({
      name: "trigger-sampling-request",
      arguments: { prompt: "Name a colour.", maxTokens: 20 },
    });
    expect(sampled).toHaveLength(1);
    expect(sampled[0]).toContain("Name a colour.");
    const text = textOf(result);
    expect(text).toContain("Sampled answer from the e2e client.");
    expect(text).toContain("helmet-e2e-model");
  });

  it("carries a server-initiated elicitation to the client and its answer back to the tool", async () => {
    const result = await client.callTool({ name: "trigger-elicitation-request", arguments: {} });
    expect(elicited).toHaveLength(1);
    const text = textOf(result);
    expect(text).toContain("User provided the requested information");
    expect(text).toContain("- Name: Alice Example");
    expect(text).toContain("- Agreed to terms: true");
  });

  it("lists and reads resources", async () => {
    const { resources } = await client.listResources();
    const instructions = resources.find((r) => r.uri === "demo://resource/static/document/instructions.md");
    expect(instructions?.mimeType).toBe("text/markdown");
    const read = await client.readResource({ uri: "demo://resource/static/document/instructions.md" });
    const docs = join(
      dirname(createRequire(import.meta.url).resolve("@modelcontextprotocol/server-everything/package.json")),
      "dist",
      "docs",
    );
    expect(read.contents).toEqual([
      {
        uri: "demo://resource/static/document/instructions.md",
        mimeType: "text/markdown",
        text: readFileSync(join(docs, "instructions.md"), "utf8"),
      },
    ]);

    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain(
      "demo://resource/dynamic/text/{resourceId}",
    );
    const dynamic = await client.readResource({ uri: "demo://resource/dynamic/text/7" });
    expect(dynamic.contents[0]).toMatchObject({
      uri: "demo://resource/dynamic/text/7",
      mimeType: "text/plain",
    });
    expect((dynamic.contents[0] as { text: string }).text).toMatch(
      /^Resource 7: This is a plaintext resource/,
    );
  });

  it("lists and gets prompts", async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(expect.arrayContaining(["simple-prompt", "args-prompt"]));
    expect(prompts.find((p) => p.name === "args-prompt")?.arguments).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "city", required: true })]),
    );
    const simple = await client.getPrompt({ name: "simple-prompt" });
    expect(simple.messages).toEqual([
      { role: "user", content: { type: "text", text: "This is a simple prompt without arguments." } },
    ]);
    const args = await client.getPrompt({ name: "args-prompt", arguments: { city: "Lyon", state: "Rhône" } });
    expect(args.messages[0]?.content).toEqual({ type: "text", text: "What's weather in Lyon, Rhône?" });
  });

  it("delivers notifications the server sends outside any request (resource updates, on the GET stream)", async () => {
    const uri = "demo://resource/static/document/features.md";
    await client.subscribeResource({ uri });
    const started = await client.callTool({ name: "toggle-subscriber-updates", arguments: {} });
    expect(textOf(started)).toContain("Started simulated resource updated notifications");
    // server-everything sends one update at once, then one every 5 s.
    const deadline = Date.now() + 12_000;
    while (!updatedUris.includes(uri) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const stopped = await client.callTool({ name: "toggle-subscriber-updates", arguments: {} });
    expect(textOf(stopped)).toContain("Stopped simulated resource updates");
    expect(updatedUris).toContain(uri);
  });

  it("raised no transport or protocol error in the client during the session", () => {
    expect(clientErrors.map((error) => error.message)).toEqual([]);
  });

  it("refuses alice's session id to bob (same team) with 404, and alice's session carries on", async () => {
    const response = await rawMcpPost(MCP_URL, sessionId, await token(BOB), {
      jsonrpc: "2.0",
      id: 41,
      method: "tools/list",
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32001 } });
    const { tools: again } = await client.listTools();
    expect(again.length).toBe(tools.length);
  });

  it("ends the session on DELETE; the old session id then gets 404 with a JSON-RPC error", async () => {
    await transport.terminateSession();
    expect(transport.sessionId).toBeUndefined();
    const response = await rawMcpPost(MCP_URL, sessionId, adminToken, {
      jsonrpc: "2.0",
      id: 42,
      method: "tools/list",
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = (await response.json()) as { jsonrpc: string; error: { code: number; message: string } };
    expect(body).toMatchObject({ jsonrpc: "2.0", error: { code: -32001 } });
    expect(body.error.message).toMatch(/session/i);
  });

  describe("the logs API then shows what passed", () => {
    const hasEcho = (items: LogItem[]) => items.some((e) => e.method === "tools/call" && e.target === "echo");

    it("by server: the echo call, the long-running call's progress and the server-to-client requests", async () => {
      const complete = (items: LogItem[]) =>
        hasEcho(items) &&
        items.some((e) => e.target === "trigger-long-running-operation" && e.progress_count > 0) &&
        items.some((e) => e.method === "sampling/createMessage") &&
        items.some((e) => e.method === "elicitation/create");
      const items = await pollLogs({ server: SERVER }, adminToken, complete);
      expect(items.every((e) => e.server === SERVER)).toBe(true);

      const echo = items.find((e) => e.method === "tools/call" && e.target === "echo");
      expect(echo).toMatchObject({
        direction: "client_to_server",
        kind: "request",
        tool: "echo",
        subject: "alice",
        status: "ok",
      });
      expect(echo?.latency_ms).toEqual(expect.any(Number));
      expect(echo?.session_id).toMatch(/^ses_/);

      const longRunning = items.find((e) => e.target === "trigger-long-running-operation");
      expect(longRunning).toMatchObject({ status: "ok", progress_count: 4 });

      for (const method of ["sampling/createMessage", "elicitation/create"]) {
        expect(items.find((e) => e.method === method)).toMatchObject({
          direction: "server_to_client",
          kind: "request",
          status: "ok",
        });
      }
    });

    it("by tool: only calls of echo", async () => {
      // Other test files call echo too (on their own servers, as other subjects): the filter is by tool alone.
      const ours = (e: LogItem) => e.server === SERVER && e.subject === "alice";
      const items = await pollLogs({ tool: "echo" }, adminToken, (all) => all.some(ours));
      expect(items.every((e) => e.method === "tools/call" && e.tool === "echo")).toBe(true);
      expect(items.find(ours)).toMatchObject({ status: "ok", target: "echo" });
    });

    it("by session: every event of alice's session, under the gateway's session id", async () => {
      const [echo] = await pollLogs({ server: SERVER, tool: "echo" }, adminToken, hasEcho);
      const session = echo?.session_id ?? "";
      expect(session).toMatch(/^ses_/);
      const items = await pollLogs({ session }, adminToken, (all) =>
        all.some((e) => e.method === "notifications/resources/updated"),
      );
      expect(items.every((e) => e.session_id === session)).toBe(true);
      const methods = new Set(items.map((e) => e.method));
      for (const method of [
        "initialize",
        "tools/list",
        "tools/call",
        "resources/read",
        "prompts/get",
        "sampling/createMessage",
        "elicitation/create",
        "resources/subscribe",
        "notifications/resources/updated",
      ]) {
        expect(methods, method).toContain(method);
      }
      expect(items.find((e) => e.method === "notifications/resources/updated")).toMatchObject({
        direction: "server_to_client",
        kind: "notification",
        target: "demo://resource/static/document/features.md",
      });
    });
  });
});
