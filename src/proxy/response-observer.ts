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

/** Read buffer sizes: small answers stay cheap; a stream that keeps filling the buffer gets a bigger one. */
const FIRST_READ_BYTES = 8 * 1024;
const MAX_READ_BYTES = 256 * 1024;

/**
 * Reads upstream bytes with a BYOB reader: one read hands over everything the runtime has buffered, so many
 * small network chunks (workerd delivers ~4 KiB each) cost one read instead of one each. The buffer doubles
 * while reads fill it.
 */
function upstreamReader(body: ReadableStream<Uint8Array>): {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
} {
  let byob: ReadableStreamBYOBReader;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    return body.getReader();
  }
  let size = FIRST_READ_BYTES;
  return {
    read: async () => {
      const result = await byob.read(new Uint8Array(size));
      if (result.value?.byteLength === size) size = Math.min(size * 2, MAX_READ_BYTES);
      return result;
    },
    cancel: (reason) => byob.cancel(reason),
  };
}

/**
 * What a relay does with the upstream's bytes: `push` gets each chunk and passes on (with `enqueue`) whatever the
 * client should get; `end` runs once the upstream body is complete.
 */
export interface RelayStage {
  push(chunk: Uint8Array, enqueue: (bytes: Uint8Array) => void): void | Promise<void>;
  end(enqueue: (bytes: Uint8Array) => void): void | Promise<void>;
}

/**
 * Relays `body` to the client through `stage`. The client pulls: upstream bytes are read only when the client is
 * ready for more, so memory stays flat and backpressure reaches the upstream.
 */
export function relayBody(body: ReadableStream<Uint8Array>, stage: RelayStage): ObservedBody {
  const upstream = upstreamReader(body);
  let bytes = 0;
  let settle: (end: StreamEnd) => void = () => {};
  const done = new Promise<StreamEnd>((resolve) => {
    settle = (end) => {
      settle = () => {};
      resolve(end);
    };
  });
  let client: ReadableStreamDefaultController<Uint8Array> | null = null;

  const relayed = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        client = controller;
      },
      async pull(controller) {
        let enqueued = false;
        const enqueue = (out: Uint8Array) => {
          enqueued = true;
          controller.enqueue(out);
        };
        // Read until something can be passed on, or the stream ends.
        while (!enqueued) {
          let chunk: { done: boolean; value?: Uint8Array };
          try {
            chunk = await upstream.read();
          } catch (error) {
            controller.error(error);
            settle({ bytes, complete: false });
            return;
          }
          try {
            if (chunk.done || !chunk.value) {
              await stage.end(enqueue);
              controller.close();
              settle({ bytes, complete: true });
              return;
            }
            bytes += chunk.value.byteLength;
            await stage.push(chunk.value, enqueue);
          } catch (error) {
            // A stage that fails ends the relay: nothing it has not passed on reaches the client.
            console.error("helmet: relaying a response failed", String(error));
            controller.error(error);
            settle({ bytes, complete: false });
            upstream.cancel(error).catch(() => {});
            return;
          }
        }
      },
      cancel(reason) {
        settle({ bytes, complete: false });
        return upstream.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );

  const stop = () => {
    settle({ bytes, complete: false });
    try {
      client?.close();
    } catch {
      // Already closed or errored.
    }
    upstream.cancel().catch(() => {});
  };
  return { body: relayed, stop, done };
}

/**
 * Passes `body` through unchanged while reporting its JSON-RPC messages to `onMessage`: each chunk goes to the
 * client the moment it is read, and the parser looks at it after. A listener that throws is ignored: observing
 * must never break the stream.
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
  return relayBody(body, {
    push(chunk, enqueue) {
      enqueue(chunk);
      inspector.push(chunk);
    },
    end: () => inspector.end(),
  });
}
