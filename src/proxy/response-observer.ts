// Watches an upstream response body on its way to the client without holding it back: every chunk is passed on
// the moment it arrives, and a parser beside the stream reports each JSON-RPC message it carried. Memory stays
// bounded whatever the body's size: SSE events larger than the inspection limit are counted, not kept.
import { type JsonRpcMessage, parseMessage } from "../core/jsonrpc.ts";
import { SseParser } from "../core/sse.ts";

export type MessageListener = (message: JsonRpcMessage, bytes: number) => void;

export interface StreamEnd {
  bytes: number;
  /** False when the stream broke off (upstream failure or client disconnect). */
  complete: boolean;
}

export interface ObservedBody {
  body: ReadableStream<Uint8Array>;
  /** Ends the relay now: the client's stream closes and the upstream body is cancelled. */
  stop(): void;
  /** Settles when the body has been fully passed on or has failed; never rejects. */
  done: Promise<StreamEnd>;
}

export function isEventStream(contentType: string | null): boolean {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() === "text/event-stream";
}

/** Reports the messages in one decoded JSON value: a message or a (2025-03-26) batch of them. */
function reportJson(text: string, bytes: number, onMessage: MessageListener): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return;
  }
  const items = Array.isArray(value) ? value : [value];
  for (const item of items) {
    const parsed = parseMessage(item);
    if (parsed.ok) onMessage(parsed.message, Math.round(bytes / items.length));
  }
}

interface Inspector {
  push(chunk: Uint8Array): void;
  end(): void;
}

function sseInspector(onMessage: MessageListener, maxChars: number): Inspector {
  const parser = new SseParser(
    (event) => {
      if (event.data) reportJson(event.data, event.size, onMessage);
    },
    { maxEventChars: maxChars },
  );
  return { push: (chunk) => parser.push(chunk), end: () => parser.end() };
}

function jsonInspector(onMessage: MessageListener, maxBytes: number): Inspector {
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let total = 0;
  return {
    push(chunk) {
      total += chunk.byteLength;
      if (kept + chunk.byteLength <= maxBytes) {
        chunks.push(chunk);
        kept += chunk.byteLength;
      }
    },
    end() {
      if (total !== kept) return; // larger than the limit: counted, not parsed
      const decoder = new TextDecoder();
      const text = chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join("") + decoder.decode();
      reportJson(text, total, onMessage);
    },
  };
}

/**
 * Passes `body` through unchanged while reporting its JSON-RPC messages to `onMessage`. A listener that throws
 * is ignored: observing must never break the stream.
 */
export function observeBody(
  body: ReadableStream<Uint8Array>,
  contentType: string | null,
  onMessage: MessageListener,
  maxInspectBytes: number,
): ObservedBody {
  const safeListener: MessageListener = (message, bytes) => {
    try {
      onMessage(message, bytes);
    } catch (error) {
      console.error("helmet: message listener failed", String(error));
    }
  };
  const inspector = isEventStream(contentType)
    ? sseInspector(safeListener, maxInspectBytes)
    : jsonInspector(safeListener, maxInspectBytes);
  let bytes = 0;
  let relayController: TransformStreamDefaultController<Uint8Array> | null = null;
  const relay = new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      relayController = controller;
    },
    transform(chunk, controller) {
      controller.enqueue(chunk);
      bytes += chunk.byteLength;
      inspector.push(chunk);
    },
    flush() {
      inspector.end();
    },
  });
  const done = body.pipeTo(relay.writable).then(
    () => ({ bytes, complete: true }),
    () => ({ bytes, complete: false }),
  );
  const stop = () => {
    try {
      relayController?.terminate();
    } catch {
      // Already closed.
    }
  };
  return { body: relay.readable, stop, done };
}
