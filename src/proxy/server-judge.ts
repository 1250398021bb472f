// Judges what a server sends the client: the requests and notifications it initiates (sampling, elicitation,
// roots, logging) as direction `server_request`, and the results of the client's requests as direction `result`.
// It runs only when some policy could act on them (PolicySet.judgesServerMessages). A denied server request never
// reaches the client and is declined upstream, so the server does not wait for an answer that will not come; a
// denied notification is dropped; a denied result is replaced by a refusal, as a denied request would have been.
import type { Identity } from "../auth/identity.ts";
import type { Redaction } from "../core/detectors/detect.ts";
import {
  errorResponse,
  idKey,
  isRequest,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type RequestId,
} from "../core/jsonrpc.ts";
import { POLICY_DENIED, refusal } from "../core/policy/enforcement.ts";
import type { Decision, PolicySet } from "../core/policy/engine.ts";
import { redactMessage } from "../core/redact-message.ts";
import { policySubject } from "./policy-enforcement.ts";

export interface ServerVerdict {
  /** What the client gets: the message, a redacted copy, a refusal in its place, or null (withheld). */
  forward: JsonRpcMessage | null;
  /** What the log records: what the server sent (or its redacted copy). */
  record: JsonRpcMessage;
  decision: Decision;
}

export type ServerJudge = (message: JsonRpcMessage) => ServerVerdict;

const DEFAULT_REASON = "Denied by policy.";
const UNMATCHED_REASON =
  "The server sent a response the gateway cannot tie to a request of this exchange, so it cannot check it " +
  "against the server's policies; retry the request.";

/** The decision on a message no rule looked at. */
const UNJUDGED: Decision = Object.freeze({
  action: "allow",
  rule: null,
  reason: null,
  observed: [],
  limits: [],
}) as Decision;

export function serverJudge(options: {
  policies: PolicySet;
  server: string;
  identity: Identity;
  /** The client's messages of this exchange, whose results are judged with their request for context. */
  requests: readonly JsonRpcMessage[];
  /** Answers a withheld server request upstream with a JSON-RPC error carrying `reason`. */
  decline: (id: RequestId, reason: string) => void;
  noteRedactions: (redactions: readonly Redaction[]) => void;
}): ServerJudge {
  const { policies, server, decline, noteRedactions } = options;
  const subject = policySubject(options.identity);
  const answered = new Map<string, JsonRpcRequest>();
  for (const message of options.requests) if (isRequest(message)) answered.set(idKey(message.id), message);

  const redacted = (message: JsonRpcMessage, decision: Decision): ServerVerdict => {
    const { message: copy, redactions } = redactMessage(message);
    noteRedactions(redactions);
    return { forward: copy, record: copy, decision };
  };

  return (message) => {
    if ("method" in message) {
      const decision = policies.evaluate({ server, direction: "server_request", subject, message });
      if (decision.action === "deny") {
        if (isRequest(message)) decline(message.id, decision.reason ?? DEFAULT_REASON);
        return { forward: null, record: message, decision };
      }
      return decision.action === "redact"
        ? redacted(message, decision)
        : { forward: message, record: message, decision };
    }
    // An error the server could not tie to a request (id null) carries no result; it passes as it is.
    if (message.id === null) return { forward: message, record: message, decision: UNJUDGED };
    const request = answered.get(idKey(message.id));
    if (!request) {
      // A response to no request of this exchange (a result replayed on a resumed GET stream, or one sent under an
      // id the client never used) cannot be judged with its request, nor filtered, nor checked against tool
      // pins: fail closed, with an error the client can act on.
      const decision: Decision = { ...UNJUDGED, action: "deny", reason: UNMATCHED_REASON };
      return {
        forward: errorResponse(message.id, POLICY_DENIED, UNMATCHED_REASON),
        record: message,
        decision,
      };
    }
    const decision = policies.evaluate({ server, direction: "result", subject, message, request });
    if (decision.action === "deny") {
      const reason = decision.reason ?? DEFAULT_REASON;
      return {
        forward: refusal(request, reason, decision.rule) as JsonRpcMessage,
        record: message,
        decision,
      };
    }
    return decision.action === "redact"
      ? redacted(message, decision)
      : { forward: message, record: message, decision };
  };
}
