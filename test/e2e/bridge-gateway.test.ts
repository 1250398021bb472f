import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { cliEnv, EVERYTHING, HELMET_CLI, helmetNode, startServe } from "../bridge/helmet-cli.ts";
import { signToken } from "../support/local-stack.ts";

const gatewayUrl = inject("gatewayUrl");
const SERVER = "everything-local";
let admin: string;
let member: string;

/** An HTTP relay to the gateway that can be taken down (connections refused) and brought back on the same port. */
class Relay {
  #server: Server | null = null;
  port = 0;

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", async () => {
        try {
          const headers = Object.fromEntries(
            Object.entries(req.headers).filter(([name]) => name !== "host" && name !== "connection"),
          ) as Record<string, string>;
          const upstream = await fetch(`${gatewayUrl}${req.url}`, {
            method: req.method,
            headers,
            body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
          });
          // fetch has already decoded the body: its encoding and length headers no longer apply.
          const answerHeaders = Object.fromEntries(
            [...upstream.headers].filter(
              ([name]) => name !== "content-encoding" && name !== "content-length",
            ),
          );
          res.writeHead(upstream.status, answerHeaders);
          res.end(Buffer.from(await upstream.arrayBuffer()));
        } catch {
          res.writeHead(502).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}

async function adminPost(path: string, body: unknown) {
  const response = await fetch(`${gatewayUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status, await response.clone().text()).toBe(201);
}

async function helmetClient(apiUrl: string, cacheDir: string, onSampling?: () => void) {
  const transport = new StdioClientTransport({
    command: helmetNode(),
    args: [
      HELMET_CLI,
      "--api-url",
      apiUrl,
      "--server-name",
      SERVER,
      "--metrics-interval",
      "1s",
      process.execPath,
      EVERYTHING,
      "stdio",
    ],
    env: cliEnv({ HELMET_SESSION_TOKEN: member, HELMET_CACHE_DIR: cacheDir }),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client(
    { name: "bridge-e2e", version: "1.0.0" },
    onSampling ? { capabilities: { sampling: {} } } : undefined,
  );
  if (onSampling) {
    client.setRequestHandler(CreateMessageRequestSchema, async () => {
      onSampling();
      return { role: "assistant", content: { type: "text", text: "forty-two" }, model: "e2e" };
    });
  }
  await client.connect(transport).catch((error) => {
    throw new Error(`${error}; helmet said: ${stderr}`);
  });
  return { client, stderr: () => stderr };
}

async function bridgeEvents(method: string, tool?: string) {
  const query = new URLSearchParams({ server: SERVER, method, limit: "500", ...(tool ? { tool } : {}) });
  const page = (await (
    await fetch(`${gatewayUrl}/api/v1/logs?${query}`, { headers: { authorization: `Bearer ${admin}` } })
  ).json()) as {
    items: Array<{
      id: string;
      status: string;
      decision: string | null;
      rule: string | null;
      session_id: string;
      params_excerpt: string | null;
    }>;
  };
  return page.items;
}

beforeAll(async () => {
  admin = await signToken({ sub: "olga", team: "bridge-e2e", roles: ["admin"], secret: inject("jwtSecret") });
  member = await signToken({
    sub: "olga",
    team: "bridge-e2e",
    roles: ["member"],
    secret: inject("jwtSecret"),
  });
  await adminPost("/api/v1/policies", {
    name: "no-sums-locally",
    servers: SERVER,
    match: { tool: "get-sum" },
    action: "deny",
    reason: "No arithmetic here",
  });
  await adminPost("/api/v1/policies", {
    name: "no-sampling-locally",
    servers: SERVER,
    match: { method: "sampling/createMessage", direction: "server_request" },
    action: "deny",
    reason: "Servers may not use the client's model here",
  });
});

describe("helmet with HELMET_SESSION_TOKEN", () => {
  const cacheDir = mkdtempSync(join(tmpdir(), "helmet-cache-"));
  const relay = new Relay();
  beforeAll(() => relay.start());
  afterAll(() => relay.stop());

  it("enforces the gateway's policies locally and ships every event there exactly once, across an outage", async () => {
    const { client, stderr } = await helmetClient(relay.url, cacheDir);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain("echo");
    expect(tools.map((tool) => tool.name)).not.toContain("get-sum");
    await expect(client.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } })).rejects.toThrow(
      /Unknown tool: get-sum/,
    );
    await client.callTool({ name: "echo", arguments: { message: "before" } });
    await vi.waitFor(async () => expect(await bridgeEvents("tools/call", "echo")).toHaveLength(1), {
      timeout: 10_000,
      interval: 200,
    });

    // The gateway goes away: the calls go on, their events go to the spool.
    await relay.stop();
    for (const message of ["during 1", "during 2", "during 3"]) {
      await client.callTool({ name: "echo", arguments: { message } });
    }
    await vi.waitFor(() => expect(stderr()).toContain("spooling events to disk"), {
      timeout: 10_000,
      interval: 200,
    });

    // It comes back: the spool is replayed, then the new events follow.
    await relay.start();
    await client.callTool({ name: "echo", arguments: { message: "after" } });
    await vi.waitFor(async () => expect(await bridgeEvents("tools/call", "echo")).toHaveLength(5), {
      timeout: 15_000,
      interval: 300,
    });
    await client.close();

    const calls = await bridgeEvents("tools/call");
    expect(new Set(calls.map((event) => event.id)).size).toBe(calls.length);
    expect(calls.filter((event) => event.status === "denied")).toEqual([
      expect.objectContaining({ decision: "deny", rule: "no-sums-locally" }),
    ]);
    expect(new Set(calls.map((event) => event.session_id)).size).toBe(1);
    expect(stderr()).toContain("replayed");
    // Metrics went to the gateway too (spooled with the events while it was down), and none was refused.
    expect(stderr()).toContain("metrics (");
    expect(stderr()).not.toContain("refused");
  });

  it("enforces the cached policies when the gateway is down at start, and ships the run's events on the next", async () => {
    await relay.stop();
    const offline = await helmetClient(relay.url, cacheDir);
    expect((await offline.client.listTools()).tools.map((tool) => tool.name)).not.toContain("get-sum");
    await offline.client.callTool({ name: "echo", arguments: { message: "offline" } });
    await offline.client.close();
    await vi.waitFor(() => expect(offline.stderr()).toContain("enforcing the cached bundle"));

    await relay.start();
    const online = await helmetClient(relay.url, cacheDir);
    await online.client.callTool({ name: "echo", arguments: { message: "online" } });
    await online.client.close();
    await vi.waitFor(
      async () => {
        const echoes = await bridgeEvents("tools/call", "echo");
        expect(echoes).toHaveLength(7);
        expect(new Set(echoes.map((event) => event.id)).size).toBe(7);
      },
      { timeout: 15_000, interval: 300 },
    );
  });

  it("judges what the server sends too: a denied sampling request never reaches the client, and the server hears why", async () => {
    let sampled = 0;
    const { client } = await helmetClient(relay.url, cacheDir, () => {
      sampled += 1;
    });
    const result = await client
      .callTool({ name: "trigger-sampling-request", arguments: { prompt: "six times seven" } })
      .then(
        (value) => JSON.stringify(value),
        (error: unknown) => String(error),
      );
    await client.close();
    expect(sampled).toBe(0);
    expect(result).toContain("Servers may not use the client's model here");
    await vi.waitFor(
      async () => {
        const denied = await bridgeEvents("sampling/createMessage");
        expect(denied).toEqual([expect.objectContaining({ status: "denied", rule: "no-sampling-locally" })]);
      },
      { timeout: 10_000, interval: 300 },
    );
  });

  it("helmet serve applies the same policies per HTTP session, and ships its events", async () => {
    const served = await startServe(["--api-url", relay.url, "--server-name", SERVER], {
      HELMET_SESSION_TOKEN: member,
      HELMET_CACHE_DIR: cacheDir,
    });
    try {
      const client = new Client({ name: "serve-e2e", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`)));
      expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain("get-sum");
      await expect(client.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } })).rejects.toThrow(
        /Unknown tool: get-sum/,
      );
      await client.callTool({ name: "echo", arguments: { message: "served over http" } });
      await client.close();
      await vi.waitFor(
        async () => {
          const calls = await bridgeEvents("tools/call", "echo");
          expect(calls.some((event) => (event.params_excerpt ?? "").includes("served over http"))).toBe(true);
        },
        { timeout: 10_000, interval: 300 },
      );
    } finally {
      await served.stop();
    }
  });
});
