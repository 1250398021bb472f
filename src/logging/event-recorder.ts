// Collects the events of one HTTP exchange (the client's messages, what came back, what the gateway refused) and
// hands them, redacted, to the isolate's batch writer off the response path. Long streams hand them over as they go.

import type { Redaction } from "../core/detectors/detect.ts";
import {
  isErrorResponse,
  isNotification,
  isRequest,
  type JsonRpcMessage,
  type JsonRpcRequest,
  messageKind,
  type RequestId,
} from "../core/jsonrpc.ts";
import { logExcerpt } from "../core/log-excerpt.ts";
import { Method, messageTarget, progressTokenOf } from "../core/mcp.ts";
import type { Decision } from "../core/policy/engine.ts";
import { queueEventWrite } from "./event-writer.ts";
import type { SessionStart, StoredEvent } from "./log-store.ts";

/** The part of the Worker's ExecutionContext the recorder needs. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

export type Direction = "client_to_server" | "server_to_client";
/**
 * ok / error: the response passed (a JSON-RPC result / error). rejected: the gateway refused the message.
 * upstream_error: the upstream failed or was unreachable. incomplete: the stream broke before the response.
 * uninspected: the response passed whole but was too large for the gateway to inspect. cancelled: the client
 * cancelled the request before its response. denied: a policy refused the message; it was not sent upstream.
 */
export type EventStatus =
  | "ok"
  | "error"
  | "rejected"
  | "upstream_error"
  | "incomplete"
  | "uninspected"
  | "cancelled"
  | "denied";

export interface ExchangeScope {
  team: string;
  server: string;
  subject: string;
  sessionId: string | null;
}

/** An event before its excerpts and session are filled in (that happens at flush time, off the hot path). */
interface PendingRow extends Omit<StoredEvent, "paramsExcerpt" | "resultExcerpt" | "sessionId"> {
  params: unknown;
  result: unknown;
}

interface OpenRequest {
  row: PendingRow;
  progressToken: string | number | null;
}

/** Unflushed events held before a long-lived stream writes them anyway. */
const FLUSH_AT_ROWS = 25;
const FLUSH_AFTER_MS = 1_000;

/** How a policy decision is filed on an event row. */
function decisionFields(decision: Decision | undefined): { decision: string | null; rule: string | null } {
  if (!decision) return { decision: null, rule: null };
  if (decision.action !== "allow") return { decision: decision.action, rule: decision.rule };
  const dryDeny = decision.observed.find((hit) => hit.dryRun && hit.action === "deny");
  if (dryDeny) return { decision: "would_deny", rule: dryDeny.rule };
  return { decision: "allow", rule: decision.rule ?? decision.observed[0]?.rule ?? null };
}

const keyOf = (id: RequestId) => (typeof id === "number" ? `n:${id}` : `s:${id}`);

export class EventRecorder {
  readonly #env: Env;
  readonly #ctx: WaitUntil;
  #scope: ExchangeScope;
  #rows: PendingRow[] = [];
  #open = new Map<string, OpenRequest>();
  #sessionStart: SessionStart | null = null;
  /** What a redact policy removed from this exchange, both ways: filed on its request rows. */
  #redactions: Redaction[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #finished = false;

  constructor(env: Env, ctx: WaitUntil, scope: ExchangeScope) {
    this.#env = env;
    this.#ctx = ctx;
    this.#scope = scope;
  }

  /**
   * Messages the client sent in this exchange, with the policies' decision for each (same order) when they were
   * judged; requests stay open until their response passes.
   */
  clientMessages(
    messages: readonly JsonRpcMessage[],
    bodyBytes: number,
    at: number,
    decisions: readonly (Decision | undefined)[] = [],
  ): void {
    messages.forEach((message, i) => {
      const bytesIn = messages.length === 1 ? bodyBytes : 0;
      const row = this.#row(message, "client_to_server", at, { bytesIn, status: "ok" });
      Object.assign(row, decisionFields(decisions[i]));
      if (isRequest(message)) {
        this.#open.set(keyOf(message.id), { row, progressToken: progressTokenOf(message.params) });
      } else {
        this.#rows.push(row);
      }
    });
  }

