// The gateway's judge for what a server sends in one exchange (the core's judgeServerMessage), for its caller, with
// the exchange's requests as the results' context. A response that answers none of them (a result replayed on a
// resumed GET stream, or one under an id the client never used) cannot be judged with its request, nor filtered,
// nor checked against tool pins: it is refused. Runs only when some policy could act on the exchange's server
// messages (PolicySet.judgesServerMessages) or when nothing may pass unjudged (GET streams of policed servers).
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
import { ALLOWED, POLICY_DENIED } from "../core/policy/enforcement.ts";
import type { Decision, PolicySet } from "../core/policy/engine.ts";
import { judgeServerMessage, type ServerVerdict } from "../core/policy/server-messages.ts";
import { policySubject } from "./policy-enforcement.ts";

export type ServerJudge = (message: JsonRpcMessage) => ServerVerdict;

const UNMATCHED_REASON =
  "The server sent a response the gateway cannot tie to a request of this exchange, so it cannot check it " +
  "against the server's policies; retry the request.";

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
  const context = {
    policies: options.policies,
    server: options.server,
    subject: policySubject(options.identity),
    decline: options.decline,
    noteRedactions: options.noteRedactions,
  };
  const answered = new Map<string, JsonRpcRequest>();
  for (const message of options.requests) if (isRequest(message)) answered.set(idKey(message.id), message);

  return (message) => {
    if ("method" in message) return judgeServerMessage(context, message, undefined);
    // An error the server could not tie to a request (id null) carries no result; it passes as it is.
    if (message.id === null) return { forward: message, record: message, decision: ALLOWED };
    const request = answered.get(idKey(message.id));
    if (!request) {
      const decision: Decision = { ...ALLOWED, action: "deny", reason: UNMATCHED_REASON };
      return {
        forward: errorResponse(message.id, POLICY_DENIED, UNMATCHED_REASON),
        record: message,
        decision,
      };
    }
    return judgeServerMessage(context, message, request);
  };
}
