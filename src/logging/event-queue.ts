// The producer side of the events queue. The gateway and the ingest API hand events here; they travel to D1 through
// the EVENTS queue, whose consumer (event-consumer.ts) writes many requests' events in one batch. Messages are
// JSON text built here so their size is known before sending: a queue message holds at most 128 KB.
// When the queue refuses a send, the events are written to D1 directly: logs are never dropped for want of a queue.
import { insertEventStatements, type StoredEvent, touchSessionStatement } from "./log-store.ts";

/** What one queue message carries: events, and the sessions whose last_seen_at moves. */
export interface EventMessage {
  v: 1;
  rows: StoredEvent[];
  /** [session id, time]: the session was seen at that time. */
  touches: Array<[string, number]>;
}

/** A message's body stays under the queue's 128 KB message limit, with room for the envelope. */
export const MAX_MESSAGE_BYTES = 120_000;
/** At most this many events per message, so one consumer run (10 messages) stays within D1's query limits. */
export const MAX_ROWS_PER_MESSAGE = 200;
/** sendBatch takes at most 100 messages and 256 KB in all. */
const MAX_MESSAGES_PER_SEND = 100;
const MAX_BYTES_PER_SEND = 250_000;

/** UTF-8 length of a string, without encoding it. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
    } else if (code >= 0xd800 && code <= 0xdbff) {
      // A surrogate pair: two UTF-16 units, four UTF-8 bytes.
      bytes += 2;
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/**
 * Message bodies (JSON text) holding `rows` and `touches`, each within the size and row limits. The touches ride
 * in the first message. A single event is never larger than a message: excerpts are capped well below it.
 */
export function eventMessages(rows: readonly StoredEvent[], touches: ReadonlyMap<string, number>): string[] {
  const touchesJson = JSON.stringify([...touches]);
  const messages: string[] = [];
  let parts: string[] = [];
  let bytes = 0;
  const close = () => {
    const touchPart = messages.length === 0 ? touchesJson : "[]";
    messages.push(`{"v":1,"rows":[${parts.join(",")}],"touches":${touchPart}}`);
    parts = [];
    bytes = 0;
  };
  const envelope = 40 + utf8Length(touchesJson);
  for (const row of rows) {
    const json = JSON.stringify(row);
    const size = utf8Length(json) + 1;
    if (
      parts.length > 0 &&
      (parts.length >= MAX_ROWS_PER_MESSAGE || envelope + bytes + size > MAX_MESSAGE_BYTES)
    ) {
      close();
    }
    parts.push(json);
    bytes += size;
  }
  if (parts.length > 0 || touches.size > 0) close();
  return messages;
}

/** Groups message bodies into sendBatch calls within the queue's per-call limits. */
function sendGroups(messages: readonly string[]): string[][] {
  const groups: string[][] = [];
  let group: string[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = utf8Length(message);
    if (group.length > 0 && (group.length >= MAX_MESSAGES_PER_SEND || bytes + size > MAX_BYTES_PER_SEND)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(message);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** Writes events and session touches to D1 in one batch (duplicate event ids are ignored). */
export async function storeEvents(
  d1: D1Database,
  rows: readonly StoredEvent[],
  touches: ReadonlyMap<string, number>,
): Promise<void> {
  const statements = [
    ...insertEventStatements(d1, rows),
    ...[...touches].map(([sessionId, at]) => touchSessionStatement(d1, sessionId, at)),
  ];
  if (statements.length > 0) await d1.batch(statements);
}

/**
 * Sends events to the EVENTS queue; what the queue refuses (or all of it, when no queue is bound) is written to D1
 * at once instead. Resolves when the events are queued or stored; rejects only if both ways failed.
 */
export async function enqueueEvents(
  env: Env,
  rows: readonly StoredEvent[],
  touches: ReadonlyMap<string, number>,
): Promise<void> {
  if (rows.length === 0 && touches.size === 0) return;
  const queue = env.EVENTS as Queue<string> | undefined;
  if (!queue) return storeEvents(env.DB, rows, touches);
  const groups = sendGroups(eventMessages(rows, touches));
  const sent = await Promise.allSettled(
    groups.map((group) => queue.sendBatch(group.map((body) => ({ body, contentType: "text" as const })))),
  );
  const refused = sent.flatMap((outcome, i) => (outcome.status === "rejected" ? (groups[i] ?? []) : []));
  if (refused.length === 0) return;
  console.warn("helmet: the events queue refused a send; writing those events to D1 directly", {
    messages: refused.length,
    reason: String(sent.find((outcome) => outcome.status === "rejected")?.reason),
  });
  const direct = refused.map((body) => JSON.parse(body) as EventMessage);
  await storeEvents(
    env.DB,
    direct.flatMap((message) => message.rows),
    new Map(direct.flatMap((message) => message.touches)),
  );
}
