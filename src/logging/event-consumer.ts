// The consumer side of the events queue: each run merges its messages into one D1 batch of multi-row inserts.
// Writing is idempotent (an event id is stored once), so a message delivered twice, or retried after a failure
// that had in fact written, stores nothing twice. A message that cannot be read is reported and acknowledged:
// retrying it could never succeed.
import { type EventMessage, storeEvents } from "./event-queue.ts";
import type { StoredEvent } from "./log-store.ts";

/** Retries back off: 2 s, 4 s, ... up to a minute. */
const retryDelaySeconds = (attempts: number) => Math.min(60, 2 ** Math.max(1, attempts));

function readMessage(body: unknown): EventMessage | null {
  if (typeof body !== "string") return null;
  try {
    const message = JSON.parse(body) as Partial<EventMessage>;
    if (message.v !== 1 || !Array.isArray(message.rows) || !Array.isArray(message.touches)) return null;
    return message as EventMessage;
  } catch {
    return null;
  }
}

/** Writes each message on its own, so one that D1 refuses (a bad row) holds back only itself. */
async function storeOneByOne(env: Env, messages: ReadonlyArray<[Message<unknown>, EventMessage]>) {
  for (const [message, content] of messages) {
    try {
      await storeEvents(env.DB, content.rows, new Map(content.touches));
      message.ack();
    } catch (error) {
      console.error("helmet: writing a queued events message failed; it will be retried", {
        id: message.id,
        attempts: message.attempts,
        error: String(error),
      });
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}

export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const readable: Array<[Message<unknown>, EventMessage]> = [];
  for (const message of batch.messages) {
    const content = readMessage(message.body);
    if (content) {
      readable.push([message, content]);
    } else {
      console.error("helmet: dropping an unreadable events message", { id: message.id, queue: batch.queue });
      message.ack();
    }
  }
  if (readable.length === 0) return;
  // The whole run in one D1 batch: duplicates (a redelivered message) collapse here and in the insert.
  const rows = new Map<string, StoredEvent>();
  const touches = new Map<string, number>();
  for (const [, content] of readable) {
    for (const row of content.rows) rows.set(row.id, row);
    for (const [sessionId, at] of content.touches) {
      touches.set(sessionId, Math.max(touches.get(sessionId) ?? 0, at));
    }
  }
  try {
    await storeEvents(env.DB, [...rows.values()], touches);
    for (const [message] of readable) message.ack();
  } catch (error) {
    if (readable.length === 1) return storeOneByOne(env, readable);
    console.warn("helmet: writing a run of queued events failed; writing its messages one by one", {
      messages: readable.length,
      error: String(error),
    });
    await storeOneByOne(env, readable);
  }
}
