import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  api,
  callTool,
  initialize,
  mcpPost,
  messagesOf,
  mintToken,
  probeUrl,
  registerServer,
} from "./helpers.ts";

// A team of its own, so the policies here touch no other test file's traffic.
const TEAM = "enforce";
let admin: string;

async function addPolicy(document: Record<string, unknown>) {
  const response = await api("POST", "/api/v1/policies", admin, { servers: "*", ...document });
  if (response.status !== 201)
    throw new Error(`policy ${document.name}: ${response.status} ${await response.text()}`);
}

beforeAll(async () => {
  admin = await mintToken({ team: TEAM });
  await registerServer(admin, "guarded", probeUrl());
  await addPolicy({
    name: "no-sleep",
    match: { tool: "sleep" },
    action: "deny",
    reason: "Sleeping is not allowed here",
  });
  await addPolicy({
    name: "no-resource-list",
    match: { method: "resources/list" },
    action: "deny",
    reason: "Listing is off",
  });
  await addPolicy({
    name: "contractors-no-blob",
    match: { tool: "blob", subject: { roles: ["contractor"] } },
    action: "deny",
    reason: "Contractors may not fetch blobs",
  });
  await addPolicy({ name: "trial-no-whoami", match: { tool: "whoami" }, action: "deny", dry_run: true });
  await addPolicy({
    name: "redact-leaks",
    servers: "guarded",
    match: { tool: ["leak", "echo"] },
    action: "redact",
    priority: -1,
  });
  await addPolicy({
    name: "no-secret-queries",
    match: { tool: "leak", args: { "/q": { regex: "secret" } } },
    action: "deny",
    reason: "No secrets",
  });
});

