// Requests whose responses are streaming through this isolate, so that a client's notifications/cancelled can
// end them. An upstream sends no response to a cancelled request, so without this its stream would stay open,
// and its log row unwritten, until the session ends.
//
// A Worker may not touch one request's streams from another request, so the cancelling request only raises a
// flag here; the request that owns the stream polls its flags and acts in its own context.
import type { RequestId } from "../core/jsonrpc.ts";

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
