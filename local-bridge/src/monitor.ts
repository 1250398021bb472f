// Gateway mode of proxy mode (HELMET_SESSION_TOKEN set): the server's policy bundle is fetched (ETag, cached on
// disk) and enforced here with the shared core; the session is registered with the gateway; every message becomes
// an event, shipped in batches to /api/v1/ingest. What cannot be shipped goes to the on-disk spool and is
// replayed when the gateway is back, in this run or the next; event ids make that exactly once.
import { hostname, platform, arch as processorArch } from "node:os";
import {
  errorResponse,
  idKey,
  isRequest,
  type JsonRpcMessage,
  type JsonRpcRequest,
  parseMessage,
  type RequestId,
} from "../../src/core/jsonrpc.ts";
import { logExcerpt } from "../../src/core/log-excerpt.ts";
import { clientInfoOf, messageTarget, progressTokenOf } from "../../src/core/mcp.ts";
import {
  DEFAULT_REASON,
  denialAnswers,
  filterListingMessage,
  isFilteredListing,
  isVisible,
  judgeRequests,
  POLICY_DENIED,
} from "../../src/core/policy/enforcement.ts";
import type { Decision, PolicySubject } from "../../src/core/policy/engine.ts";
import { PolicySet } from "../../src/core/policy/engine.ts";
import { policySchema } from "../../src/core/policy/policy-schema.ts";
import { judgeServerMessage } from "../../src/core/policy/server-messages.ts";
import { redactMessage } from "../../src/core/redact-message.ts";
import { GatewayClient, GatewayFailure } from "./gateway-client.ts";
import type { Logger } from "./log.ts";
import type { MetricsSnapshot } from "./metrics.ts";
import { VERSION } from "./options.ts";
import { cacheRoot, Spool, type SpoolEntry, StateDir } from "./state-dir.ts";

const FLUSH_EVERY_MS = 1_000;
const FLUSH_AT_EVENTS = 100;
const MAX_BATCH = 500;
const MAX_BATCH_CHARS = 1_500_000;
/** Shutdown may not wait on a gateway that does not answer: what is not delivered in this time is spooled. */
const CLOSE_TIMEOUT_MS = 2_000;

/** `text` cut to the ingest API's limit for its field. */
const clip = (text: string | null, max: number) =>
  text !== null && text.length > max ? text.slice(0, max) : text;

/** An event as /api/v1/ingest takes it. */
interface IngestEvent {
  id: string;
  ts: number;
  direction: "client_to_server" | "server_to_client";
  kind: "request" | "notification" | "response";
  method: string | null;
  target: string | null;
  request_id: string | null;
  status: "ok" | "error" | "denied" | "incomplete" | "cancelled";
  error_code: number | null;
  latency_ms: number | null;
  bytes_in: number;
  bytes_out: number;
  progress_count: number;
  decision: "allow" | "deny" | "would_deny" | "redact" | null;
  rule: string | null;
  redactions: Array<{ detector: string; path: string }> | null;
  params_excerpt: string | null;
  result_excerpt: string | null;
}

/** What becomes of a server's message: `forward` it to the client (possibly rewritten), and what to answer it with. */
export interface ServerOutcome {
  forward: JsonRpcMessage | null;
  /** Messages for the server: the errors that decline the server requests a policy withheld. */
  toServer: unknown[];
}

/** What becomes of a message: `forward` it (possibly rewritten), and/or `reply` to its sender. */
export interface Outcome {
  forward: JsonRpcMessage | null;
  reply: unknown;
}

export interface MonitorOptions {
  token: string;
  apiUrl: string;
  server: string;
  onGatewayError: "open" | "closed";
}

function decisionOf(decision: Decision | undefined): Pick<IngestEvent, "decision" | "rule"> {
  if (!decision) return { decision: null, rule: null };
  if (decision.action !== "allow") return { decision: decision.action, rule: decision.rule };
  const dryDeny = decision.observed.find((hit) => hit.dryRun && hit.action === "deny");
  if (dryDeny) return { decision: "would_deny", rule: dryDeny.rule };
  return { decision: "allow", rule: decision.rule ?? decision.observed[0]?.rule ?? null };
}