describe("policy enforcement on client requests", () => {
  it("answers a call denied for its arguments with an isError result carrying the reason, without calling the tool", async () => {
    const session = await initialize("guarded", admin);
    const { response, message } = await callTool(
      "guarded",
      admin,
      session,
      "leak",
      { q: "the secret plan" },
      5,
    );
    expect(response.status).toBe(200);
    expect(message).toEqual({
      jsonrpc: "2.0",
      id: 5,
      result: { content: [{ type: "text", text: "No secrets" }], isError: true },
    });
  });

  it("hides a tool denied whatever its arguments: absent from tools/list, unknown when called", async () => {
    const session = await initialize("guarded", admin);
    const listed = await mcpPost(
      "guarded",
      admin,
      { jsonrpc: "2.0", id: 4, method: "tools/list" },
      { sessionId: session },
    );
    const [list] = await messagesOf(listed);
    const names = (list as { result: { tools: Array<{ name: string }> } }).result.tools.map((t) => t.name);
    expect(names).not.toContain("sleep");
    expect(names).toEqual(expect.arrayContaining(["whoami", "leak", "blob"]));
    const { message } = await callTool("guarded", admin, session, "sleep", { ms: 0 }, 5);
    expect(message).toEqual({
      jsonrpc: "2.0",
      id: 5,
      error: { code: -32602, message: "Unknown tool: sleep" },
    });
  });

  it("answers another denied request with a JSON-RPC error naming the rule, and the session goes on", async () => {
    const session = await initialize("guarded", admin);
    const response = await mcpPost(
      "guarded",
      admin,
      { jsonrpc: "2.0", id: 6, method: "resources/list" },
      { sessionId: session },
    );
    const [message] = await messagesOf(response);
    expect(message).toEqual({
      jsonrpc: "2.0",
      id: 6,
      error: { code: -31001, message: "Listing is off", data: { rule: "no-resource-list" } },
    });
    const { message: allowed } = await callTool("guarded", admin, session, "whoami", {}, 7);
    expect(allowed).toHaveProperty("result.content");
    expect(allowed).not.toHaveProperty("result.isError");
  });

  it("applies subject conditions: a contractor neither sees nor may call what others can", async () => {
    const contractor = await mintToken({ team: TEAM, sub: "carl", roles: ["member", "contractor"] });
    const contractorSession = await initialize("guarded", contractor);
    const denied = await callTool("guarded", contractor, contractorSession, "blob", { bytes: 3 }, 8);
    expect(denied.message).toMatchObject({ error: { code: -32602, message: "Unknown tool: blob" } });
    const list = await mcpPost(
      "guarded",
      contractor,
      { jsonrpc: "2.0", id: 9, method: "tools/list" },
      { sessionId: contractorSession },
    );
    const names = (
      (await messagesOf(list))[0] as { result: { tools: Array<{ name: string }> } }
    ).result.tools.map((t) => t.name);
    expect(names).not.toContain("blob");

    const session = await initialize("guarded", admin);
    const allowed = await callTool("guarded", admin, session, "blob", { bytes: 3 }, 9);
    expect(allowed.message).toMatchObject({ result: { content: [{ text: "bbb" }] } });
  });

  it("lets a dry-run policy's call through", async () => {
    const session = await initialize("guarded", admin);
    const { message } = await callTool("guarded", admin, session, "whoami", {}, 10);
    expect(message).not.toHaveProperty("result.isError");
  });

  it("fails closed: an argument too long for a regex condition denies the call", async () => {
    const session = await initialize("guarded", admin);
    const { message } = await callTool(
      "guarded",
      admin,
      session,
      "leak",
      { q: "x".repeat(1024 * 1024 + 1) },
      11,
    );
    expect(message).toMatchObject({
      result: { isError: true, content: [{ text: "Policy evaluation failed, so the message was refused." }] },
    });
    const short = await callTool("guarded", admin, session, "leak", { q: "nothing to see" }, 12);
    expect(short.message).not.toHaveProperty("result.isError");
  });

  it("in allow-list mode shows and allows only what a policy allows, while the session itself works", async () => {
    await registerServer(admin, "strict", probeUrl(), { policy_default: "deny" });
    const session = await initialize("strict", admin);
    const toolNames = async (id: number) => {
      const list = await mcpPost(
        "strict",
        admin,
        { jsonrpc: "2.0", id, method: "tools/list" },
        { sessionId: session },
      );
      return ((await messagesOf(list))[0] as { result: { tools: Array<{ name: string }> } }).result.tools.map(
        (t) => t.name,
      );
    };
    expect(await toolNames(13)).toEqual([]);
    const refused = await callTool("strict", admin, session, "blob", { bytes: 1 }, 14);
    expect(refused.message).toMatchObject({ error: { code: -32602, message: "Unknown tool: blob" } });
    await addPolicy({
      name: "strict-allows-blob",
      servers: "strict",
      match: { tool: "blob" },
      action: "allow",
    });
    expect(await toolNames(15)).toEqual(["blob"]);
    const allowed = await callTool("strict", admin, session, "blob", { bytes: 1 }, 16);
    expect(allowed.message).toMatchObject({ result: { content: [{ text: "b" }] } });
  });

  it("redacts a secret planted in a tool result, and logs what was redacted but not the value", async () => {
    const session = await initialize("guarded", admin);
    const { message } = await callTool("guarded", admin, session, "leak", { q: "nothing" }, 40);
    expect(message).toMatchObject({
      result: { content: [{ text: "here is [REDACTED:github_token] and more" }] },
    });
    expect(JSON.stringify(message)).not.toContain("ghp_");
    await vi.waitFor(
      async () => {
        const page = await (
          await api("GET", "/api/v1/logs?server=guarded&decision=redact&tool=leak", admin)
        ).json<{
          items: Array<{ rule: string; redactions: Array<{ detector: string; path: string }> | null }>;
        }>();
        const item = page.items[0];
        if (!item) throw new Error("redaction not logged yet");
        expect(item.rule).toBe("redact-leaks");
        expect(item.redactions).toEqual([{ detector: "github_token", path: "$.result.content[0].text" }]);
        expect(JSON.stringify(page)).not.toContain("ghp_");
      },
      { timeout: 5_000, interval: 50 },
    );
  });

  it("redacts personal data in a request before it reaches the server", async () => {
    const session = await initialize("guarded", admin);
    const { message } = await callTool(
      "guarded",
      admin,
      session,
      "echo",
      { text: "mail jane@example.com" },
      41,
    );
    expect(message).toMatchObject({ result: { content: [{ text: "received: mail [REDACTED:email]" }] } });
  });

  it("keeps sessions working when a redact policy matches everything, initialize included", async () => {
    await registerServer(admin, "scrubbed", probeUrl());
    await addPolicy({ name: "scrub-everything", servers: "scrubbed", action: "redact" });
    const session = await initialize("scrubbed", admin);
    expect(session).toMatch(/^1\./);
    const { message } = await callTool("scrubbed", admin, session, "leak", {}, 42);
    expect(message).toMatchObject({
      result: { content: [{ text: "here is [REDACTED:github_token] and more" }] },
    });
  });

  it("rate-limits calls per caller: the limit trips with a retry hint, then recovers", async () => {
    await registerServer(admin, "limited", probeUrl());
    await addPolicy({
      name: "two-blobs-per-2s",
      servers: "limited",
      match: { tool: "blob" },
      action: "limit",
      limit: { requests: 2, per_seconds: 2 },
    });
    const session = await initialize("limited", admin);
    expect((await callTool("limited", admin, session, "blob", { bytes: 1 }, 50)).message).toHaveProperty(
      "result.content",
    );
    expect((await callTool("limited", admin, session, "blob", { bytes: 1 }, 51)).message).toHaveProperty(
      "result.content",
    );
    const third = await callTool("limited", admin, session, "blob", { bytes: 1 }, 52);
    expect(third.message).toMatchObject({ result: { isError: true } });
    const text =
      (third.message as { result: { content: Array<{ text: string }> } }).result.content[0]?.text ?? "";
    expect(text).toMatch(/^Rate limit reached: at most 2 requests per 2 s\. Retry in [12] s\.$/);
    const retryAfter = Number(third.response.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    // Another caller has their own allowance.
    const other = await mintToken({ team: TEAM, sub: "olga", roles: ["member"] });
    const otherSession = await initialize("limited", other);
    expect(
      (await callTool("limited", other, otherSession, "blob", { bytes: 1 }, 53)).message,
    ).not.toHaveProperty("result.isError");
    // After the window, the first caller may call again.
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 100));
    expect((await callTool("limited", admin, session, "blob", { bytes: 1 }, 54)).message).toMatchObject({
      result: { content: [{ text: "b" }] },
    });
  });

  it("refuses a limit policy without its limit", async () => {
    const response = await api("POST", "/api/v1/policies", admin, {
      name: "no-numbers",
      servers: "*",
      action: "limit",
    });
    expect(response.status).toBe(400);
    expect((await response.json<{ error: { message: string } }>()).error.message).toContain("limit");
  });

  it("logs every decision with its rule, filterable by decision and rule", async () => {
    const session = await initialize("guarded", admin);
    await callTool("guarded", admin, session, "whoami", {}, 30);
    await callTool("guarded", admin, session, "leak", { q: "secret" }, 31);
    type Item = { decision: string | null; rule: string | null; tool: string | null; status: string };
    const page = async (query: string) =>
      (await (await api("GET", `/api/v1/logs?server=guarded&${query}`, admin)).json<{ items: Item[] }>())
        .items;
    await vi.waitFor(
      async () => {
        const wouldDeny = await page("decision=would_deny");
        if (!wouldDeny.some((i) => i.tool === "whoami")) throw new Error("would_deny not logged yet");
        expect(wouldDeny.every((i) => i.rule === "trial-no-whoami" && i.status === "ok")).toBe(true);
        const denied = await page("decision=deny&rule=no-secret-queries");
        expect(denied.some((i) => i.tool === "leak" && i.status === "denied")).toBe(true);
        const allowed = await page("decision=allow&tool=blob");
        expect(allowed.length).toBeGreaterThan(0);
        expect(allowed.every((i) => i.rule === null)).toBe(true);
      },
      { timeout: 5_000, interval: 50 },
    );
    const bad = await api("GET", "/api/v1/logs?decision=maybe", admin);
    expect(bad.status).toBe(400);
  });

  it("logs denials with status denied and the policy's code", async () => {
    const session = await initialize("guarded", admin);
    await callTool("guarded", admin, session, "sleep", { ms: 0 }, 16);
    await vi.waitFor(
      async () => {
        const page = await (await api("GET", "/api/v1/logs?server=guarded&tool=sleep", admin)).json<{
          items: Array<{ status: string; error_code: number; result_excerpt: string }>;
        }>();
        const denied = page.items.find((item) => item.status === "denied");
        if (!denied) throw new Error("no denial logged yet");
        expect(denied.error_code).toBe(-31001);
        expect(denied.result_excerpt).toContain("policy:no-sleep");
      },
      { timeout: 5_000, interval: 50 },
    );
  });
});
