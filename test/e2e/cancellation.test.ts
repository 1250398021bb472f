// A tool call the client cancels (notifications/cancelled): the cancellation must reach the upstream, the session
// must carry on, and the logs must still show the call.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signToken } from "../support/local-stack.ts";

const gatewayUrl = inject("gatewayUrl");
const SERVER = "everything-cancel";
const TOOL = "trigger-long-running-operation";

interface LogItem {
  method: string | null;
  target: string | null;
  request_id: string | null;
  status: string;
  session_id: string | null;
  params_excerpt: string | null;
}

describe("a tool call the client cancels", () => {
  let bearer: string;
  let client: Client;
  let transport: StreamableHTTPClientTransport;
  let cancelledRequestId: string | undefined;

  async function logs(): Promise<LogItem[]> {
    const response = await fetch(`${gatewayUrl}/api/v1/logs?server=${SERVER}&limit=500`, {
      headers: { authorization: `Bearer ${bearer}` },
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: LogItem[] }).items;
  }

  async function pollLogs(ready: (items: LogItem[]) => boolean, timeoutMs: number): Promise<LogItem[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const items = await logs();
      if (ready(items) || Date.now() > deadline) return items;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  beforeAll(async () => {
    bearer = await signToken({ sub: "carol", team: "acme", roles: ["admin"], secret: inject("jwtSecret") });
    const registered = await fetch(`${gatewayUrl}/api/v1/servers`, {
      method: "POST",
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      body: JSON.stringify({ name: SERVER, url: inject("everythingUrl") }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(registered.status, await registered.clone().text()).toBe(201);
    transport = new StreamableHTTPClientTransport(new URL(`${gatewayUrl}/mcp/${SERVER}`), {
      requestInit: { headers: { authorization: `Bearer ${bearer}` } },
    });
    client = new Client({ name: "helmet-e2e-cancel", version: "1.0.0" });
    // Progress for the abandoned call keeps arriving after the cancellation; the SDK reports it here. Expected.
    client.onerror = () => {};
    await client.connect(transport);
  });

  afterAll(async () => {
    await transport?.terminateSession().catch(() => undefined);
    await client?.close();
  });

  it("forwards the cancellation upstream, and the session carries on", async () => {
    const controller = new AbortController();
    const call = client.callTool({ name: TOOL, arguments: { duration: 2, steps: 4 } }, undefined, {
      signal: controller.signal,
      // Cancel once the server is demonstrably working on it.
      onprogress: () => controller.abort("the user changed their mind"),
    });
    await expect(call).rejects.toThrow(/the user changed their mind/);

    const items = await pollLogs((all) => all.some((e) => e.method === "notifications/cancelled"), 10_000);
    const cancelled = items.find((e) => e.method === "notifications/cancelled");
    expect(cancelled?.session_id).toMatch(/^ses_/);
    cancelledRequestId = /"requestId":\s*("?)([^",}]+)\1/.exec(cancelled?.params_excerpt ?? "")?.[2];
    expect(cancelledRequestId).toBeDefined();

    const echo = (await client.callTool({
      name: "echo",
      arguments: { message: "still here" },
    })) as CallToolResult;
    expect(echo.content).toEqual([{ type: "text", text: "Echo: still here" }]);
  });

  // The upstream rightly sends no response to a cancelled request, so without the gateway ending it, its POST
  // stream would stay open and its log row unwritten until the session ends.
  it("shows the cancelled call in the logs at once, as cancelled", async () => {
    // The tool would have finished by now (2 s) had it not been cancelled; give the log writer time as well.
    const isTheCall = (e: LogItem) => e.method === "tools/call" && e.target === TOOL;
    const items = await pollLogs((all) => all.some(isTheCall), 5_000);
    const call = items.find(isTheCall);
    expect(call).toBeDefined();
    expect(call?.request_id).toBe(cancelledRequestId);
    expect(call?.status).toBe("cancelled");
  });
});