  /**
   * A message that came back from upstream, whole, with the bytes it took on the wire, and the policies' decision
   * on it when server messages were judged (a denied one was withheld from the client).
   */
  serverMessage(message: JsonRpcMessage, bytes: number, at: number, decision?: Decision): void {
    const judged =
      decision && (decision.action !== "allow" || decision.observed.length > 0) ? decision : null;
    if (isNotification(message) && message.method === Method.Progress && judged?.action !== "deny") {
      const token = message.params?.progressToken;
      for (const open of this.#open.values()) {
        if (token !== undefined && open.progressToken === token) {
          open.row.progressCount += 1;
          open.row.bytesOut += bytes;
          return;
        }
      }
    }
    if (!("method" in message)) {
      // An error with a null id answers the only request of an exchange (the upstream could not read its id).
      const lone = this.#open.size === 1 ? this.#open.keys().next().value : undefined;
      const key = message.id !== null ? keyOf(message.id) : isErrorResponse(message) ? lone : undefined;
      const open = key !== undefined ? this.#open.get(key) : undefined;
      if (open && key !== undefined) {
        this.#open.delete(key);
        const row = open.row;
        row.bytesOut += bytes;
        row.latencyMs = Math.max(0, at - row.ts);
        row.result = isErrorResponse(message) ? message.error : message.result;
        if (isErrorResponse(message)) {
          row.status = "error";
          row.errorCode = message.error.code;
        }
        if (judged) {
          // The decision on the result replaces the one on the request (which allowed it).
          Object.assign(row, decisionFields(judged));
          if (judged.action === "deny") row.status = "denied";
        }
        this.#rows.push(row);
        this.#scheduleFlush();
        return;
      }
    }
    // A server-to-client request (sampling, elicitation, roots), a notification, or an unmatched response.
    const row = this.#row(message, "server_to_client", at, { bytesOut: bytes, status: "ok" });
    Object.assign(row, decisionFields(decision));
    if (judged?.action === "deny") row.status = "denied";
    this.#rows.push(row);
    this.#scheduleFlush();
  }

