// Policies on what the server sends: the requests it initiates (sampling) and the results it returns, judged on
// the live event stream before the client sees them.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  api,
  GATEWAY,
  initialize,
  MCP_ACCEPT,
  mcpPost,
  mintToken,
  probeUrl,
  registerServer,
} from "./helpers.ts";

const TEAM = "server-judging";
let admin: string;

async function addPolicy(document: Record<string, unknown>) {
  const response = await api("POST", "/api/v1/policies", admin, document);
  if (response.status !== 201)
    throw new Error(`policy ${document.name}: ${response.status} ${await response.text()}`);
}

type Message = Record<string, unknown> & { id?: string | number; method?: string };

/**
 * Calls a tool and reads the answer as it streams. Server requests are answered with `answer` (posted back in
 * the same session) as soon as they arrive. Returns every message the client saw, in order.
 */
async function callStreaming(
  server: string,
  sessionId: string,
  tool: string,
  args: object,
  answer: (request: Message) => unknown = () => null,
): Promise<{ contentType: string | null; seen: Message[] }> {
  const response = await SELF.fetch(`${GATEWAY}/mcp/${server}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${admin}`,
      "content-type": "application/json",
      accept: MCP_ACCEPT,
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "2025-06-18",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: tool, arguments: args },
    }),
  });
  expect(response.status).toBe(200);
  const seen: Message[] = [];
  if (!response.body) throw new Error("the call was answered without a body");
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const data = buffer
        .slice(0, end)
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice(6))
        .join("\n");
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      if (!data) continue;
      const message = JSON.parse(data) as Message;
      seen.push(message);
      if (typeof message.method === "string" && message.id !== undefined) {
        const reply = await mcpPost(
          server,
          admin,
          { jsonrpc: "2.0", id: message.id, result: answer(message) },
          { sessionId, headers: { "mcp-protocol-version": "2025-06-18" } },
        );
        expect(reply.status).toBe(202);
      }
    }
  }
  return { contentType: response.headers.get("content-type"), seen };
}

const textOf = (message: Message | undefined) =>
  ((message?.result as { content?: Array<{ text?: string }> } | undefined)?.content ?? [])
    .map((item) => item.text)
    .join("");

const MODEL_REPLY = {
  role: "assistant",
  content: { type: "text", text: "forty-two" },
  model: "test-model",
};

beforeAll(async () => {
  admin = await mintToken({ team: TEAM });
  await registerServer(admin, "no-sampling", probeUrl());
  await registerServer(admin, "watched-sampling", probeUrl());
  await registerServer(admin, "judged-results", probeUrl());
  await registerServer(admin, "scripted", probeUrl("/mcp-scripted"));
  await addPolicy({
    name: "no-sampling",
    servers: "no-sampling",
    match: { method: "sampling/createMessage" },
    action: "deny",
    reason: "This server may not use the client's model",
  });
  await addPolicy({
    name: "audit-sampling",
    servers: "watched-sampling",
    match: { method: "sampling/createMessage", direction: "server_request" },
    action: "log",
  });
  await addPolicy({
    name: "redact-leak-results",
    servers: "judged-results",
    match: { direction: "result", tool: "leak" },
    action: "redact",
  });
  await addPolicy({
    name: "scripted-no-plans",
    servers: "scripted",
    match: { direction: "result", tool: "echo", args: { "/content/0/text": { regex: "plan" } } },
    action: "deny",
    reason: "No plans",
  });
  await addPolicy({
    name: "withhold-plans",
    servers: "judged-results",
    match: { direction: "result", tool: "echo", args: { "/content/0/text": { regex: "(?i)secret plan" } } },
    action: "deny",
    reason: "That answer is withheld by policy",
  });
});

