// Keeps a client's session alive when its upstream loses state (a restart, an eviction): the gateway opens a new
// upstream session with the client's original initialize params and carries on, so the client never sees a
// stuck session. The database is read only on this rare path; the hot path trusts the sealed session id.
import { isErrorResponse } from "../core/jsonrpc.ts";
import { McpHeader, Method } from "../core/mcp.ts";
import { database } from "../db/client.ts";
import { GatewayError } from "../errors.ts";
import { sessionForRecovery, setUpstreamSession } from "../logging/log-store.ts";
import type { Upstream } from "../registry/upstream-resolver.ts";
import { readBoundedText } from "./body-text.ts";
import type { GatewaySession } from "./session-token.ts";
import { upstreamAnswer } from "./upstream-answer.ts";
import { ACCEPT_POST, callUpstream } from "./upstream-call.ts";

/** Per-isolate memory of sessions, bounded; the sessions table is the durable record. */
const MAX_REMEMBERED = 10_000;
const replacedUpstreamSessions = new Map<string, string | null>();
const endedSessions = new Set<string>();
/** The outcome of a recovery: the upstream session id to use now (null for an upstream that issues none). */
export type Recovery = { recovered: true; upstreamSessionId: string | null } | { recovered: false };

const recoveriesInFlight = new Map<string, Promise<Recovery>>();

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_REMEMBERED) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}

/** The upstream session id to use now: a replacement made after a recovery, or the one sealed in the token. */
export function currentUpstreamSession(session: GatewaySession): string | null {
  return replacedUpstreamSessions.has(session.id)
    ? (replacedUpstreamSessions.get(session.id) ?? null)
    : session.upstreamSessionId;
}

export function markSessionEnded(sessionId: string): void {
  endedSessions.add(sessionId);
  if (endedSessions.size > MAX_REMEMBERED) {
    const oldest = endedSessions.values().next().value;
    if (oldest !== undefined) endedSessions.delete(oldest);
  }
  replacedUpstreamSessions.delete(sessionId);
}

export function isSessionEnded(sessionId: string): boolean {
  return endedSessions.has(sessionId);
}

const LOST_SESSION_BODY_LIMIT = 64 * 1024;
const INITIALIZE_ANSWER_LIMIT = 1024 * 1024;

export type LostSessionCheck = { lost: true } | { lost: false; response: Response };

/**
 * Did the upstream forget the session we named? The spec's answer is 404; servers built on the SDK's example
 * (server-everything among them) answer 400 "No valid session ID provided", so a 400 naming the session counts.
 * When the answer is something else, the response is handed back intact.
 */
export async function checkLostSession(response: Response): Promise<LostSessionCheck> {
  if (response.status === 404) {
    await response.body?.cancel();
    return { lost: true };
  }
  if (response.status !== 400) return { lost: false, response };
  const { text } = await readBoundedText(response.body, LOST_SESSION_BODY_LIMIT);
  if (/session/i.test(text)) return { lost: true };
  return {
    lost: false,
    response: new Response(text, { status: response.status, headers: response.headers }),
  };
}

/**
 * Gives the session a working upstream session again. It cannot be recovered when it ended, the gateway never
 * recorded it, or the upstream refuses to initialise: the client then gets a clean 404 and re-initialises.
 * Concurrent recoveries of one session in an isolate share one attempt.
 */
export function recoverUpstreamSession(
  env: Env,
  upstream: Upstream,
  session: GatewaySession,
  lostUpstreamSessionId: string | null,
  timeoutMs: number,
): Promise<Recovery> {
  const inFlight = recoveriesInFlight.get(session.id);
  if (inFlight) return inFlight;
  const attempt = recover(env, upstream, session, lostUpstreamSessionId, timeoutMs).finally(() =>
    recoveriesInFlight.delete(session.id),
  );
  recoveriesInFlight.set(session.id, attempt);
  return attempt;
}

async function recover(
  env: Env,
  upstream: Upstream,
  session: GatewaySession,
  lost: string | null,
  timeoutMs: number,
): Promise<Recovery> {
  const db = database(env);
  const record = await sessionForRecovery(db, session.id);
  if (!record || record.endedAt !== null || !record.initializeParams) return { recovered: false };
  if (record.upstreamSessionId !== null && record.upstreamSessionId !== lost) {
    // Another isolate already recovered this session.
    remember(replacedUpstreamSessions, session.id, record.upstreamSessionId);
    return { recovered: true, upstreamSessionId: record.upstreamSessionId };
  }
  const replacement = await reinitialize(upstream, JSON.parse(record.initializeParams) as unknown, timeoutMs);
  if (replacement === undefined) return { recovered: false };
  await setUpstreamSession(db, session.id, replacement);
  remember(replacedUpstreamSessions, session.id, replacement);
  return { recovered: true, upstreamSessionId: replacement };
}

/** Runs initialize + notifications/initialized upstream; the new session id, or undefined on failure. */
async function reinitialize(
  upstream: Upstream,
  params: unknown,
  timeoutMs: number,
): Promise<string | null | undefined> {
  const request = {
    jsonrpc: "2.0",
    id: `helmet-reinitialize-${crypto.randomUUID()}`,
    method: Method.Initialize,
    params,
  };
  let response: Response;
  try {
    response = await callUpstream(upstream, {
      method: "POST",
      accept: ACCEPT_POST,
      upstreamSessionId: null,
      body: JSON.stringify(request),
      timeoutMs,
    });
  } catch (error) {
    if (error instanceof GatewayError) return undefined;
    throw error;
  }
  const newSessionId = response.headers.get(McpHeader.SessionId);
  const answer = response.ok
    ? await upstreamAnswer(response, request.id, INITIALIZE_ANSWER_LIMIT)
    : undefined;
  if (!answer || isErrorResponse(answer) || !("result" in answer)) {
    await response.body?.cancel();
    return undefined;
  }
  const protocolVersion =
    typeof answer.result.protocolVersion === "string" ? answer.result.protocolVersion : null;
  const initialized = { jsonrpc: "2.0", method: Method.Initialized };
  try {
    const ack = await callUpstream(upstream, {
      method: "POST",
      accept: ACCEPT_POST,
      upstreamSessionId: newSessionId,
      body: JSON.stringify(initialized),
      extraHeaders: protocolVersion ? { [McpHeader.ProtocolVersion]: protocolVersion } : {},
      timeoutMs,
    });
    await ack.body?.cancel();
    if (!ack.ok) return undefined;
  } catch (error) {
    if (error instanceof GatewayError) return undefined;
    throw error;
  }
  return newSessionId;
}
