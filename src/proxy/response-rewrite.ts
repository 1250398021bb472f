// Rewrites the JSON-RPC messages of a finished upstream response (a filtered listing, a redacted result). Such a
// response is read whole, bounded, then re-sent: JSON as JSON, SSE as SSE with its event ids and order kept.
import { type JsonRpcMessage, parseMessage } from "../core/jsonrpc.ts";
import { type SseEvent, SseParser } from "../core/sse.ts";
import type { GatewayError } from "../errors.ts";
import { parseJsonOrUndefined, readBoundedText } from "./body-text.ts";
import { isEventStream } from "./response-observer.ts";

export interface Rewritten {
  body: string;
  /** Each message as sent to the client, with its size, for the log. */
  messages: Array<{ message: JsonRpcMessage; bytes: number }>;
}

/**
 * Applies `rewrite` to every JSON-RPC message of the response. A response longer than `maxBytes` fails closed
 * with the error `tooLarge` builds: what cannot be rewritten is not passed on unchanged.
 */
export async function rewriteResponse(
  response: Response,
  rewrite: (message: JsonRpcMessage) => JsonRpcMessage | Promise<JsonRpcMessage>,
  limits: { maxBytes: number; tooLarge: () => GatewayError },
): Promise<Rewritten> {
  const { text, truncated } = await readBoundedText(response.body, limits.maxBytes);
  if (truncated) throw limits.tooLarge();
  const messages: Rewritten["messages"] = [];
  const rewriteData = async (data: string): Promise<string> => {
    const parsed = parseMessage(parseJsonOrUndefined(data));
    if (!parsed.ok) return data;
    const rewritten = await rewrite(parsed.message);
    const out = rewritten === parsed.message ? data : JSON.stringify(rewritten);
    messages.push({ message: rewritten, bytes: out.length });
    return out;
  };
  if (!isEventStream(response.headers.get("content-type")))
    return { body: await rewriteData(text), messages };
  const events: SseEvent[] = [];
  const parser = new SseParser((event) => events.push(event), { maxEventChars: limits.maxBytes });
  parser.push(new TextEncoder().encode(text));
  parser.end();
  let body = "";
  for (const event of events) {
    if (event.id !== null) body += `id: ${event.id}\n`;
    if (event.type !== "message") body += `event: ${event.type}\n`;
    if (event.retry !== null) body += `retry: ${event.retry}\n`;
    // An event without data (a priming event carrying only an id or retry) stays without data.
    if (event.data) for (const line of (await rewriteData(event.data)).split("\n")) body += `data: ${line}\n`;
    body += "\n";
  }
  return { body, messages };
}
