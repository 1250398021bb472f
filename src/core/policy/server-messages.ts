// Judges one message a server sends, the same in the gateway and in the bridge: a request or notification it
// initiates (sampling, elicitation, roots, logging) as direction `server_request`, a result as direction `result`
// with the request it answers for context. A denied server request is withheld and declined to the server (so it
// does not wait for an answer that will not come); a denied notification is dropped; a denied result is replaced
// by the refusal its request would have got. Web-standard APIs only.
import type { Redaction } from "../detectors/detect.ts";
import { isRequest, type JsonRpcMessage, type JsonRpcRequest, type RequestId } from "../jsonrpc.ts";
import { redactMessage } from "../redact-message.ts";
import { DEFAULT_REASON, refusal } from "./enforcement.ts";
import type { Decision, PolicySet, PolicySubject } from "./engine.ts";

export interface ServerVerdict {
  /** What the client gets: the message, a redacted copy, a refusal in its place, or null (withheld). */
  forward: JsonRpcMessage | null;
  /** What the log records: what the server sent (or its redacted copy). */
  record: JsonRpcMessage;
  decision: Decision;
}

export interface ServerMessageContext {
  policies: PolicySet;
  server: string;
  subject: PolicySubject;
  /** Answers a withheld server request to the server with a JSON-RPC error carrying `reason`. */
  decline: (id: RequestId, reason: string) => void;
  noteRedactions: (redactions: readonly Redaction[]) => void;
}

/** The verdict on `message`; `request` is the client request a response answers, when known. */
export function judgeServerMessage(
  context: ServerMessageContext,
  message: JsonRpcMessage,
  request: JsonRpcRequest | undefined,
): ServerVerdict {
  const { policies, server, subject } = context;
  const redacted = (decision: Decision): ServerVerdict => {
    const { message: copy, redactions } = redactMessage(message);
    context.noteRedactions(redactions);
    return { forward: copy, record: copy, decision };
  };
  if ("method" in message) {
    const decision = policies.evaluate({ server, direction: "server_request", subject, message });
    if (decision.action === "deny") {
      if (isRequest(message)) context.decline(message.id, decision.reason ?? DEFAULT_REASON);
      return { forward: null, record: message, decision };
    }
    return decision.action === "redact"
      ? redacted(decision)
      : { forward: message, record: message, decision };
  }
  const decision = policies.evaluate({ server, direction: "result", subject, message, request });
  if (decision.action === "deny") {
    const forward = request
      ? (refusal(request, decision.reason ?? DEFAULT_REASON, decision.rule) as JsonRpcMessage)
      : null;
    return { forward, record: message, decision };
  }
  return decision.action === "redact" ? redacted(decision) : { forward: message, record: message, decision };
}
