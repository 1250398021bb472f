import { describe, expect, it } from "vitest";
import { messageKind, parseBody } from "../../src/core/jsonrpc.ts";
import { clientInfoOf, messageTarget } from "../../src/core/mcp.ts";

describe("parseBody", () => {
  it("classifies requests, notifications, results and errors", () => {
    const bodies = [
      ['{"jsonrpc":"2.0","id":1,"method":"tools/list"}', "request"],
      ['{"jsonrpc":"2.0","method":"notifications/initialized"}', "notification"],
      ['{"jsonrpc":"2.0","id":"a","result":{}}', "response"],
      ['{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"no"}}', "response"],
    ] as const;
    for (const [text, kind] of bodies) {
      const parsed = parseBody(text);
      expect(parsed.ok && parsed.messages.map(messageKind)).toEqual([kind]);
    }
  });

  it("accepts a batch and reports it as one", () => {
    const parsed = parseBody(
      '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}]',
    );
    expect(parsed).toMatchObject({ ok: true, batch: true });
  });

  it("says what is wrong: parse errors, bad shapes, positional params, empty batches, fractional ids", () => {
    expect(parseBody("{")).toMatchObject({ ok: false, code: -32700 });
    expect(parseBody("[]")).toMatchObject({ ok: false, code: -32600, problem: "a batch must not be empty" });
    expect(parseBody('"hello"')).toMatchObject({ ok: false, code: -32600 });
    expect(parseBody('{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}')).toMatchObject({
      ok: false,
      code: -32600,
      id: 1,
    });
    expect(parseBody('{"jsonrpc":"2.0","id":1.5,"method":"x"}')).toMatchObject({ ok: false, id: null });
    expect(parseBody('{"jsonrpc":"2.0","id":1,"method":"x","extra":true}')).toMatchObject({
      ok: false,
      code: -32600,
    });
  });
});

describe("MCP message details", () => {
  it("names the tool, prompt or resource a message addresses", () => {
    const target = (method: string, params: Record<string, unknown>) =>
      messageTarget({ jsonrpc: "2.0", id: 1, method, params });
    expect(target("tools/call", { name: "echo" })).toBe("echo");
    expect(target("prompts/get", { name: "greet" })).toBe("greet");
    expect(target("resources/read", { uri: "file:///etc/hosts" })).toBe("file:///etc/hosts");
    expect(target("completion/complete", { ref: { type: "ref/prompt", name: "greet" } })).toBe("greet");
    expect(target("tools/list", {})).toBeNull();
  });

  it("reads client info from initialize params, tolerating junk", () => {
    expect(clientInfoOf({ protocolVersion: "2025-06-18", clientInfo: { name: "c", version: "1" } })).toEqual({
      name: "c",
      version: "1",
      protocolVersion: "2025-06-18",
    });
    expect(clientInfoOf({ clientInfo: "nope" })).toEqual({
      name: null,
      version: null,
      protocolVersion: null,
    });
  });
});
