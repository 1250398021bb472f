// Policies end to end: the official SDK client, through the real gateway, to server-everything. A denied tool is
// absent from tools/list and unknown when called; a redact policy removes a planted secret from a tool result; a
// rate limit trips and recovers.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signToken } from "../support/local-stack.ts";

const gatewayUrl = inject("gatewayUrl");
const SERVER = "everything-policies";
const TEAM = "policy-e2e";

let admin: string;
let client: Client;
let transport: StreamableHTTPClientTransport;

async function post(path: string, body: unknown) {
  const response = await fetch(`${gatewayUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status, await response.clone().text()).toBe(201);
}

beforeAll(async () => {
  admin = await signToken({ sub: "pat", team: TEAM, roles: ["admin"], secret: inject("jwtSecret") });
  await post("/api/v1/servers", { name: SERVER, url: inject("everythingUrl") });
  await post("/api/v1/policies", {
    name: "no-sums",
    servers: SERVER,
    match: { tool: "get-sum" },
    action: "deny",
    reason: "No arithmetic",
  });
  await post("/api/v1/policies", {
    name: "redact-echo",
    servers: SERVER,
    match: { tool: "echo" },
    action: "redact",
  });
  await post("/api/v1/policies", {
    name: "two-tiny-images",
    servers: SERVER,
    match: { tool: "get-tiny-image" },
    action: "limit",
    limit: { requests: 2, per_seconds: 2 },
  });
  transport = new StreamableHTTPClientTransport(new URL(`${gatewayUrl}/mcp/${SERVER}`), {
    requestInit: { headers: { authorization: `Bearer ${admin}` } },
  });
  client = new Client({ name: "helmet-e2e-policies", version: "1.0.0" });
  await client.connect(transport);
});

afterAll(async () => {
  await client?.close();
});

describe("policies through the gateway", () => {
  it("hides a denied tool from tools/list and answers a call to it as an unknown tool", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toContain("echo");
    expect(names).not.toContain("get-sum");
    await expect(client.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } })).rejects.toThrow(
      /Unknown tool: get-sum/,
    );
  });

  it("trips a rate limit with a retry hint, and recovers after the window", async () => {
    const call = () => client.callTool({ name: "get-tiny-image", arguments: {} });
    expect((await call()).isError).toBeFalsy();
    expect((await call()).isError).toBeFalsy();
    const limited = await call();
    expect(limited.isError).toBe(true);
    const text = JSON.stringify(limited.content);
    const seconds = Number(/Retry in (\d+) s/.exec(text)?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 200));
    expect((await call()).isError).toBeFalsy();
  });

  it("removes a planted secret from a tool result", async () => {
    const secret = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    const result = await client.callTool({ name: "echo", arguments: { message: `the key is ${secret}` } });
    const text = JSON.stringify(result);
    expect(text).not.toContain(secret);
    expect(text).toContain("[REDACTED:github_token]");
  });
});
