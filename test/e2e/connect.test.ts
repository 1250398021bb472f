// `helmet connect`: the official SDK client speaks stdio to the helmet CLI, which carries the session to the real
// gateway (and straight to server-everything) over Streamable HTTP, with the session token as its bearer.
import { spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { cliEnv, HELMET_CLI, helmetNode, startServe } from "../bridge/helmet-cli.ts";
import { signToken } from "../support/local-stack.ts";

const gatewayUrl = inject("gatewayUrl");
const SERVER = "everything-connect";
let token: string;
const clients: Client[] = [];

beforeAll(async () => {
  token = await signToken({ sub: "sam", team: "connect-e2e", roles: ["admin"], secret: inject("jwtSecret") });
  const response = await fetch(`${gatewayUrl}/api/v1/servers`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: SERVER, url: inject("everythingUrl") }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status, await response.clone().text()).toBe(201);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function connectThroughHelmet(url: string, env: Record<string, string>) {
  const transport = new StdioClientTransport({
    command: helmetNode(),
    args: [HELMET_CLI, "connect", url],
    env: cliEnv(env),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: "connect-e2e", version: "1.0.0" }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    role: "assistant",
    content: { type: "text", text: "forty-two" },
    model: "e2e",
  }));
  clients.push(client);
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

describe("helmet connect", () => {
  it("carries a stdio session through the gateway: tools, progress and a sampling round trip", async () => {
    const { client } = await connectThroughHelmet(`${gatewayUrl}/mcp/${SERVER}`, {
      HELMET_SESSION_TOKEN: token,
    });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain("trigger-sampling-request");
    expect(await client.callTool({ name: "echo", arguments: { message: "over http" } })).toMatchObject({
      content: [{ type: "text", text: "Echo: over http" }],
    });
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

  it("talks to a server directly, without a token", async () => {
    const { client } = await connectThroughHelmet(inject("everythingUrl"), {});
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it("answers the client with an error when the gateway refuses the token", async () => {
    const attempt = connectThroughHelmet(`${gatewayUrl}/mcp/${SERVER}`, {
      HELMET_SESSION_TOKEN: "not-a-jwt",
    });
    // The gateway's own refusal reaches the client as the answer to its initialize.
    await expect(attempt).rejects.toThrow(/-31002: helmet connect: .*The access token is invalid/);
  });

  it("reaches a stdio server the gateway fronts through helmet serve: connect -> gateway -> serve -> stdio", async () => {
    const served = await startServe();
    try {
      const registered = await fetch(`${gatewayUrl}/api/v1/servers`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "stdio-everything", url: `${served.url}/mcp` }),
        signal: AbortSignal.timeout(10_000),
      });
      expect(registered.status).toBe(201);
      const { client } = await connectThroughHelmet(`${gatewayUrl}/mcp/stdio-everything`, {
        HELMET_SESSION_TOKEN: token,
      });
      expect(
        await client.callTool({ name: "echo", arguments: { message: "all the way down" } }),
      ).toMatchObject({
        content: [{ type: "text", text: "Echo: all the way down" }],
      });
    } finally {
      await served.stop();
    }
  });

  it("answers what the client sent just before closing stdin, before ending the session", async () => {
    const initialize = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "pipe", version: "1" } },
    };
    const output = await new Promise<string>((resolve) => {
      const child = spawn(helmetNode(), [HELMET_CLI, "connect", inject("everythingUrl")], { env: cliEnv() });
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.on("close", () => resolve(stdout));
      child.stdin.end(`${JSON.stringify(initialize)}\n`);
    });
    expect(JSON.parse(output.trim())).toMatchObject({ id: 1, result: { protocolVersion: "2025-06-18" } });
  });
});
