// Just enough of an MCP Streamable HTTP client for the benchmark: initialize, notifications/initialized, then
// tools/call over raw keep-alive POSTs. Responses may be JSON or SSE; either way the whole body is read.
import type { Agent } from "node:http";
import { fetchAll, type HttpResponse } from "./http-client.ts";

export const PROTOCOL_VERSION = "2025-06-18";

/** Where calls go: the upstream itself or the gateway in front of it. */
export interface Target {
  label: string;
  url: URL;
  /** Sent on every request (the gateway's bearer token; nothing for the upstream). */
  headers: Record<string, string>;
  agent: Agent;
}

interface RpcMessage {
  jsonrpc: "2.0";
  id?: string | number | null;
  method?: string;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/** The JSON-RPC messages of a response body: one JSON value, or the `data:` of each SSE event. */
export function messagesOf(response: HttpResponse): RpcMessage[] {
  const text = response.body.toString("utf8");
  const type = String(response.headers["content-type"] ?? "");
  const parse = (json: string): RpcMessage[] => {
    try {
      const value = JSON.parse(json) as RpcMessage | RpcMessage[];
      return Array.isArray(value) ? value : [value];
    } catch {
      return [];
    }
  };
  if (!type.startsWith("text/event-stream")) return parse(text);
  const messages: RpcMessage[] = [];
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""))
      .join("\n");
    if (data) messages.push(...parse(data));
  }
  return messages;
}

function describe(response: HttpResponse): string {
  return `HTTP ${response.status}: ${response.body.toString("utf8").slice(0, 300)}`;
}

export class McpSession {
  readonly target: Target;
  readonly sessionId: string | null;
  readonly #headers: Record<string, string>;
  readonly #tag: string;
  #seq = 0;

  constructor(target: Target, sessionId: string | null, protocolVersion: string, tag: string) {
    this.target = target;
    this.sessionId = sessionId;
    this.#tag = tag;
    this.#headers = {
      ...target.headers,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": protocolVersion,
      ...(sessionId === null ? {} : { "mcp-session-id": sessionId }),
    };
  }

  /** initialize + notifications/initialized; `tag` makes this session's echo messages recognisable. */
  static async open(target: Target, tag: string): Promise<McpSession> {
    const initialize = {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: "helmet-bench", version: "1.0.0" },
      },
    };
    const headers = {
      ...target.headers,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    const response = await fetchAll(target.agent, target.url, "POST", headers, JSON.stringify(initialize));
    const answer = messagesOf(response).find((m) => m.id === 0);
    if (response.status !== 200 || !answer?.result) {
      throw new Error(`${target.label}: initialize failed: ${describe(response)}`);
    }
    const sessionHeader = response.headers["mcp-session-id"];
    const sessionId = typeof sessionHeader === "string" ? sessionHeader : null;
    const negotiated = answer.result.protocolVersion;
    const session = new McpSession(
      target,
      sessionId,
      typeof negotiated === "string" ? negotiated : PROTOCOL_VERSION,
      tag,
    );
    const ack = await session.post({ jsonrpc: "2.0", method: "notifications/initialized" });
    if (ack.status !== 202 && ack.status !== 200) {
      throw new Error(`${target.label}: notifications/initialized failed: ${describe(ack)}`);
    }
    return session;
  }

  post(message: object, timeoutMs?: number): Promise<HttpResponse> {
    return fetchAll(
      this.target.agent,
      this.target.url,
      "POST",
      this.#headers,
      JSON.stringify(message),
      timeoutMs,
    );
  }

  /** The headers a request in this session carries (for callers that stream the response themselves). */
  get headers(): Record<string, string> {
    return this.#headers;
  }

  /**
   * One tools/call of `echo`. Checked cheaply (status and the echoed text in the body), the same way for every
   * target; `strict` also parses the response and checks the result properly.
   */
  async echo(strict = false): Promise<void> {
    this.#seq += 1;
    const message = `${this.#tag}-${this.#seq}`;
    const response = await this.post({
      jsonrpc: "2.0",
      id: this.#seq,
      method: "tools/call",
      params: { name: "echo", arguments: { message } },
    });
    if (response.status !== 200 || !response.body.includes(`Echo: ${message}`)) {
      throw new Error(`${this.target.label}: tools/call echo failed: ${describe(response)}`);
    }
    if (strict) {
      const answer = messagesOf(response).find((m) => m.id === this.#seq);
      const content = answer?.result?.content as { type: string; text: string }[] | undefined;
      if (content?.[0]?.text !== `Echo: ${message}`) {
        throw new Error(`${this.target.label}: unexpected echo result: ${describe(response)}`);
      }
    }
  }
}
