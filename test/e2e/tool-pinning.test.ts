// Tool pinning end to end: the official SDK client, through the real gateway, to server-everything. The
// registered server is then re-pointed at another implementation whose `echo` says something else (as when a
// deploy or a DNS change swaps the server under its users): the gateway detects the changed definition, hides it
// until an admin approves it, and the same client session goes on.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { type ProbeServer, startProbeServer } from "../fixtures/probe-server.ts";
import { signToken } from "../support/local-stack.ts";

const gatewayUrl = inject("gatewayUrl");
const SERVER = "everything-pinned";
const TEAM = "pinning-e2e";

let admin: string;
let client: Client;
let other: ProbeServer;

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${gatewayUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${admin}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
}

beforeAll(async () => {
  other = await startProbeServer();
  admin = await signToken({ sub: "pat", team: TEAM, roles: ["admin"], secret: inject("jwtSecret") });
  const registered = await call("POST", "/api/v1/servers", {
    name: SERVER,
    url: inject("everythingUrl"),
    hide_changed_tools: true,
  });
  expect(registered.status, await registered.clone().text()).toBe(201);
  client = new Client({ name: "helmet-e2e-pinning", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${gatewayUrl}/mcp/${SERVER}`), {
      requestInit: { headers: { authorization: `Bearer ${admin}` } },
    }),
  );
});

afterAll(async () => {
  await client?.close();
  await other?.close();
});

describe("tool pinning through the gateway", () => {
  it("detects a changed tool definition, hides it until approved, then serves it again", async () => {
    const before = await client.listTools();
    const echo = before.tools.find((tool) => tool.name === "echo");
    expect(echo?.description).toBeTruthy();

    const repointed = await call("PATCH", `/api/v1/servers/${SERVER}`, { url: `${other.url}/mcp` });
    expect(repointed.status).toBe(200);

    // Same client, same session: the gateway re-initialises the upstream session with the new server.
    const after = await client.listTools();
    const names = after.tools.map((tool) => tool.name);
    expect(names).not.toContain("echo");
    // Tools seen for the first time are pinned and shown (trust on first use).
    expect(names).toContain("whoami");
    await expect(client.callTool({ name: "echo", arguments: { text: "hi" } })).rejects.toThrow(
      /Unknown tool: echo/,
    );

    const pins = (await (await call("GET", `/api/v1/servers/${SERVER}/tools`)).json()) as {
      items: Array<{
        tool: string;
        status: string;
        changed_hash: string | null;
        definition: { description?: string };
        changed_definition: { description?: string } | null;
      }>;
    };
    const pin = pins.items.find((item) => item.tool === "echo");
    expect(pin).toMatchObject({ status: "changed", definition: { description: echo?.description } });
    expect(pin?.changed_definition?.description).toBe("Answers with the arguments it received.");

    // Events are written in batches, a moment after the exchange.
    await vi.waitFor(
      async () => {
        const logs = (await (
          await call("GET", `/api/v1/logs?server=${SERVER}&method=tools/list&target=echo`)
        ).json()) as { items: Array<{ status: string }> };
        expect(logs.items.map((item) => item.status)).toContain("rug_pull");
      },
      { timeout: 5_000, interval: 100 },
    );

    const approved = await call("POST", `/api/v1/servers/${SERVER}/tools/echo/approve`, {
      hash: pin?.changed_hash,
    });
    expect(approved.status, await approved.clone().text()).toBe(200);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("echo");
    const result = await client.callTool({ name: "echo", arguments: { text: "hi" } });
    expect(result.content).toEqual([{ type: "text", text: "received: hi" }]);
  });
});
