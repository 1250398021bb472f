// Gathers the events of all the exchanges an isolate is serving: rows wait a moment in one pending batch, which is
// then sent to the events queue in as few messages as fit, so a busy isolate makes one send where it would make
// dozens. The request that opens a batch keeps itself alive (waitUntil) until that batch is sent.
import { enqueueEvents } from "./event-queue.ts";
import { type SessionStart, type StoredEvent, startSessionStatement } from "./log-store.ts";

/** How long rows wait for company before they are written. */
export const WRITE_DELAY_MS = 50;
/** A batch this large is written at once. */
const WRITE_AT_ROWS = 200;

export interface EventWrite {
  rows: StoredEvent[];
  sessionStart: SessionStart | null;
  /** The session whose last_seen_at moves to `at`. */
  touchSession: string | null;
  at: number;
}

interface PendingBatch {
  rows: StoredEvent[];
  sessionStarts: SessionStart[];
  /** Session id → latest activity time, so each session is updated once per batch. */
  touches: Map<string, number>;
  /** Set once a writer has taken the batch, so it is written exactly once. */
  taken: boolean;
}

let pending: PendingBatch | null = null;

/** Queues rows for the next batch write; `ctx` keeps the isolate alive until that write has happened. */
export function queueEventWrite(
  env: Env,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  write: EventWrite,
): void {
  let batch = pending;
  if (!batch) {
    const opened: PendingBatch = { rows: [], sessionStarts: [], touches: new Map(), taken: false };
    pending = batch = opened;
    ctx.waitUntil(
      new Promise((resolve) => setTimeout(resolve, WRITE_DELAY_MS)).then(() => take(env, opened)),
    );
  }
  batch.rows.push(...write.rows);
  if (write.sessionStart) batch.sessionStarts.push(write.sessionStart);
  if (write.touchSession) {
    batch.touches.set(write.touchSession, Math.max(batch.touches.get(write.touchSession) ?? 0, write.at));
  }
  // A full batch is written now, by this request; the opener's timer then finds it taken.
  if (batch.rows.length >= WRITE_AT_ROWS) ctx.waitUntil(take(env, batch));
}

function take(env: Env, batch: PendingBatch): Promise<void> {
  if (batch.taken) return Promise.resolve();
  batch.taken = true;
  if (pending === batch) pending = null;
  return writeBatch(env, batch);
}

async function writeBatch(env: Env, batch: PendingBatch): Promise<void> {
  try {
    // Session rows are written directly: the gateway reads them back to recover a lost upstream session, so they
    // cannot wait for the queue. Events and touches go through the queue.
    await Promise.all([
      batch.sessionStarts.length > 0
        ? env.DB.batch(batch.sessionStarts.map((start) => startSessionStatement(env.DB, start)))
        : null,
      enqueueEvents(env, batch.rows, batch.touches),
    ]);
  } catch (error) {
    // Logging must never break traffic; the operator sees the failure in the Worker's logs.
    console.error("helmet: writing events failed", { count: batch.rows.length, error: String(error) });
  }
}
