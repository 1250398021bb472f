// Filters tools/list, prompts/list and resources/list results for the caller: what a policy would deny them
// whatever the arguments, they do not see. A listing is small and finite, so its response is read whole (bounded),
// filtered, and re-sent; SSE events keep their ids and order.
import type { Identity } from "../auth/identity.ts";
import { type JsonRpcMessage, parseMessage, type RequestId } from "../core/jsonrpc.ts";
import type { PolicySet } from "../core/policy/engine.ts";
import { SseParser } from "../core/sse.ts";
import { GatewayError } from "../errors.ts";
import { isEventStream } from "./response-observer.ts";

const LISTS: Record<
  string,
  { key: string; probe: (item: Record<string, unknown>) => JsonRpcMessage | null }
> = {
  "tools/list": {
    key: "tools",
    probe: (item) =>
      typeof item.name === "string"
        ? { jsonrpc: "2.0", id: 0, method: "tools/call", params: { name: item.name, arguments: {} } }
        : null,
  },
  "prompts/list": {
    key: "prompts",
    probe: (item) =>
      typeof item.name === "string"
        ? { jsonrpc: "2.0", id: 0, method: "prompts/get", params: { name: item.name, arguments: {} } }
        : null,
  },
  "resources/list": {
    key: "resources",
    probe: (item) =>
      typeof item.uri === "string"
        ? { jsonrpc: "2.0", id: 0, method: "resources/read", params: { uri: item.uri } }
        : null,
  },
};

export function isFilteredListing(method: string): boolean {
  return Object.hasOwn(LISTS, method);
}

/** Whether the caller may see (and so call) what `probe` asks for: denied whatever its arguments means hidden. */
export function isVisible(
  policies: PolicySet,
  server: string,
  identity: Identity,
  probe: JsonRpcMessage,
): boolean {
  const subject = {
    sub: identity.subject,
    team: identity.team,
    roles: identity.roles,
    claims: identity.claims,
  };
  return policies.evaluate({ server, direction: "request", subject, message: probe }).action !== "deny";
}

function filterMessage(
  message: JsonRpcMessage,
  requestId: RequestId,
  method: string,
  visible: (probe: JsonRpcMessage) => boolean,
): JsonRpcMessage {
  const list = LISTS[method];
  if (!list || !("result" in message) || message.id !== requestId) return message;
  const items = message.result[list.key];
  if (!Array.isArray(items)) return message;
  const kept = items.filter((item) => {
    if (typeof item !== "object" || item === null) return false;
    const probe = list.probe(item as Record<string, unknown>);
    return probe !== null && visible(probe);
  });
  return { ...message, result: { ...message.result, [list.key]: kept } };
}

async function readWhole(body: ReadableStream<Uint8Array>, limit: number, server: string): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
    if (text.length > limit) {
      await reader.cancel();
      // Fail closed: a listing the gateway cannot filter is not passed on unfiltered.
      throw new GatewayError(
        502,
        "listing_too_large",
        `Server '${server}' sent a listing too large to filter.`,
      );
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The upstream's answer to a listing, filtered for the caller. Returns the new body and each message it carries
 * (for the log).
 */
export async function filterListing(
  response: Response,
  request: { id: RequestId; method: string },
  visible: (probe: JsonRpcMessage) => boolean,
  limits: { maxBytes: number; server: string },
): Promise<{ body: string; messages: Array<{ message: JsonRpcMessage; bytes: number }> }> {
  const text = response.body ? await readWhole(response.body, limits.maxBytes, limits.server) : "";
  const messages: Array<{ message: JsonRpcMessage; bytes: number }> = [];
  const rewrite = (data: string): string => {
    const parsed = parseMessage(safeJson(data));
    if (!parsed.ok) return data;
    const filtered = filterMessage(parsed.message, request.id, request.method, visible);
    const out = filtered === parsed.message ? data : JSON.stringify(filtered);
    messages.push({ message: filtered, bytes: out.length });
    return out;
  };
  if (!isEventStream(response.headers.get("content-type"))) return { body: rewrite(text), messages };
  let body = "";
  const parser = new SseParser(
    (event) => {
      if (event.id !== null) body += `id: ${event.id}\n`;
      if (event.type !== "message") body += `event: ${event.type}\n`;
      if (event.retry !== null) body += `retry: ${event.retry}\n`;
      // An event without data (a priming event carrying only an id or retry) stays without data.
      if (event.data) for (const line of rewrite(event.data).split("\n")) body += `data: ${line}\n`;
      body += "\n";
    },
    { maxEventChars: limits.maxBytes },
  );
  parser.push(new TextEncoder().encode(text));
  parser.end();
  return { body, messages };
}
