// Enforces policies on what a client sends, before anything goes upstream. A denied tools/call is answered with a
// tool result marked isError, carrying the policy's reason, so the model sees why and can adapt; a call to a tool
// or prompt hidden from the caller's listings is "unknown" (-32602); any other denied request gets a JSON-RPC
// error with POLICY_DENIED; a denied notification is dropped.
import type { Identity } from "../auth/identity.ts";
import { errorResponse, isRequest, JsonRpcErrorCode, type JsonRpcMessage } from "../core/jsonrpc.ts";
import { Method, messageTarget } from "../core/mcp.ts";
import type { Decision, PolicySet, PolicySubject } from "../core/policy/engine.ts";
import type { RateLimiter } from "../policy/rate-limiter.ts";

/** JSON-RPC error code for a request a policy denied (outside the spec's reserved -32768..-32000). */
export const POLICY_DENIED = -31001;

const DEFAULT_REASON = "Denied by policy.";
const BATCH_REASON = "Not sent: another message in the same batch was denied by policy.";

export interface Verdict {
  message: JsonRpcMessage;
  decision: Decision;
  /** A denied call to a tool or prompt the caller cannot see at all (hidden from their listings). */
  hidden: boolean;
}

const ALLOWED: Decision = Object.freeze({
  action: "allow",
  rule: null,
  reason: null,
  observed: [],
  limits: [],
}) as Decision;

/** The caller as policies see them. */
export function policySubject(identity: Identity): PolicySubject {
  return { sub: identity.subject, team: identity.team, roles: identity.roles, claims: identity.claims };
}

/** The decision for each message the client sent. */
export function judgeClientMessages(
  policies: PolicySet,
  server: string,
  identity: Identity,
  messages: readonly JsonRpcMessage[],
): Verdict[] {
  if (policies.allowsEverything) {
    // No policy and an allow-all default: nothing to judge, the common case kept cheap.
    return messages.map((message) => ({ message, decision: ALLOWED, hidden: false }));
  }
  const subject = policySubject(identity);
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

/** The `rule` logged for a call refused because the tool's changed definition awaits approval. */
export const TOOL_PIN_RULE = "@tool-pinning";

/**
 * Refuses calls to tools whose changed definition awaits an admin's approval, on a server that hides changed
 * tools: such a tool is not in the caller's listings, so for them it does not exist.
 */
export async function applyToolPins(
  verdicts: Verdict[],
  awaitsApproval: (tool: string) => Promise<boolean>,
): Promise<Verdict[]> {
  const checked: Verdict[] = [];
  for (const verdict of verdicts) {
    const { message, decision } = verdict;
    const tool =
      isRequest(message) && message.method === Method.ToolsCall && typeof message.params?.name === "string"
        ? message.params.name
        : null;
    if (tool === null || decision.action === "deny" || !(await awaitsApproval(tool))) {
      checked.push(verdict);
      continue;
    }
    checked.push({
      message,
      hidden: true,
      decision: {
        ...decision,
        action: "deny",
        rule: TOOL_PIN_RULE,
        reason: `Tool '${tool}' changed its definition since it was pinned; an admin must approve the change.`,
        limits: [],
      },
    });
  }
  return checked;
}

/**
 * Counts the requests that fall under rate limits, one Durable Object per (team, policy, caller, server, target)
 * key. A request over a limit becomes a denial whose reason says when to retry; the longest wait is returned for
 * the Retry-After header.
 */
export async function applyRateLimits(
  namespace: DurableObjectNamespace<RateLimiter>,
  identity: Identity,
  server: string,
  verdicts: Verdict[],
): Promise<{ verdicts: Verdict[]; retryAfterSeconds: number | null }> {
  if (verdicts.every((verdict) => verdict.decision.limits.length === 0))
    return { verdicts, retryAfterSeconds: null };
  let retryAfterSeconds: number | null = null;
  const counted: Verdict[] = [];
  for (const verdict of verdicts) {
    let current = verdict;
    for (const limit of verdict.decision.limits) {
      if (current.decision.action === "deny") break;
      const target =
        ("method" in verdict.message && messageTarget(verdict.message)) ||
        ("method" in verdict.message ? verdict.message.method : "");
      const key = [identity.team, limit.rule, identity.subject, server, target].join("\u0000");
      const taken = await namespace
        .get(namespace.idFromName(key))
        .take(limit.requests, limit.perSeconds * 1000);
      if (taken.allowed) continue;
      const seconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
      retryAfterSeconds = Math.max(retryAfterSeconds ?? 0, seconds);
      const reason = `Rate limit reached: at most ${limit.requests} requests per ${limit.perSeconds} s. Retry in ${seconds} s.`;
      current = {
        ...current,
        hidden: false,
        decision: { ...current.decision, action: "deny", rule: limit.rule, reason },
      };
    }
    counted.push(current);
  }
  return { verdicts: counted, retryAfterSeconds };
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
 * The response when any message is denied: nothing of the exchange goes upstream. Requests get their refusals
 * (in a batch, the allowed ones are refused too, since a batch is sent whole or not at all); an exchange of only
 * notifications gets 202.
 */
export function denialResponse(
  verdicts: readonly Verdict[],
  retryAfterSeconds: number | null = null,
): Response {
  const answers = verdicts
    .map(({ message, decision, hidden }) =>
      decision.action === "deny"
        ? refusal(message, decision.reason ?? DEFAULT_REASON, decision.rule, hidden)
        : refusal(message, BATCH_REASON, null),
    )
    .filter((answer) => answer !== null);
  if (answers.length === 0) return new Response(null, { status: 202 });
  const body = verdicts.length === 1 ? answers[0] : answers;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (retryAfterSeconds !== null) headers["retry-after"] = String(retryAfterSeconds);
  return new Response(JSON.stringify(body), { status: 200, headers });
}
