// /mcp/:server, the Streamable HTTP proxy. Each request runs one pipeline: check the transport, open the
// caller's session, forward upstream (re-initialising a lost upstream session), relay the response as it
// streams, and record what passed, off the response path.
import { type Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import {
  errorResponse,
  isRequest,
  JsonRpcErrorCode,
  type JsonRpcMessage,
  type RequestId,
} from "../core/jsonrpc.ts";
import { clientInfoOf, McpHeader, Method } from "../core/mcp.ts";
import { filterListingMessage, isFilteredListing, POLICY_DENIED } from "../core/policy/enforcement.ts";
import type { PolicySet } from "../core/policy/engine.ts";
import { redactMessage } from "../core/redact-message.ts";
import { database } from "../db/client.ts";
import { GatewayError } from "../errors.ts";
import { EventRecorder } from "../logging/event-recorder.ts";
import { endSession } from "../logging/log-store.ts";
import {
  awaitsApproval,
  type PinScope,
  toolPinWatcher,
  withoutChangedTools,
} from "../pinning/tool-review.ts";
import { resolvePolicies } from "../policy/policy-resolver.ts";
import { resolveUpstream, type Upstream } from "../registry/upstream-resolver.ts";
import { applyCancellations } from "./in-flight.ts";
import { isVisible } from "./list-filter.ts";
import { applyRateLimits, applyToolPins, denialResponse, judgeClientMessages } from "./policy-enforcement.ts";
import { relay } from "./relay.ts";
import {
  checkMessageHeaders,
  parseMessages,
  protocolVersionOf,
  readBoundedBody,
  requireAccept,
  requireJsonContentType,
} from "./request-checks.ts";
import { isEventStream } from "./response-observer.ts";
import { rewriteResponse } from "./response-rewrite.ts";
import { type ServerJudge, serverJudge } from "./server-judge.ts";
import {
  checkLostSession,
  currentUpstreamSession,
  isSessionEnded,
  markSessionEnded,
  recoverUpstreamSession,
} from "./session-recovery.ts";
import {
  type GatewaySession,
  mintSessionToken,
  newSessionId,
  openSessionToken,
  type SessionOwner,
} from "./session-token.ts";
import { ACCEPT_POST, ACCEPT_SSE, callUpstream, type UpstreamCallOptions } from "./upstream-call.ts";
import { clientHeaders, refuseUpstreamFailure } from "./upstream-response.ts";

type McpContext = Context<AppEnv, "/:server">;

/** JSON-RPC code the MCP SDK uses for "session not found". */
const SESSION_NOT_FOUND = -32001;

/** 404 for a session the caller cannot use; it answers `message` when that is a request. */
function sessionNotFound(message?: JsonRpcMessage): GatewayError {
  return new GatewayError(404, "session_not_found", "Session not found: initialize a new session.", {
    jsonRpcCode: SESSION_NOT_FOUND,
    requestId: message && isRequest(message) ? message.id : null,
  });
}

async function upstreamFor(c: McpContext): Promise<Upstream> {
  const config = c.get("config");
  const name = c.req.param("server");
  const upstream = await resolveUpstream(
    c.env,
    config.encryptionKey,
    c.get("identity").team,
    name,
    config.serverCacheTtlMs,
  );
  if (!upstream) {
    throw new GatewayError(
      404,
      "unknown_server",
      `No MCP server named '${name}' is registered for your team.`,
    );
  }
  return upstream;
}

function ownerOf(c: McpContext, upstream: Upstream): SessionOwner {
  const { team, subject } = c.get("identity");
  return { team, subject, serverId: upstream.serverId };
}

/**
 * The caller's session from Mcp-Session-Id: null when absent; 404 (answering `message`) when it is not the
 * caller's or has ended.
 */
async function sessionOf(
  c: McpContext,
  upstream: Upstream,
  message?: JsonRpcMessage,
): Promise<GatewaySession | null> {
  const token = c.req.header(McpHeader.SessionId);
  if (token === undefined) return null;
  const session = await openSessionToken(c.get("config").encryptionKey, ownerOf(c, upstream), token);
  if (!session || isSessionEnded(session.id)) throw sessionNotFound(message);
  return session;
}

function recorderFor(c: McpContext, upstream: Upstream, sessionId: string | null): EventRecorder {
  const { team, subject } = c.get("identity");
  return new EventRecorder(c.env, c.executionCtx, { team, server: upstream.name, subject, sessionId });
}

/**
 * Sends the request upstream; when the upstream has lost the session, re-initialises it once and resends.
 * A session that cannot be recovered ends in a 404 so the client re-initialises.
 */
async function forward(
  c: McpContext,
  upstream: Upstream,
  session: GatewaySession | null,
  options: Omit<UpstreamCallOptions, "upstreamSessionId" | "timeoutMs">,
  firstMessage?: JsonRpcMessage,
): Promise<Response> {
  const timeoutMs = upstream.timeoutMs ?? c.get("config").upstreamTimeoutMs;
  const upstreamSessionId = session ? currentUpstreamSession(session) : null;
  const response = await callUpstream(upstream, { ...options, upstreamSessionId, timeoutMs });
  if (!session || upstreamSessionId === null) return response;
  const check = await checkLostSession(response);
  if (!check.lost) return check.response;
  const recovery = await recoverUpstreamSession(c.env, upstream, session, upstreamSessionId, timeoutMs);
  if (!recovery.recovered) {
    markSessionEnded(session.id);
    throw sessionNotFound(firstMessage);
  }
  // Events of the lost upstream session cannot be replayed by the new one.
  const headers = new Headers(options.clientHeaders);
  headers.delete(McpHeader.LastEventId);
  return callUpstream(upstream, {
    ...options,
    clientHeaders: headers,
    upstreamSessionId: recovery.upstreamSessionId,
    timeoutMs,
  });
}

/** Records a refusal or upstream failure for the exchange, then lets app.onError answer the client. */
function recordFailure(
  recorder: EventRecorder,
  error: unknown,
  messages: JsonRpcMessage[],
  bodyBytes: number,
): never {
  if (error instanceof GatewayError) {
    const status = error.status >= 502 ? "upstream_error" : "rejected";
    recorder.failed(messages, Date.now(), status, error, bodyBytes);
  }
  recorder.finish(Date.now());
  throw error;
}

/**
 * How the gateway answers, within the upstream session, a server request a policy withheld from the client: a
 * JSON-RPC error with the policy's reason, sent off the response path, so the server does not wait for an answer
 * that will not come.
 */
function declineUpstream(
  c: McpContext,
  upstream: Upstream,
  upstreamSessionId: () => string | null,
): (id: RequestId, reason: string) => void {
  return (id, reason) => {
    const protocolVersion = c.req.header(McpHeader.ProtocolVersion);
    const sent = callUpstream(upstream, {
      method: "POST",
      accept: ACCEPT_POST,
      upstreamSessionId: upstreamSessionId(),
      body: JSON.stringify(errorResponse(id, POLICY_DENIED, reason)),
      extraHeaders: protocolVersion ? { [McpHeader.ProtocolVersion]: protocolVersion } : {},
      timeoutMs: upstream.timeoutMs ?? c.get("config").upstreamTimeoutMs,
    });
    c.executionCtx.waitUntil(
      sent
        .then((response) => response.body?.cancel())
        .catch((error: unknown) => {
          console.error(`helmet: declining a server request of '${upstream.name}' failed`, String(error));
        }),
    );
  };
}

/**
 * Judges what the server sends in this exchange, or null when nothing needs judging: no policy could act on it,
 * and (`always` false) nothing else of the server's traffic depends on seeing each message.
 */
function judgeFor(
  c: McpContext,
  upstream: Upstream,
  policies: PolicySet,
  requests: readonly JsonRpcMessage[],
  recorder: EventRecorder,
  upstreamSessionId: () => string | null,
  always = false,
): ServerJudge | null {
  if (!always && !policies.judgesServerMessages(upstream.name, requests)) return null;
  return serverJudge({
    policies,
    server: upstream.name,
    identity: c.get("identity"),
    requests,
    decline: declineUpstream(c, upstream, upstreamSessionId),
    noteRedactions: (redactions) => recorder.noteRedactions(redactions),
  });
}

export const mcpRoutes = new Hono<AppEnv>();

mcpRoutes.post("/:server", async (c) => {
  const startedAt = Date.now();
  const config = c.get("config");
  const upstream = await upstreamFor(c);
  const recorder = recorderFor(c, upstream, null);
  let messages: JsonRpcMessage[] = [];
  let body: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  try {
    requireJsonContentType(c.req.header("content-type"));
    requireAccept(c.req.header("accept"), ["application/json", "text/event-stream"]);
    const protocolVersion = protocolVersionOf(c.req.header(McpHeader.ProtocolVersion));
    body = await readBoundedBody(c.req.raw, config.maxBodyBytes);
    messages = parseMessages(body, protocolVersion);
    checkMessageHeaders(c.req.raw.headers, messages);
    const [first] = messages;
    const initialize =
      messages.length === 1 && first && isRequest(first) && first.method === Method.Initialize ? first : null;
    // An initialize opens a new session, whatever session id the client still holds.
    const session = initialize ? null : await sessionOf(c, upstream, first);
    const sessionId = session?.id ?? (initialize ? newSessionId() : null);
    if (sessionId) recorder.useSession(sessionId);

    const identity = c.get("identity");
    const pinScope: PinScope = {
      team: identity.team,
      serverId: upstream.serverId,
      server: upstream.name,
      subject: identity.subject,
      sessionId,
    };
    const policies = await resolvePolicies(c.env, identity.team, upstream, config.serverCacheTtlMs);
    if (
      messages.length > 1 &&
      (!policies.allowsEverything || upstream.hideChangedTools) &&
      messages.some((message) => isRequest(message) && isFilteredListing(message.method))
    ) {
      // Listings are filtered (and checked against tool pins) one answer at a time; a batched one would pass whole.
      throw new GatewayError(
        400,
        "listing_in_batch",
        `Server '${upstream.name}' filters its listings for each caller: send tools/list, prompts/list and ` +
          "resources/list on their own, not in a batch.",
        { jsonRpcCode: JsonRpcErrorCode.InvalidRequest },
      );
    }
    let judged = judgeClientMessages(policies, upstream.name, identity, messages);
    if (upstream.hideChangedTools) {
      judged = await applyToolPins(judged, (tool) =>
        awaitsApproval(c.env, pinScope, tool, config.serverCacheTtlMs),
      );
    }
    const limited = await applyRateLimits(c.env.RATE_LIMITER, identity, upstream.name, judged);
    const verdicts = limited.verdicts;
    const denied = verdicts.find((verdict) => verdict.decision.action === "deny");
    if (denied) {
      const { rule, reason } = denied.decision;
      recorder.failed(
        messages,
        startedAt,
        "denied",
        { jsonRpcCode: POLICY_DENIED, code: `policy:${rule ?? "default"}`, message: reason ?? "" },
        body.byteLength,
        verdicts.map((verdict) => verdict.decision),
      );
      recorder.finish(Date.now());
      return denialResponse(verdicts, limited.retryAfterSeconds);
    }
    // A redact policy's detectors run on the request before it goes up, and on the response before it comes back.
    const redacting = verdicts.some((verdict) => verdict.decision.action === "redact");
    if (redacting) {
      messages = verdicts.map(({ message, decision }) => {
        if (decision.action !== "redact") return message;
        const redacted = redactMessage(message);
        recorder.noteRedactions(redacted.redactions);
        return redacted.message;
      });
      body = new Uint8Array(
        new TextEncoder().encode(JSON.stringify(messages.length === 1 ? messages[0] : messages)),
      );
    }
    recorder.clientMessages(
      messages,
      body.byteLength,
      startedAt,
      verdicts.map((verdict) => verdict.decision),
    );
    if (session) applyCancellations(session.id, messages);

    const response = await forward(
      c,
      upstream,
      session,
      { method: "POST", accept: ACCEPT_POST, clientHeaders: c.req.raw.headers, body },
      first,
    );
    await refuseUpstreamFailure(response, upstream, session !== null);
    const headers = clientHeaders(response);

    // A successful initialize opens the session: the client gets a sealed id, the log a session record.
    let onMessage: ((message: JsonRpcMessage) => void) | undefined;
    if (initialize && sessionId && response.ok) {
      const opened: GatewaySession = {
        id: sessionId,
        upstreamSessionId: response.headers.get(McpHeader.SessionId),
      };
      headers.set(
        McpHeader.SessionId,
        await mintSessionToken(config.encryptionKey, ownerOf(c, upstream), opened),
      );
      const client = clientInfoOf(initialize.params);
      onMessage = (message) => {
        if (!("result" in message) || message.id !== initialize.id) return;
        const negotiated = message.result.protocolVersion;
        recorder.sessionStarted({
          id: opened.id,
          team: identity.team,
          serverId: upstream.serverId,
          server: upstream.name,
          subject: identity.subject,
          clientName: client.name,
          clientVersion: client.version,
          protocolVersion: typeof negotiated === "string" ? negotiated : client.protocolVersion,
          initializeParams: JSON.stringify(initialize.params ?? {}),
          startedAt,
        });
      };
    }

    // Tool definitions are pinned from the upstream's own tools/list answer, before any policy filtering.
    const [only] = messages;
    const toolsListing =
      !initialize && messages.length === 1 && only && isRequest(only) && only.method === Method.ToolsList
        ? only
        : null;
    const hidingChanged = toolsListing !== null && upstream.hideChangedTools;
    const watchPins =
      toolsListing && !hidingChanged
        ? toolPinWatcher(c.env, c.executionCtx, toolsListing.id, pinScope, config.serverCacheTtlMs)
        : undefined;
    const listing =
      messages.length === 1 && only && isRequest(only) && isFilteredListing(only.method) ? only : null;
    const filtering = listing !== null && !policies.allowsEverything;
    const judge = judgeFor(c, upstream, policies, messages, recorder, () =>
      session ? currentUpstreamSession(session) : response.headers.get(McpHeader.SessionId),
    );
    const streamed = isEventStream(response.headers.get("content-type"));
    if ((hidingChanged || filtering || redacting || (judge && !streamed)) && response.ok) {
      const rewritten = await rewriteResponse(
        response,
        async (message, bytes) => {
          watchPins?.(message);
          let out: JsonRpcMessage = message;
          if (hidingChanged && toolsListing) {
            out = await withoutChangedTools(
              c.env,
              c.executionCtx,
              pinScope,
              config.serverCacheTtlMs,
              toolsListing.id,
              out,
            );
          }
          if (filtering && listing) {
            out = filterListingMessage(out, listing, (probe) =>
              isVisible(policies, upstream.name, identity, probe),
            );
          }
          if (redacting) {
            const redacted = redactMessage(out);
            recorder.noteRedactions(redacted.redactions);
            out = redacted.message;
          }
          const verdict = judge?.(out);
          onMessage?.(message);
          recorder.serverMessage(verdict?.record ?? out, bytes, Date.now(), verdict?.decision);
          return verdict ? verdict.forward : out;
        },
        {
          maxBytes: config.maxBodyBytes,
          withholdUnparsed: judge !== null,
          // Fail closed: what cannot be checked, filtered or redacted is not passed on as it is.
          tooLarge: () =>
            new GatewayError(
              502,
              "response_too_large",
              `Server '${upstream.name}' sent a response too large to check, filter or redact.`,
            ),
        },
      );
      recorder.finish(Date.now());
      return new Response(rewritten, { status: response.status, headers });
    }
    if (messages.every((m) => !isRequest(m)) && response.ok) {
      // Notifications and responses are acknowledged with 202 and no body, whatever the upstream sent.
      await response.body?.cancel();
      recorder.finish(Date.now());
      return new Response(null, { status: 202 });
    }
    // Requests of an opening session are not tracked for cancellation: the session id is not the client's yet.
    const tracking = onMessage ? { sessionId: null, requests: [] } : { sessionId, requests: messages };
    return relay(c, response, headers, recorder, { tracking, onMessage: onMessage ?? watchPins, judge });
  } catch (error) {
    recordFailure(recorder, error, messages, body.byteLength);
  }
});

mcpRoutes.get("/:server", async (c) => {
  const upstream = await upstreamFor(c);
  const recorder = recorderFor(c, upstream, null);
  try {
    requireAccept(c.req.header("accept"), ["text/event-stream"]);
    protocolVersionOf(c.req.header(McpHeader.ProtocolVersion));
    const session = await sessionOf(c, upstream);
    if (session) recorder.useSession(session.id);
    const response = await forward(c, upstream, session, {
      method: "GET",
      accept: ACCEPT_SSE,
      clientHeaders: c.req.raw.headers,
    });
    await refuseUpstreamFailure(response, upstream, session !== null);
    const policies = await resolvePolicies(
      c.env,
      c.get("identity").team,
      upstream,
      c.get("config").serverCacheTtlMs,
    );
    // A GET stream answers no request of its own, yet a resumed one replays results (and listings): on a server
    // with policies or hidden tool changes, every message on it is judged, and replayed results are refused.
    const judge = judgeFor(
      c,
      upstream,
      policies,
      [],
      recorder,
      () => (session ? currentUpstreamSession(session) : null),
      !policies.allowsEverything || upstream.hideChangedTools,
    );
    return relay(c, response, clientHeaders(response), recorder, {
      tracking: { sessionId: null, requests: [] },
      judge,
    });
  } catch (error) {
    recordFailure(recorder, error, [], 0);
  }
});

mcpRoutes.delete("/:server", async (c) => {
  const upstream = await upstreamFor(c);
  const session = await sessionOf(c, upstream);
  if (!session) {
    throw new GatewayError(400, "session_required", "DELETE needs the Mcp-Session-Id of the session to end.");
  }
  const upstreamSessionId = currentUpstreamSession(session);
  let status = 200;
  if (upstreamSessionId !== null) {
    const response = await callUpstream(upstream, {
      method: "DELETE",
      accept: ACCEPT_POST,
      clientHeaders: c.req.raw.headers,
      upstreamSessionId,
      timeoutMs: upstream.timeoutMs ?? c.get("config").upstreamTimeoutMs,
    });
    await refuseUpstreamFailure(response, upstream, true);
    const check = await checkLostSession(response);
    if (!check.lost) {
      await check.response.body?.cancel();
      // The upstream keeps the session (405: it does not let clients end sessions); so does the gateway.
      if (!check.response.ok) return new Response(null, { status: check.response.status });
      status = check.response.status;
    }
  }
  markSessionEnded(session.id);
  c.executionCtx.waitUntil(endSession(database(c.env), c.get("identity").team, session.id, Date.now()));
  return new Response(null, { status });
});