  /**
   * The exchange failed at the gateway: `rejected` when the gateway refused the client's message(s) itself,
   * `upstream_error` when the upstream could not be reached, timed out or failed, `denied` when a policy refused.
   */
  failed(
    messages: readonly JsonRpcMessage[],
    at: number,
    status: "rejected" | "upstream_error" | "denied",
    failure: { jsonRpcCode: number; code: string; message?: string },
    bodyBytes: number,
    decisions: readonly (Decision | undefined)[] = [],
  ): void {
    const list: readonly (JsonRpcMessage | null)[] = messages.length > 0 ? messages : [null];
    list.forEach((message, i) => {
      if (message && isRequest(message)) this.#open.delete(keyOf(message.id));
      const row = this.#row(message, "client_to_server", at, {
        status,
        bytesIn: list.length === 1 ? bodyBytes : 0,
      });
      Object.assign(row, decisionFields(decisions[i]));
      row.errorCode = failure.jsonRpcCode;
      row.latencyMs = 0;
      row.result =
        failure.message === undefined
          ? { reason: failure.code }
          : { reason: failure.code, message: failure.message };
      this.#rows.push(row);
    });
  }

  /** The client cancelled an open request: it is logged as cancelled now. False when it is not open here. */
  cancelled(requestId: RequestId, at: number): boolean {
    const open = this.#open.get(keyOf(requestId));
    if (!open) return false;
    this.#open.delete(keyOf(requestId));
    open.row.status = "cancelled";
    open.row.latencyMs = Math.max(0, at - open.row.ts);
    this.#rows.push(open.row);
    this.#scheduleFlush();
    return true;
  }

  /** True while some request of this exchange still waits for its response. */
  get hasOpenRequests(): boolean {
    return this.#open.size > 0;
  }

  /** Notes what a redact policy removed from this exchange (detector and path only). */
  noteRedactions(redactions: readonly Redaction[]): void {
    this.#redactions.push(...redactions);
  }

  /** Files this exchange's events under a session (one an initialize is opening). */
  useSession(sessionId: string): void {
    this.#scope = { ...this.#scope, sessionId };
  }

  /** Records the session this exchange opened (an initialize that succeeded). */
  sessionStarted(start: SessionStart): void {
    this.#sessionStart = start;
  }

  /**
   * Ends the exchange and schedules the final write. Requests still open had no response the gateway could read:
   * `uninspected` when the body passed whole (too large to inspect), `incomplete` when the stream broke.
   */
  finish(at: number, stream: { complete: boolean; bytes: number } = { complete: true, bytes: 0 }): void {
    if (this.#finished) return;
    this.#finished = true;
    for (const { row } of this.#open.values()) {
      row.status = stream.complete ? "uninspected" : "incomplete";
      // The bytes of a response the gateway could not read are still the bytes the request cost.
      if (this.#open.size === 1) row.bytesOut = Math.max(row.bytesOut, stream.bytes);
      row.latencyMs = Math.max(0, at - row.ts);
      this.#rows.push(row);
    }
    this.#open.clear();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#flush(at);
  }

  #row(
    message: JsonRpcMessage | null,
    direction: Direction,
    at: number,
    fields: { status: EventStatus; bytesIn?: number; bytesOut?: number },
  ): PendingRow {
    const request = message && "method" in message ? (message as JsonRpcRequest) : null;
    const id = message && "id" in message && message.id !== null ? String(message.id) : null;
    let result: unknown = null;
    let errorCode: number | null = null;
    if (message && !("method" in message)) {
      result = isErrorResponse(message) ? message.error : message.result;
      if (isErrorResponse(message)) errorCode = message.error.code;
    }
    return {
      id: crypto.randomUUID(),
      ts: at,
      team: this.#scope.team,
      server: this.#scope.server,
      subject: this.#scope.subject,
      direction,
      kind: message ? messageKind(message) : "request",
      method: request?.method ?? null,
      target: message ? messageTarget(message) : null,
      requestId: id,
      status: errorCode !== null ? "error" : fields.status,
      errorCode,
      latencyMs: null,
      bytesIn: fields.bytesIn ?? 0,
      bytesOut: fields.bytesOut ?? 0,
      progressCount: 0,
      decision: null,
      rule: null,
      redactions: null,
      params: request?.params ?? null,
      result,
    };
  }

  /** Long streams write as they go: at once past FLUSH_AT_ROWS, otherwise within FLUSH_AFTER_MS. */
  #scheduleFlush(): void {
    if (this.#finished) return;
    if (this.#rows.length >= FLUSH_AT_ROWS) {
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = null;
      this.#flush(Date.now());
      return;
    }
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#flush(Date.now());
    }, FLUSH_AFTER_MS);
  }

  /** Hands the rows gathered so far to the isolate's batch writer (excerpts are built here, off the hot path). */
  #flush(at: number): void {
    const rows = this.#rows;
    const sessionStart = this.#sessionStart;
    this.#rows = [];
    this.#sessionStart = null;
    if (rows.length === 0 && !sessionStart) return;
    const sessionId = this.#scope.sessionId;
    const redactions = this.#redactions.length > 0 ? JSON.stringify(this.#redactions) : null;
    queueEventWrite(this.#env, this.#ctx, {
      rows: rows.map(({ params, result, ...row }) => ({
        ...row,
        sessionId,
        redactions:
          row.direction === "client_to_server" && row.kind === "request" ? redactions : row.redactions,
        paramsExcerpt: params === null ? null : logExcerpt(params),
        resultExcerpt: result === null ? null : logExcerpt(result),
      })),
      sessionStart,
      touchSession: sessionId,
      at,
    });
  }
}
