// Requests whose responses are streaming through this isolate, so that a client's notifications/cancelled can
// end them. An upstream sends no response to a cancelled request, so without this its stream would stay open,
// and its log row unwritten, until the session ends.
//
// A Worker may not touch one request's streams from another request, so the cancelling request only raises a
// flag here; the request that owns the stream polls its flags and acts in its own context.
import { isNotification, isRequest, type JsonRpcMessage, type RequestId } from "../core/jsonrpc.ts";
import { Method } from "../core/mcp.ts";

export interface TrackedRequest {
  readonly requestId: RequestId;
  /** Set by cancelInFlight(); read by the request that owns the stream. */
  cancelled: boolean;
}

const MAX_TRACKED = 10_000;
const inFlight = new Map<string, TrackedRequest>();

const keyOf = (sessionId: string, requestId: RequestId) =>
  `${sessionId}\u0000${typeof requestId}:${requestId}`;

/** Registers a request of a session as in flight; returns its flag and the function that unregisters it. */
export function trackInFlight(
  sessionId: string,
  requestId: RequestId,
): { tracked: TrackedRequest; untrack(): void } {
  const key = keyOf(sessionId, requestId);
  const tracked: TrackedRequest = { requestId, cancelled: false };
  inFlight.set(key, tracked);
  if (inFlight.size > MAX_TRACKED) {
    const oldest = inFlight.keys().next().value;
    if (oldest !== undefined) inFlight.delete(oldest);
  }
  return {
    tracked,
    untrack: () => {
      if (inFlight.get(key) === tracked) inFlight.delete(key);
    },
  };
}

/** Flags a request of a session as cancelled; false when it is not in flight in this isolate. */
export function cancelInFlight(sessionId: string, requestId: RequestId): boolean {
  const tracked = inFlight.get(keyOf(sessionId, requestId));
  if (!tracked) return false;
  tracked.cancelled = true;
  return true;
}

/**
 * A relay starts checking whether the client cancelled one of its requests once they have been open this long
 * (most calls are answered sooner, and cost no timer work at all), then checks this often.
 */
const CANCELLATION_WATCH_AFTER_MS = 500;
const CANCELLATION_POLL_MS = 200;

/**
 * Tracks the requests a relay answers, and ends them (log row and stream) once the client cancels them. Returns
 * the function that stops tracking.
 */
export function watchForCancellation(
  sessionId: string,
  messages: readonly JsonRpcMessage[],
  recorder: { cancelled(requestId: RequestId, at: number): boolean; readonly hasOpenRequests: boolean },
  relay: { stop(): void },
): () => void {
  const entries = messages.filter(isRequest).map((request) => trackInFlight(sessionId, request.id));
  if (entries.length === 0) return () => {};
  let poll: ReturnType<typeof setInterval> | null = null;
  const check = () => {
    for (const { tracked } of entries) {
      if (tracked.cancelled) recorder.cancelled(tracked.requestId, Date.now());
    }
    if (!recorder.hasOpenRequests) relay.stop();
  };
  const watch = setTimeout(() => {
    check();
    poll = setInterval(check, CANCELLATION_POLL_MS);
  }, CANCELLATION_WATCH_AFTER_MS);
  return () => {
    clearTimeout(watch);
    if (poll !== null) clearInterval(poll);
    for (const entry of entries) entry.untrack();
  };
}

/** Ends, in this isolate, the requests a notifications/cancelled names. */
export function applyCancellations(sessionId: string, messages: readonly JsonRpcMessage[]): void {
  for (const message of messages) {
    if (!isNotification(message) || message.method !== Method.Cancelled) continue;
    const requestId = message.params?.requestId;
    if (typeof requestId === "string" || typeof requestId === "number") cancelInFlight(sessionId, requestId);
  }
}
