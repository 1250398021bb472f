// Enforces policies on what a client sends, before anything goes upstream: the core's verdicts
// (src/core/policy/enforcement.ts) for the caller's identity, then tool pins and rate limits, which need the
// gateway's storage, and the HTTP response that carries the refusals.
import type { Identity } from "../auth/identity.ts";
import { isRequest, type JsonRpcMessage } from "../core/jsonrpc.ts";
import { Method, messageTarget } from "../core/mcp.ts";
import { denialAnswers, judgeRequests, type Verdict } from "../core/policy/enforcement.ts";
import type { PolicySet, PolicySubject } from "../core/policy/engine.ts";
import type { RateLimiter } from "../policy/rate-limiter.ts";

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
  return judgeRequests(policies, server, policySubject(identity), messages);
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

/** The response when any message is denied (see denialAnswers); 202 with no body when nothing needs an answer. */
export function denialResponse(
  verdicts: readonly Verdict[],
  retryAfterSeconds: number | null = null,
): Response {
  const body = denialAnswers(verdicts);
  if (body === null) return new Response(null, { status: 202 });
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (retryAfterSeconds !== null) headers["retry-after"] = String(retryAfterSeconds);
  return new Response(JSON.stringify(body), { status: 200, headers });
}