export class Monitor {
  readonly #client: GatewayClient;
  readonly #spool: Spool;
  readonly #log: Logger;
  readonly #server: string;
  readonly #sessionId = crypto.randomUUID();
  readonly #policies: PolicySet | null;
  readonly #subject: PolicySubject | null;
  /** Client requests waiting for their answer: their event, and what the answer needs (listing filter, redaction). */
  readonly #open = new Map<
    string,
    { event: IngestEvent; request: JsonRpcRequest; startedAt: number; redact: boolean }
  >();
  /** Progress token → the open request that gave it, so a progress notification finds its request at once. */
  readonly #byProgressToken = new Map<string, string>();
  #queue: IngestEvent[] = [];
  #droppedWhileSpooling = 0;
  #totals = { calls: 0, errors: 0, bytes_in: 0, bytes_out: 0 };
  #registered = false;
  #spooling = false;
  #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();

  readonly #state: StateDir;

  private constructor(
    client: GatewayClient,
    state: StateDir,
    log: Logger,
    server: string,
    policies: PolicySet | null,
    subject: PolicySubject | null,
  ) {
    this.#client = client;
    this.#state = state;
    this.#spool = new Spool(state.spoolDir);
    this.#log = log;
    this.#server = server;
    this.#policies = policies;
    this.#subject = subject;
    this.#timer = setInterval(() => this.#enqueue(() => this.#flush()), FLUSH_EVERY_MS).unref();
  }

