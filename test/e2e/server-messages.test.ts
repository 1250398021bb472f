// Policies on what the server sends, end to end: the official SDK client, through the real gateway, to
// server-everything, whose trigger-sampling-request tool asks the client's model mid-call. A policy that denies
// sampling keeps the request from the client, and the server hears the policy's reason.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signToken } from "../support/local-stack.ts";

const gatewayUrl = inject("gatewayUrl");
const TEAM = "server-messages-e2e";
const REASON = "Servers may not use the client's model";

let admin: string;
const clients: Client[] = [];

async function post(path: string, body: unknown) {
  const response = await fetch(`${gatewayUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status, await response.clone().text()).toBe(201);
}

/** A client that can sample, counting the sampling requests that reach it. */
async function samplingClient(server: string): Promise<{ client: Client; asked: string[] }> {
  const asked: string[] = [];
  const client = new Client(
    { name: "helmet-e2e-sampling", version: "1.0.0" },
    { capabilities: { sampling: {} } },
  );
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    const first = request.params.messages[0]?.content;
    asked.push(first && "text" in first ? String(first.text) : "");
    return { role: "assistant", content: { type: "text", text: "forty-two" }, model: "e2e-model" };
  });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${gatewayUrl}/mcp/${server}`), {
      requestInit: { headers: { authorization: `Bearer ${admin}` } },
    }),
  );
  clients.push(client);
  return { client, asked };
}

beforeAll(async () => {
  admin = await signToken({ sub: "pat", team: TEAM, roles: ["admin"], secret: inject("jwtSecret") });
  await post("/api/v1/servers", { name: "everything-no-sampling", url: inject("everythingUrl") });
  await post("/api/v1/servers", { name: "everything-sampling", url: inject("everythingUrl") });
  await post("/api/v1/policies", {
    name: "no-sampling",
    servers: "everything-no-sampling",
    match: { method: "sampling/createMessage", direction: "server_request" },
    action: "deny",
    reason: REASON,
  });
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

describe("judging server messages through the gateway", () => {
  it("keeps a denied sampling request from the client and tells the server why", async () => {
    const { client, asked } = await samplingClient("everything-no-sampling");
    const result = await client
      .callTool({ name: "trigger-sampling-request", arguments: { prompt: "six times seven" } })
      .then(
        (value) => JSON.stringify(value),
        (error: unknown) => String(error),
      );
    expect(asked).toEqual([]);
    expect(result).toContain(REASON);
  });

  it("passes sampling through where no policy denies it", async () => {
    const { client, asked } = await samplingClient("everything-sampling");
    const result = await client.callTool({
      name: "trigger-sampling-request",
      arguments: { prompt: "six times seven" },
    });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain("six times seven");
    expect(JSON.stringify(result.content)).toContain("forty-two");
  });
});
