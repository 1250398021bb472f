// Rewrites the JSON-RPC messages of a finished upstream response (a filtered listing, a redacted result, judged
// server messages). Such a response is read whole, bounded, then re-sent: JSON as JSON, SSE as SSE with its event
// ids and order kept.
import { type JsonRpcMessage, parseMessage } from "../core/jsonrpc.ts";
import { formatSseEvent, type SseEvent, SseParser } from "../core/sse.ts";
import type { GatewayError } from "../errors.ts";
import { parseJsonOrUndefined, readBoundedText } from "./body-text.ts";
import { isEventStream } from "./response-observer.ts";

/**
 * What becomes of one upstream message: the message to send on (the same object when unchanged), or null to
 * withhold it. `bytes` is its share of the upstream body.
 */
export type MessageRewrite = (
  message: JsonRpcMessage,
  bytes: number,
) => JsonRpcMessage | null | Promise<JsonRpcMessage | null>;

/**
 * The JSON text of one SSE event or JSON body with each message in it rewritten: "" when every message was
 * withheld, `data` itself when nothing changed. A batch (array) is rewritten item by item. What is not a JSON-RPC
 * message passes unchanged, unless `withholdUnparsed`: when policies judge every message, one the gateway cannot
 * read is one it cannot judge, so it is withheld.
 */
export async function rewriteData(
  data: string,
  rewrite: MessageRewrite,
  withholdUnparsed = false,
): Promise<string> {
  const value = parseJsonOrUndefined(data);
  const batch = Array.isArray(value);
  const items: unknown[] = batch ? value : [value];
  const kept: unknown[] = [];
  let changed = false;
  for (const item of items) {
    const parsed = parseMessage(item);
    if (!parsed.ok) {
      if (withholdUnparsed) {
        console.warn(`helmet: withheld a server message that is not valid JSON-RPC (${parsed.problem})`);
        changed = true;
      } else {
        kept.push(item);
      }
      continue;
    }
    const out = await rewrite(parsed.message, Math.round(data.length / items.length));
    if (out !== parsed.message) changed = true;
    if (out !== null) kept.push(out);
  }
  if (!changed) return data;
  if (batch) return kept.length > 0 ? JSON.stringify(kept) : "";
  return kept.length > 0 ? JSON.stringify(kept[0]) : "";
}

/**
 * Applies `rewrite` to every JSON-RPC message of the response and returns the body to send. A response longer
 * than `maxBytes` fails closed with the error `tooLarge` builds: what cannot be rewritten is not passed on.
 */
export async function rewriteResponse(
  response: Response,
  rewrite: MessageRewrite,
  limits: { maxBytes: number; tooLarge: () => GatewayError; withholdUnparsed?: boolean },
): Promise<string> {
  const { text, truncated } = await readBoundedText(response.body, limits.maxBytes);
  if (truncated) throw limits.tooLarge();
  const withhold = limits.withholdUnparsed ?? false;
  if (!isEventStream(response.headers.get("content-type"))) return rewriteData(text, rewrite, withhold);
  const events: SseEvent[] = [];
  const parser = new SseParser((event) => events.push(event), { maxEventChars: limits.maxBytes });
  parser.push(new TextEncoder().encode(text));
  parser.end();
  let body = "";
  for (const event of events) {
    // An event without data (a priming event carrying only an id or retry) stays without data.
    body += formatSseEvent(event, event.data ? await rewriteData(event.data, rewrite, withhold) : "");
  }
  return body;
}
