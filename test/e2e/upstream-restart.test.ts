// An upstream that loses its sessions (a restart, a redeploy to a new address) must not strand the client: the
// gateway re-initialises the upstream session on its own and the client's session carries on unchanged.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type CallToolResult, CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Everything, signToken, startEverything } from "../support/local-stack.ts";

const gatewayUrl = inject("gatewayUrl");
const SERVER = "everything-restarted";

const textOf = (result: unknown) =>
  (result as CallToolResult).content.map((block) => (block.type === "text" ? block.text : "")).join("\n");

describe("when the upstream loses the session", () => {
  const instances: Everything[] = [];
  let adminToken: string;
  let client: Client;
  let transport: StreamableHTTPClientTransport;

  const patchServerUrl = async (url: string) => {
    const response = await fetch(`${gatewayUrl}/api/v1/servers/${SERVER}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ url }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status, await response.clone().text()).toBe(200);
  };

  beforeAll(async () => {
    adminToken = await signToken({
      sub: "alice",
      team: "acme",
      roles: ["admin"],
      secret: inject("jwtSecret"),
    });
    const first = await startEverything();
    instances.push(first);
    const registered = await fetch(`${gatewayUrl}/api/v1/servers`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: SERVER, url: first.url }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(registered.status, await registered.clone().text()).toBe(201);
    transport = new StreamableHTTPClientTransport(new URL(`${gatewayUrl}/mcp/${SERVER}`), {
      requestInit: { headers: { authorization: `Bearer ${adminToken}` } },
    });
    client = new Client({ name: "helmet-e2e-restart", version: "1.0.0" }, { capabilities: { sampling: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      model: "helmet-e2e-model",
      role: "assistant",
      content: { type: "text", text: "Answer after the restart." },
    }));
    await client.connect(transport);
  });

  afterAll(async () => {
    await client?.close();
    await Promise.all(instances.map((instance) => instance.stop()));
  });

  it("re-initialises upstream on its own: the same client session keeps working, capabilities included", async () => {
    expect(textOf(await client.callTool({ name: "echo", arguments: { message: "before" } }))).toBe(
      "Echo: before",
    );
    const sessionBefore = transport.sessionId;

    // A new server-everything that has never seen this session replaces the old one, which goes away.
    const second = await startEverything();
    instances.push(second);
    await patchServerUrl(second.url);
    await instances[0]?.stop();

    expect(textOf(await client.callTool({ name: "echo", arguments: { message: "after" } }))).toBe(
      "Echo: after",
    );
    expect(transport.sessionId).toBe(sessionBefore);
    // The new upstream session was opened with the client's capabilities: sampling still reaches the client.
    const sampled = await client.callTool({
      name: "trigger-sampling-request",
      arguments: { prompt: "Still there?", maxTokens: 10 },
    });
    expect(textOf(sampled)).toContain("Answer after the restart.");
  });
});
