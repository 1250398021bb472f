// `helmet serve`: a stdio server (server-everything) over HTTP, driven by the official SDK clients, Streamable HTTP
// and legacy SSE, with the Host, Origin, bearer-token and idle-timeout rules.
import { spawn } from "node:child_process";
import { request } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { HELMET_CLI, helmetNode, type Served, startServe } from "./helmet-cli.ts";

/** A raw request, so that Host and Origin can be anything. */
function rawPost(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/mcp",
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }));
  });
}

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function streamableClient(url: string, headers: Record<string, string> = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } });
  const client = new Client({ name: "serve-test", version: "1.0.0" }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    role: "assistant",
    content: { type: "text", text: "forty-two" },
    model: "test",
  }));
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

describe("helmet serve", () => {
  let served: Served;
  beforeAll(async () => {
    served = await startServe(["--allow-origin", "https://app.example.com"]);
  });
  afterAll(async () => {
    expect(await served.stop()).toBe(0);
  });

  it("serves Streamable HTTP: tools, progress on the call's stream, and a sampling round trip", async () => {
    const { client } = await streamableClient(served.url);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("echo");
    const progress: number[] = [];
    await client.callTool(
      { name: "trigger-long-running-operation", arguments: { duration: 0.6, steps: 3 } },
      undefined,
      { onprogress: (update) => progress.push(update.progress) },
    );
    expect(progress.slice(0, 2)).toEqual([1, 2]);
    const sampled = await client.callTool({
      name: "trigger-sampling-request",
      arguments: { prompt: "six times seven" },
    });
    expect(JSON.stringify(sampled.content)).toContain("forty-two");
  });

  it("runs one server process per session, and ends it when the client ends the session", async () => {
    const before = (served.stderr().match(/started /g) ?? []).length;
    const first = await streamableClient(served.url);
    const second = await streamableClient(served.url);
    expect(first.transport.sessionId).not.toBe(second.transport.sessionId);
    expect((served.stderr().match(/started /g) ?? []).length).toBe(before + 2);
    const [a, b] = await Promise.all([
      first.client.callTool({ name: "echo", arguments: { message: "one" } }),
      second.client.callTool({ name: "echo", arguments: { message: "two" } }),
    ]);
    expect(a.content).toEqual([{ type: "text", text: "Echo: one" }]);
    expect(b.content).toEqual([{ type: "text", text: "Echo: two" }]);
    const ended = (served.stderr().match(/: ended/g) ?? []).length;
    await first.transport.terminateSession();
    await vi.waitFor(() => expect((served.stderr().match(/: ended/g) ?? []).length).toBe(ended + 1));
  });

  it("serves the legacy HTTP+SSE transport at /sse", async () => {
    const client = new Client({ name: "legacy", version: "1.0.0" });
    await client.connect(new SSEClientTransport(new URL(`${served.url}/sse`)));
    clients.push(client);
    expect(await client.callTool({ name: "echo", arguments: { message: "old school" } })).toMatchObject({
      content: [{ type: "text", text: "Echo: old school" }],
    });
  });

  it("starts no server for an initialize the transport refuses", async () => {
    const before = (served.stderr().match(/started /g) ?? []).length;
    // No Accept header: the transport answers 406, and the server started for it is stopped at once.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: served.port,
          path: "/mcp",
          method: "POST",
          headers: { "content-type": "application/json" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "x", version: "1" },
          },
        }),
      );
    });
    expect(status).toBe(406);
    const started = [...served.stderr().matchAll(/(session \d+): started/g)].map((match) => match[1]);
    expect(started).toHaveLength(before + 1);
    const label = started.at(-1);
    await vi.waitFor(() => expect(served.stderr()).toContain(`${label}: ended`));
  });

  it("refuses a foreign Host or Origin (DNS rebinding), and an unknown session", async () => {
    expect(await rawPost(served.port, { host: `evil.example:${served.port}` })).toBe(403);
    expect(await rawPost(served.port, { origin: "https://evil.example" })).toBe(403);
    expect(await rawPost(served.port, { origin: "https://app.example.com", "mcp-session-id": "nope" })).toBe(
      404,
    );
    expect(await rawPost(served.port, {})).toBe(400);
  });
});

describe("helmet serve with a bearer token and an idle timeout", () => {
  let served: Served;
  beforeAll(async () => {
    served = await startServe(["--idle-timeout", "1s"], { HELMET_SERVE_TOKEN: "s3cret-token" });
  });
  afterAll(async () => {
    await served.stop();
  });

  it("requires the token", async () => {
    expect(await rawPost(served.port, {})).toBe(401);
    expect(await rawPost(served.port, { authorization: "Bearer wrong" })).toBe(401);
    const { client } = await streamableClient(served.url, { authorization: "Bearer s3cret-token" });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it("ends a session left idle once its client is gone, and its server with it", async () => {
    const { client, transport } = await streamableClient(served.url, {
      authorization: "Bearer s3cret-token",
    });
    await client.listTools();
    const sessionId = transport.sessionId ?? "";
    const ping = () =>
      rawPost(served.port, {
        authorization: "Bearer s3cret-token",
        accept: "application/json, text/event-stream",
        "mcp-session-id": sessionId,
        "mcp-protocol-version": "2025-06-18",
      });
    // While the client holds its GET stream open the session is in use, however quiet.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await ping()).toBe(200);
    // The client goes away without ending the session; after a quiet second (and the sweep), it is ended.
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await ping()).toBe(404);
  });
});

describe("helmet serve's flags", () => {
  it("refuses bad values and serve flags outside serve", async () => {
    const run = (args: string[]) =>
      new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(helmetNode(), [HELMET_CLI, ...args]);
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.on("close", (status) => resolve({ status, stderr }));
      });
    expect(await run(["serve", "--port", "http", "node"])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("--port must be a port number"),
    });
    expect(await run(["serve", "--allow-origin", "https://a.example/path", "node"])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("--allow-origin must be an origin"),
    });
    expect(await run(["--port", "80", "node"])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("--port is a flag of helmet serve"),
    });
  });
});
