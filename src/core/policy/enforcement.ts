// What policies do to MCP traffic, the same in the gateway and in the bridge: the verdict on each message a client
// sends, the refusal that answers a denied request, and the filtering of listings. A denied tools/call is answered
// with a tool result marked isError, carrying the policy's reason, so the model sees why and can adapt; a call to
// a tool or prompt hidden from the caller's listings is "unknown" (-32602); any other denied request gets a
// JSON-RPC error with POLICY_DENIED; a denied notification is dropped. Web-standard APIs only.
import {
  errorResponse,
  idKey,
  isRequest,
  JsonRpcErrorCode,
  type JsonRpcMessage,
  type RequestId,
} from "../jsonrpc.ts";
import { Method } from "../mcp.ts";
import type { Decision, PolicySet, PolicySubject } from "./engine.ts";

/** JSON-RPC error code for a request a policy denied (outside the spec's reserved -32768..-32000). */
export const POLICY_DENIED = -31001;

export const DEFAULT_REASON = "Denied by policy.";
const BATCH_REASON = "Not sent: another message in the same batch was denied by policy.";

export interface Verdict {
  message: JsonRpcMessage;
  decision: Decision;
  /** A denied call to a tool or prompt the caller cannot see at all (hidden from their listings). */
  hidden: boolean;
}

/** The decision on a message no rule decided or observed. */
export const ALLOWED: Decision = Object.freeze({
  action: "allow",
  rule: null,
  reason: null,
  observed: [],
  limits: [],
}) as Decision;

/** The decision for each message the client sent. */
export function judgeRequests(
  policies: PolicySet,
  server: string,
  subject: PolicySubject,
  messages: readonly JsonRpcMessage[],
): Verdict[] {
  if (policies.allowsEverything) {
    // No policy and an allow-all default: nothing to judge, the common case kept cheap.
    return messages.map((message) => ({ message, decision: ALLOWED, hidden: false }));
  }
  const judge = (message: JsonRpcMessage) =>
    policies.evaluate({ server, direction: "request", subject, message });
  return messages.map((message) => {
    const decision = judge(message);
    let hidden = false;
    if (
      decision.action === "deny" &&
      isRequest(message) &&
      (message.method === Method.ToolsCall || message.method === Method.PromptsGet)
    ) {
      // Denied whatever the arguments means the caller's listings do not show it: for them it does not exist.
      hidden = judge({ ...message, params: { ...message.params, arguments: {} } }).action === "deny";
    }
    return { message, decision, hidden };
  });
}

/** The answer to one request that will not be sent upstream (or whose result a policy withheld). */
export function refusal(
  message: JsonRpcMessage,
  reason: string,
  rule: string | null,
  hidden = false,
): unknown {
  if (!isRequest(message)) return null;
  if (hidden) {
    const kind = message.method === Method.ToolsCall ? "tool" : "prompt";
    const name = typeof message.params?.name === "string" ? message.params.name : "";
    return errorResponse(message.id, JsonRpcErrorCode.InvalidParams, `Unknown ${kind}: ${name}`);
  }
  if (message.method === Method.ToolsCall) {
    return {
      jsonrpc: "2.0",
      id: message.id,
      result: { content: [{ type: "text", text: reason }], isError: true },
    };
  }
  return errorResponse(message.id, POLICY_DENIED, reason, { rule });
}

/**
 * The answers when any message is denied: nothing of the exchange goes upstream. Requests get their refusals (in a
 * batch, the allowed ones are refused too, since a batch is sent whole or not at all); null when there are only
 * notifications, which get no answer.
 */
export function denialAnswers(verdicts: readonly Verdict[]): unknown {
  const answers = verdicts
    .map(({ message, decision, hidden }) =>
      decision.action === "deny"
        ? refusal(message, decision.reason ?? DEFAULT_REASON, decision.rule, hidden)
        : refusal(message, BATCH_REASON, null),
    )
    .filter((answer) => answer !== null);
  if (answers.length === 0) return null;
  return verdicts.length === 1 ? answers[0] : answers;
}

/** The listings filtered for each caller, with the call that probes whether an item may be used. */
const LISTS: Record<
  string,
  { key: string; probe: (item: Record<string, unknown>) => JsonRpcMessage | null }
> = {
  "tools/list": {
    key: "tools",
    probe: (item) =>
      typeof item.name === "string"
        ? { jsonrpc: "2.0", id: 0, method: "tools/call", params: { name: item.name, arguments: {} } }
        : null,
  },
  "prompts/list": {
    key: "prompts",
    probe: (item) =>
      typeof item.name === "string"
        ? { jsonrpc: "2.0", id: 0, method: "prompts/get", params: { name: item.name, arguments: {} } }
        : null,
  },
  "resources/list": {
    key: "resources",
    probe: (item) =>
      typeof item.uri === "string"
        ? { jsonrpc: "2.0", id: 0, method: "resources/read", params: { uri: item.uri } }
        : null,
  },
};

export function isFilteredListing(method: string): boolean {
  return Object.hasOwn(LISTS, method);
}

/** Whether the caller may see (and so call) what `probe` asks for: denied whatever its arguments means hidden. */
export function isVisible(
  policies: PolicySet,
  server: string,
  subject: PolicySubject,
  probe: JsonRpcMessage,
): boolean {
  return policies.evaluate({ server, direction: "request", subject, message: probe }).action !== "deny";
}

/** The answer to `request` (a listing) with what the caller may not see left out; other messages unchanged. */
export function filterListingMessage(
  message: JsonRpcMessage,
  request: { id: RequestId; method: string },
  visible: (probe: JsonRpcMessage) => boolean,
): JsonRpcMessage {
  const list = LISTS[request.method];
  if (!list || !("result" in message) || message.id === null || idKey(message.id) !== idKey(request.id))
    return message;
  const items = message.result[list.key];
  if (!Array.isArray(items)) return message;
  const kept = items.filter((item) => {
    if (typeof item !== "object" || item === null) return false;
    const probe = list.probe(item as Record<string, unknown>);
    return probe !== null && visible(probe);
  });
  return { ...message, result: { ...message.result, [list.key]: kept } };
}
