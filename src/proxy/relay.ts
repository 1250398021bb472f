// Relays an upstream response body to the client as it streams, with the recorder watching its messages and
// the relay ending the requests the client cancels.
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { JsonRpcMessage } from "../core/jsonrpc.ts";
import type { EventRecorder } from "../logging/event-recorder.ts";
import { watchForCancellation } from "./in-flight.ts";
import { observeBody } from "./response-observer.ts";

/**
 * Relays an upstream response body to the client while the recorder watches its messages. The requests it
 * answers are tracked for their session, so a later notifications/cancelled can end the relay.
 */
export function relay(
  c: Context<AppEnv>,
  response: Response,
  headers: Headers,
  recorder: EventRecorder,
  tracking: { sessionId: string | null; requests: readonly JsonRpcMessage[] },
  onMessage?: (message: JsonRpcMessage) => void,
): Response {
  if (!response.body) {
    recorder.finish(Date.now());
    return new Response(null, { status: response.status, headers });
  }
  const observed = observeBody(
    response.body,
    response.headers.get("content-type"),
    (message, bytes) => {
      onMessage?.(message);
      recorder.serverMessage(message, bytes, Date.now());
    },
    c.get("config").maxBodyBytes,
  );
  const stopTracking =
    tracking.sessionId === null
      ? () => {}
      : watchForCancellation(tracking.sessionId, tracking.requests, recorder, observed);
  c.executionCtx.waitUntil(
    observed.done.then((end) => {
      stopTracking();
      recorder.finish(Date.now(), end);
    }),
  );
  return new Response(observed.body, { status: response.status, headers });
}
