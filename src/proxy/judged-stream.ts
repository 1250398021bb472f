// Relays an SSE response message by message, for exchanges whose server messages are judged (server-judge.ts):
// each event is passed on as soon as it is complete and its messages have been judged, so progress notifications
// and server requests still arrive while a call runs. Event ids, types and retry hints are kept, so resumption
// still works; an event whose every message was withheld keeps its id and loses its data. Memory stays bounded: an
// event larger than the inspection limit cannot be judged, so it is withheld and replaced by `tooLarge()`'s
// messages (errors answering the exchange's open requests).
import type { JsonRpcMessage } from "../core/jsonrpc.ts";
import { formatSseEvent, type SseEvent, SseParser } from "../core/sse.ts";
import { type ObservedBody, relayBody } from "./response-observer.ts";
import { type MessageRewrite, rewriteData } from "./response-rewrite.ts";

export function judgeEventStream(
  body: ReadableStream<Uint8Array>,
  judge: (message: JsonRpcMessage, bytes: number) => JsonRpcMessage | null,
  options: { maxEventChars: number; tooLarge: () => JsonRpcMessage[] },
): ObservedBody {
  const encoder = new TextEncoder();
  // Judging never lets a message through unjudged: a judge that throws withholds the message.
  const safeJudge: MessageRewrite = (message, bytes) => {
    try {
      return judge(message, bytes);
    } catch (error) {
      console.error("helmet: judging a server message failed; it was withheld", String(error));
      return null;
    }
  };
  const events: SseEvent[] = [];
  const parser = new SseParser((event) => events.push(event), { maxEventChars: options.maxEventChars });
  /** Passes on the events parsed so far, judged. */
  const drain = async (enqueue: (bytes: Uint8Array) => void): Promise<void> => {
    let out = "";
    for (const event of events.splice(0)) {
      if (event.data === null) {
        out += formatSseEvent(event, "");
        for (const message of options.tooLarge()) {
          out += formatSseEvent({ ...event, id: null }, JSON.stringify(message));
        }
        continue;
      }
      out += formatSseEvent(event, event.data ? await rewriteData(event.data, safeJudge, true) : "");
    }
    if (out) enqueue(encoder.encode(out));
  };
  return relayBody(body, {
    push(chunk, enqueue) {
      parser.push(chunk);
      return drain(enqueue);
    },
    end(enqueue) {
      parser.end();
      return drain(enqueue);
    },
  });
}
