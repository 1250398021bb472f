// The answer to one request the gateway itself sent upstream (session recovery, scans), from a JSON body or from an
// SSE stream read until that answer arrives. Bounded: an answer larger than the limit is not kept.
import { type JsonRpcMessage, parseMessage } from "../core/jsonrpc.ts";
import { SseParser } from "../core/sse.ts";
import { parseJsonOrUndefined, readBoundedText } from "./body-text.ts";
import { isEventStream } from "./response-observer.ts";

/** The response with id `id` in `response`, or undefined when it is not there (or larger than `limit` characters). */
export async function upstreamAnswer(
  response: Response,
  id: string,
  limit: number,
): Promise<JsonRpcMessage | undefined> {
  if (!isEventStream(response.headers.get("content-type"))) {
    const { text, truncated } = await readBoundedText(response.body, limit);
    if (truncated) return undefined;
    const parsed = parseMessage(parseJsonOrUndefined(text));
    return parsed.ok ? parsed.message : undefined;
  }
  if (!response.body) return undefined;
  let answer: JsonRpcMessage | undefined;
  const parser = new SseParser(
    (event) => {
      const parsed = event.data ? parseMessage(parseJsonOrUndefined(event.data)) : null;
      if (parsed?.ok && "id" in parsed.message && parsed.message.id === id) answer = parsed.message;
    },
    { maxEventChars: limit },
  );
  const reader = response.body.getReader();
  while (answer === undefined) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.push(value);
  }
  await reader.cancel();
  return answer;
}