describe("judging what the server sends", () => {
  it("withholds a denied sampling request from the client and declines it upstream with the policy's reason", async () => {
    const session = await initialize("no-sampling", admin);
    const answer = vi.fn(() => MODEL_REPLY);
    const { seen } = await callStreaming(
      "no-sampling",
      session,
      "ask",
      { question: "What is six times seven?" },
      answer,
    );
    expect(answer).not.toHaveBeenCalled();
    expect(seen.map((message) => message.method ?? `response ${message.id}`)).toEqual(["response 1"]);
    // The server got the gateway's refusal instead of waiting forever, and its tool said so.
    expect(textOf(seen[0])).toBe("no answer: MCP error -31001: This server may not use the client's model");

    await vi.waitFor(
      async () => {
        const page = await (
          await api("GET", "/api/v1/logs?server=no-sampling&method=sampling/createMessage", admin)
        ).json<{ items: Array<Record<string, unknown>> }>();
        expect(page.items).toEqual([
          expect.objectContaining({
            direction: "server_to_client",
            status: "denied",
            decision: "deny",
            rule: "no-sampling",
          }),
        ]);
      },
      { timeout: 5_000, interval: 50 },
    );
  });

  it("passes an allowed sampling request to the client mid-call, logging the policy that watched it", async () => {
    const session = await initialize("watched-sampling", admin);
    const { contentType, seen } = await callStreaming(
      "watched-sampling",
      session,
      "ask",
      { question: "What is six times seven?" },
      () => MODEL_REPLY,
    );
    expect(contentType).toContain("text/event-stream");
    expect(seen.map((message) => message.method ?? `response ${message.id}`)).toEqual([
      "sampling/createMessage",
      "response 1",
    ]);
    expect(textOf(seen[1])).toBe("model said: forty-two");
    await vi.waitFor(
      async () => {
        const page = await (
          await api("GET", "/api/v1/logs?server=watched-sampling&method=sampling/createMessage", admin)
        ).json<{ items: Array<Record<string, unknown>> }>();
        expect(page.items).toEqual([
          expect.objectContaining({ status: "ok", decision: "allow", rule: "audit-sampling" }),
        ]);
      },
      { timeout: 5_000, interval: 50 },
    );
  });

  it("redacts a result a `result` policy matches, leaving the request as it was", async () => {
    const session = await initialize("judged-results", admin);
    const { seen } = await callStreaming("judged-results", session, "leak", {});
    expect(textOf(seen[0])).toMatch(/^here is \[REDACTED:[a-z_-]+\] and more$/);
    const echoed = await callStreaming("judged-results", session, "echo", {
      text: "ghp_0123456789abcdefghijABCDEFGHIJ012345",
    });
    // The echo tool's results are not redacted: only the leak tool's are.
    expect(textOf(echoed.seen[0])).toBe("received: ghp_0123456789abcdefghijABCDEFGHIJ012345");
  });

  it("replaces a denied result by a refusal the model can read, and lets other results through", async () => {
    const session = await initialize("judged-results", admin);
    const withheld = await callStreaming("judged-results", session, "echo", {
      text: "the Secret Plan is ready",
    });
    expect(withheld.seen).toEqual([
      {
        jsonrpc: "2.0",
        id: 1,
        result: { content: [{ type: "text", text: "That answer is withheld by policy" }], isError: true },
      },
    ]);
    const passed = await callStreaming("judged-results", session, "echo", { text: "an ordinary answer" });
    expect(textOf(passed.seen[0])).toBe("received: an ordinary answer");

    await vi.waitFor(
      async () => {
        const page = await (
          await api("GET", "/api/v1/logs?server=judged-results&tool=echo&decision=deny", admin)
        ).json<{ items: Array<Record<string, unknown>> }>();
        expect(page.items).toEqual([
          expect.objectContaining({
            status: "denied",
            rule: "withhold-plans",
            direction: "client_to_server",
          }),
        ]);
      },
      { timeout: 5_000, interval: 50 },
    );
  });

  it("withholds what it cannot read, and follows a result whose id changed type", async () => {
    const session = await initialize("scripted", admin);
    const answer = vi.fn(() => MODEL_REPLY);
    const { seen } = await callStreaming("scripted", session, "echo", { text: "the plan" }, answer);
    // The server request with a stray key and the line that is not JSON never reach the client; the result sent
    // under id "1" is still judged as the answer to request 1, and denied.
    expect(answer).not.toHaveBeenCalled();
    expect(seen).toEqual([
      { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "No plans" }], isError: true } },
    ]);
  });

  it("refuses, on a GET stream, a replayed result it cannot tie to a request", async () => {
    const session = await initialize("scripted", admin);
    const response = await SELF.fetch(`${GATEWAY}/mcp/scripted`, {
      headers: {
        authorization: `Bearer ${admin}`,
        accept: "text/event-stream",
        "mcp-session-id": session,
        "mcp-protocol-version": "2025-06-18",
      },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain("secret plan");
    expect(text).toContain('"id":41');
    expect(text).toContain('"code":-31001');
  });

  it("refuses a batch that carries a listing, where listings are filtered", async () => {
    const session = await initialize("scripted", admin);
    const response = await mcpPost(
      "scripted",
      admin,
      [
        { jsonrpc: "2.0", id: 1, method: "tools/list" },
        { jsonrpc: "2.0", id: 2, method: "ping" },
      ],
      { sessionId: session, headers: { "mcp-protocol-version": "2025-03-26" } },
    );
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain("not in a batch");
  });
});