  /**
   * Fetches the bundle (or falls back to the cached one) and starts the session. Null when there is no bundle and
   * --on-gateway-error is closed: the caller refuses to run.
   */
  static async start(options: MonitorOptions, log: Logger): Promise<Monitor | null> {
    const client = new GatewayClient(options.apiUrl, options.token);
    const state = new StateDir(cacheRoot(process.env), options.apiUrl, options.token);
    const cached = state.readBundle(options.server);
    let current = cached;
    try {
      const identity = await client.me();
      const fetched = await client.bundle(options.server, cached?.etag ?? null);
      if (fetched !== "unchanged") {
        current = { ...fetched, identity, fetchedAt: Date.now() };
        state.writeBundle(options.server, current);
      } else if (cached) {
        current = { ...cached, identity };
      }
      log.info(
        `policies for '${options.server}': bundle ${current?.bundle.version} (${current?.bundle.policies.length} policies)`,
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (cached) {
        log.info(`cannot refresh policies (${reason}); enforcing the cached bundle ${cached.bundle.version}`);
      } else if (options.onGatewayError === "open") {
        log.info(
          `cannot get policies (${reason}) and none are cached; running WITHOUT policies (--on-gateway-error open)`,
        );
      } else {
        log.info(
          `cannot get policies (${reason}) and none are cached; not starting (--on-gateway-error closed)`,
        );
        return null;
      }
    }
    let policies: PolicySet | null = null;
    let subject: PolicySubject | null = null;
    if (current) {
      // A policy this version cannot read (a newer gateway's, say) could be a deny: enforcing the rest would fail
      // open, so a bundle with one is no bundle at all.
      const parsed = current.bundle.policies.map((document) => policySchema.safeParse(document));
      const invalid = parsed.find((result) => !result.success);
      if (invalid && !invalid.success) {
        const problem = `policy bundle ${current.bundle.version} holds a policy this helmet cannot read (${invalid.error.issues[0]?.message ?? "invalid"}); update helmet`;
        if (options.onGatewayError === "closed") {
          log.info(`${problem}; not starting (--on-gateway-error closed)`);
          return null;
        }
        log.info(`${problem}; running WITHOUT policies (--on-gateway-error open)`);
      } else {
        const documents = parsed.flatMap((result) => (result.success ? [result.data] : []));
        policies = PolicySet.compile(documents, current.bundle.policy_default);
        const { subject: sub, team, roles, claims } = current.identity;
        subject = { sub, team, roles, claims };
      }
    }
    const monitor = new Monitor(client, state, log, options.server, policies, subject);
    monitor.#enqueue(() => monitor.#replaySpool());
    return monitor;
  }

  /** A monitor for another session of the same server (`helmet serve`), with the same policies and identity. */
  forAnotherSession(): Monitor {
    return new Monitor(this.#client, this.#state, this.#log, this.#server, this.#policies, this.#subject);
  }

  /** A parsed line as one JSON-RPC message, or null when it is not one. */
  parse(value: unknown): JsonRpcMessage | null {
    const parsed = parseMessage(value);
    return parsed.ok ? parsed.message : null;
  }

  /** A message from the client: judged, recorded, and forwarded or answered here. */
  fromClient(message: JsonRpcMessage, bytes: number): Outcome {
    const now = Date.now();
    if (isRequest(message) && message.method === "initialize") this.#register(message.params, now);
    const [verdict] =
      this.#policies && this.#subject
        ? judgeRequests(this.#policies, this.#server, this.#subject, [message])
        : [];
    const decision = verdict?.decision;
    const event = this.#event(message, "client_to_server", now, { bytes_in: bytes, ...decisionOf(decision) });
    if (verdict && decision?.action === "deny") {
      event.status = "denied";
      event.result_excerpt = logExcerpt({ reason: decision.reason ?? DEFAULT_REASON });
      this.#push(event);
      return { forward: null, reply: denialAnswers([verdict]) };
    }
    let forward = message;
    const redact = decision?.action === "redact";
    if (redact) {
      const redacted = redactMessage(message);
      forward = redacted.message;
      event.redactions = redacted.redactions.length > 0 ? redacted.redactions : null;
    }
    if (isRequest(message)) {
      const key = idKey(message.id);
      this.#open.set(key, { event, request: message, startedAt: now, redact });
      const token = progressTokenOf(message.params);
      if (token !== null) this.#byProgressToken.set(String(token), key);
    } else {
      // A cancelled request gets no answer (the spec says so): it is logged as cancelled now.
      const cancelled =
        "method" in message && message.method === "notifications/cancelled"
          ? message.params?.requestId
          : undefined;
      const key = typeof cancelled === "string" || typeof cancelled === "number" ? idKey(cancelled) : null;
      const open = key === null ? undefined : this.#open.get(key);
      if (open && key !== null) {
        this.#closeRequest(key);
        open.event.status = "cancelled";
        open.event.latency_ms = Math.max(0, now - open.startedAt);
        this.#push(open.event);
      }
      this.#push(event);
    }
    return { forward, reply: null };
  }

  /**
   * A message from the server: judged where a policy could act on it (a denied server request is withheld and
   * declined to the server, a denied result replaced by a refusal), listings filtered for the caller, redacted
   * where the request was, recorded.
   */
  fromServer(message: JsonRpcMessage, bytes: number): ServerOutcome {
    const now = Date.now();
    const toServer: unknown[] = [];
    const redactions: Array<{ detector: string; path: string }> = [];
    const context =
      this.#policies && this.#subject
        ? {
            policies: this.#policies,
            server: this.#server,
            subject: this.#subject,
            decline: (id: RequestId, reason: string) =>
              toServer.push(errorResponse(id, POLICY_DENIED, reason)),
            noteRedactions: (found: readonly { detector: string; path: string }[]) =>
              redactions.push(...found),
          }
        : null;
    if ("method" in message) {
      const verdict = context?.policies.judgesServerMessages(this.#server, [])
        ? judgeServerMessage(context, message, undefined)
        : null;
      const denied = verdict?.decision.action === "deny";
      const token = message.method === "notifications/progress" ? progressTokenOf(message.params) : null;
      const owner = token === null || denied ? undefined : this.#byProgressToken.get(String(token));
      const open = owner === undefined ? undefined : this.#open.get(owner);
      if (open) {
        open.event.progress_count += 1;
        open.event.bytes_out += bytes;
      } else {
        const event = this.#event(verdict?.record ?? message, "server_to_client", now, {
          bytes_out: bytes,
          ...decisionOf(verdict?.decision),
        });
        if (denied) event.status = "denied";
        if (redactions.length > 0) event.redactions = redactions;
        this.#push(event);
      }
      return { forward: verdict ? verdict.forward : message, toServer };
    }
    const key = message.id === null ? null : idKey(message.id);
    const open = key === null ? undefined : this.#open.get(key);
    if (!open || key === null) {
      this.#push(this.#event(message, "server_to_client", now, { bytes_out: bytes }));
      return { forward: message, toServer };
    }
    this.#closeRequest(key);
    let out: JsonRpcMessage = message;
    let record: JsonRpcMessage = message;
    const request = open.request;
    const event = open.event;
    if (context?.policies.judgesServerMessages(this.#server, [request])) {
      const verdict = judgeServerMessage(context, message, request);
      record = verdict.record;
      out = verdict.forward ?? message;
      if (verdict.decision.action !== "allow" || verdict.decision.observed.length > 0) {
        Object.assign(event, decisionOf(verdict.decision));
      }
      if (verdict.decision.action === "deny") event.status = "denied";
    }
    if (context && isFilteredListing(request.method)) {
      const { policies, subject } = context;
      out = filterListingMessage(out, request, (probe) => isVisible(policies, this.#server, subject, probe));
    }
    if (open.redact) {
      const redacted = redactMessage(out);
      out = redacted.message;
      record = redacted.message;
      redactions.push(...redacted.redactions);
    }
    if (redactions.length > 0) event.redactions = [...(event.redactions ?? []), ...redactions];
    event.latency_ms = Math.max(0, now - open.startedAt);
    event.bytes_out += bytes;
    if ("error" in record) {
      if (event.status !== "denied") event.status = "error";
      event.error_code = record.error.code;
      event.result_excerpt = logExcerpt(record.error);
    } else if ("result" in record) {
      event.result_excerpt = logExcerpt(record.result);
    }
    this.#push(event);
    return { forward: out, toServer };
  }

  /**
   * Sends an interval's metrics (see metrics.ts) with the session's running totals; they become the session's
   * latest metrics at the gateway. Before the session is registered there is nothing to file them under.
   */
  reportMetrics(interval: MetricsSnapshot): void {
    if (!this.#registered) return;
    this.#totals.calls += interval.calls;
    this.#totals.errors += interval.errors;
    this.#totals.bytes_in += interval.bytesIn;
    this.#totals.bytes_out += interval.bytesOut;
    const body = {
      at: Date.now(),
      totals: { ...this.#totals },
      interval: {
        ms: Math.round(interval.intervalMs),
        calls: interval.calls,
        errors: interval.errors,
        p50_ms: interval.p50Ms,
        p95_ms: interval.p95Ms,
        p99_ms: interval.p99Ms,
        bytes_in: interval.bytesIn,
        bytes_out: interval.bytesOut,
      },
    };
    this.#enqueue(() => this.#send({ kind: "metrics", sessionId: this.#sessionId, body }));
  }

  /** Ships what is left (or spools it), ends the session. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#client.timeoutMs = CLOSE_TIMEOUT_MS;
    const now = Date.now();
    for (const open of this.#open.values()) {
      open.event.status = "incomplete";
      open.event.latency_ms = Math.max(0, now - open.startedAt);
      this.#queue.push(open.event);
    }
    this.#open.clear();
    this.#byProgressToken.clear();
    this.#enqueue(() => this.#flush());
    if (this.#registered)
      this.#enqueue(() => this.#send({ kind: "end", sessionId: this.#sessionId, endedAt: now }));
    await this.#flushing;
  }

  /** The request `key` is answered (or cancelled): it and its progress token are forgotten. */
  #closeRequest(key: string): void {
    const open = this.#open.get(key);
    this.#open.delete(key);
    const token = open ? progressTokenOf(open.request.params) : null;
    if (token !== null && this.#byProgressToken.get(String(token)) === key)
      this.#byProgressToken.delete(String(token));
  }

  #register(params: Record<string, unknown> | undefined, at: number): void {
    if (this.#registered) return;
    this.#registered = true;
    const client = clientInfoOf(params);
    const body = {
      id: this.#sessionId,
      server: this.#server,
      client_name: clip(client.name, 256),
      client_version: clip(client.version, 64),
      protocol_version: clip(client.protocolVersion, 32),
      machine: {
        host: hostname(),
        os: platform(),
        arch: processorArch(),
        node: process.version,
        helmet: VERSION,
      },
      started_at: at,
    };
    this.#enqueue(() => this.#send({ kind: "session", body }));
  }

  #event(
    message: JsonRpcMessage,
    direction: IngestEvent["direction"],
    at: number,
    fields: Partial<IngestEvent>,
  ): IngestEvent {
    const isCall = "method" in message;
    return {
      id: crypto.randomUUID(),
      ts: at,
      direction,
      kind: isCall ? ("id" in message ? "request" : "notification") : "response",
      method: clip(isCall ? message.method : null, 256),
      target: clip(messageTarget(message), 2_048),
      request_id: clip("id" in message && message.id !== null ? String(message.id) : null, 256),
      status: "ok",
      error_code: null,
      latency_ms: null,
      bytes_in: 0,
      bytes_out: 0,
      progress_count: 0,
      decision: null,
      rule: null,
      redactions: null,
      params_excerpt: isCall && message.params !== undefined ? logExcerpt(message.params) : null,
      result_excerpt: null,
      ...fields,
    };
  }

  #push(event: IngestEvent): void {
    if (event.redactions) {
      event.redactions = event.redactions
        .slice(0, 100)
        .map(({ detector, path }) => ({ detector: detector.slice(0, 64), path: path.slice(0, 512) }));
    }
    this.#queue.push(event);
    if (this.#queue.length >= FLUSH_AT_EVENTS) this.#enqueue(() => this.#flush());
  }

  /** Runs `task` after the ones before it; a task that fails is logged, never left unhandled. */
  #enqueue(task: () => Promise<void>): void {
    this.#flushing = this.#flushing.then(task).catch((error: unknown) => {
      this.#log.info(
        `shipping to ${this.#client.origin} failed: ${error instanceof Error ? error.message : error}`,
      );
    });
  }

  async #flush(): Promise<void> {
    if (this.#spooling) await this.#replaySpool();
    // Events belong to a session the gateway must know first; until the client's initialize, they wait.
    if (!this.#registered || this.#queue.length === 0) return;
    while (this.#queue.length > 0) {
      // Batches stay within the ingest API's limits: 500 events and 2 MiB (1.5 MiB here, for headroom).
      let count = 0;
      let size = 0;
      while (count < this.#queue.length && count < MAX_BATCH) {
        size += JSON.stringify(this.#queue[count]).length;
        if (count > 0 && size > MAX_BATCH_CHARS) break;
        count += 1;
      }
      const events = this.#queue.splice(0, count);
      await this.#send({ kind: "events", sessionId: this.#sessionId, events });
    }
  }

  /** Sends one entry; while the gateway is unavailable (or anything is spooled), it goes to the spool instead. */
  async #send(entry: SpoolEntry): Promise<void> {
    if (!this.#spooling) {
      try {
        await this.#deliver(entry);
        return;
      } catch (error) {
        if (!(error instanceof GatewayFailure) || error.kind === "refused") {
          this.#log.info(
            `dropped what the gateway refused: ${error instanceof Error ? error.message : error}`,
          );
          return;
        }
        this.#log.info(`${error.message}; spooling events to disk until it is back`);
        this.#spooling = true;
      }
    }
    if (!this.#spool.append(entry)) {
      this.#droppedWhileSpooling += 1;
      if (this.#droppedWhileSpooling === 1)
        this.#log.info("cannot write the spool (disk full or read-only?); dropping what cannot be shipped");
    }
  }

  #deliver(entry: SpoolEntry): Promise<void> {
    switch (entry.kind) {
      case "session":
        return this.#client.post("api/v1/ingest/sessions", entry.body);
      case "events":
        return this.#client.post("api/v1/ingest/events", {
          session_id: entry.sessionId,
          events: entry.events,
        });
      case "end":
        return this.#client.post(`api/v1/ingest/sessions/${entry.sessionId}/end`, {
          ended_at: entry.endedAt,
        });
      case "metrics":
        return this.#client.post(`api/v1/ingest/sessions/${entry.sessionId}/metrics`, entry.body);
    }
  }

  /** Replays the spool (this run's and earlier runs'); spooling stops once it is empty. */
  async #replaySpool(): Promise<void> {
    try {
      const sent = await this.#spool.replay(async (entry) => {
        try {
          await this.#deliver(entry);
        } catch (error) {
          // What the gateway refuses will never be accepted: drop it rather than block the spool forever.
          if (error instanceof GatewayFailure && error.kind === "refused") {
            this.#log.info(`dropped a spooled entry the gateway refused: ${error.message}`);
            return;
          }
          throw error;
        }
      });
      if (sent > 0) this.#log.info(`replayed ${sent} spooled entries to ${this.#client.origin}`);
      this.#spooling = false;
    } catch {
      this.#spooling = true;
    }
  }
}
