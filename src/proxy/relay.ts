// Relays an upstream response body to the client as it streams, with the recorder watching its messages and
// the relay ending the requests the client cancels. When policies judge what the server sends, an event stream is
// relayed message by message through the judge instead of byte for byte.
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { errorResponse, idKey, isRequest, type JsonRpcMessage } from "../core/jsonrpc.ts";
import { POLICY_DENIED } from "../core/policy/enforcement.ts";
import type { EventRecorder } from "../logging/event-recorder.ts";
import { watchForCancellation } from "./in-flight.ts";
import { judgeEventStream } from "./judged-stream.ts";
import { isEventStream, type ObservedBody, observeBody } from "./response-observer.ts";
import type { ServerJudge } from "./server-judge.ts";

const TOO_LARGE_TO_JUDGE =
  "The server sent a message too large for the gateway to check against its policies, so it was withheld.";

export interface RelayOptions {
  /** The requests this response answers, tracked for their session so a later notifications/cancelled can end them. */
  tracking: { sessionId: string | null; requests: readonly JsonRpcMessage[] };
  onMessage?: (message: JsonRpcMessage) => void;
  /** Judges each server message of an event stream before the client gets it. */
  judge?: ServerJudge | null;
}

export function relay(
  c: Context<AppEnv>,
  response: Response,
  headers: Headers,
  recorder: EventRecorder,
  { tracking, onMessage, judge }: RelayOptions,
): Response {
  if (!response.body) {
    recorder.finish(Date.now());
    return new Response(null, { status: response.status, headers });
  }
  const maxBytes = c.get("config").maxBodyBytes;
  let observed: ObservedBody;
  if (judge && isEventStream(response.headers.get("content-type"))) {
    const unanswered = new Map(
      tracking.requests.filter(isRequest).map((request) => [idKey(request.id), request]),
    );
    /** Requests the gateway answered itself (see tooLarge): a later answer from the server is dropped. */
    const answeredHere = new Set<string>();
    observed = judgeEventStream(
      response.body,
      (message, bytes) => {
        const id = "method" in message || message.id === null ? null : idKey(message.id);
        if (id !== null && answeredHere.has(id)) return null;
        if (id !== null) unanswered.delete(id);
        const verdict = judge(message);
        onMessage?.(message);
        recorder.serverMessage(verdict.record, bytes, Date.now(), verdict.decision);
        return verdict.forward;
      },
      {
        maxEventChars: maxBytes,
        // Fail closed: the message could not be judged, and it may have been the answer to any open request,
        // so each gets an error instead (and a later answer to it is dropped).
        tooLarge: () => {
          const errors = [...unanswered.values()].map((request) =>
            errorResponse(request.id, POLICY_DENIED, TOO_LARGE_TO_JUDGE),
          );
          for (const key of unanswered.keys()) answeredHere.add(key);
          unanswered.clear();
          for (const error of errors) recorder.serverMessage(error, 0, Date.now());
          return errors;
        },
      },
    );
  } else {
    observed = observeBody(
      response.body,
      response.headers.get("content-type"),
      (message, bytes) => {
        onMessage?.(message);
        recorder.serverMessage(message, bytes, Date.now());
      },
      maxBytes,
    );
  }
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
