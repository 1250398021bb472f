// `helmet serve <command>`: a stdio MCP server exposed over HTTP, one child process per session, so an HTTP client
// (or the gateway) can use it. Streamable HTTP at /mcp (sessions, SSE, resumable streams through a bounded event
// store) and the legacy HTTP+SSE transport at /sse and /messages, both from the MCP SDK. Every request must name
// an allowed Host, may carry only an allowed Origin, and must carry the bearer token when one is set. A session
// with no request in flight for the idle timeout is ended, and so is its child.
import { randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isJSONRPCRequest, type JSONRPCMessage, type RequestId } from "@modelcontextprotocol/sdk/types.js";
import { childEnvironment } from "./child-env.ts";
import { withContainerEnv } from "./container-env.ts";
import { BoundedEventStore } from "./event-store.ts";
import type { Logger } from "./log.ts";
// A type only: the monitor loads only in gateway mode.
import type { Monitor } from "./monitor.ts";
import { MAX_MESSAGE_BYTES } from "./proxy.ts";
import { StdioChild } from "./stdio-child.ts";

export interface ServeOptions {
  /** Gateway mode: each session gets a monitor of its own (Monitor.forAnotherSession of this one). */
  monitor?: Monitor | null;
  host: string;
  port: number;
  idleTimeoutMs: number;
  allowedOrigins: readonly string[];
  /** The bearer token every request must carry, or null for none. */
  token: string | null;
  passEnv: readonly string[];
}

interface Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  send(message: JSONRPCMessage, options?: { relatedRequestId?: RequestId }): Promise<void>;
  close(): Promise<void>;
}

interface Session {
  label: string;
  monitor: Monitor | null;
  child: StdioChild;
  transport: Transport;
  /** HTTP requests of this session still open (an SSE stream counts until it closes). */
  active: number;
  lastActive: number;
  ended: boolean;
}

function reject(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message } }));
}

/** The request body as JSON: undefined when empty; 413 past MAX_MESSAGE_BYTES. */
async function readBody(
  req: IncomingMessage,
): Promise<{ ok: true; value: unknown } | { ok: false; status: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_MESSAGE_BYTES) return { ok: false, status: 413 };
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
  } catch {
    return { ok: false, status: 400 };
  }
}

/** Request ids match the way clients match them: "1" answers 1. */
const idKey = (id: RequestId) => String(id);

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

/**
 * Connects a client transport to the child's messages. A response finds its request's stream by id. Progress
 * goes to the stream of the request that asked for it (by progress token); other server messages go to the stream
 * of the only request in flight, or to the standalone GET stream when there is none or several.
 */
function bridge(
  transport: Transport,
  child: StdioChild,
  log: Logger,
  label: string,
  monitor: Monitor | null,
): void {
  const inFlight = new Map<string, RequestId>();
  const progressTokens = new Map<string, RequestId>();
  transport.onmessage = (original) => {
    let message = original;
    if (monitor) {
      // Gateway mode: judged and recorded before the server sees it; a refusal goes straight back.
      const parsed = monitor.parse(original);
      if (!parsed) {
        log.info(`${label}: dropped a client message that is not a single JSON-RPC message`);
        return;
      }
      const outcome = monitor.fromClient(parsed, JSON.stringify(original).length);
      if (outcome.reply !== null && outcome.reply !== undefined) {
        transport
          .send(outcome.reply as JSONRPCMessage)
          .catch((error: unknown) => log.debug(`${label}: ${String(error)}`));
      }
      if (outcome.forward === null) return;
      message = outcome.forward as JSONRPCMessage;
    }
    if (isJSONRPCRequest(message)) {
      inFlight.set(idKey(message.id), message.id);
      const token = message.params?._meta?.progressToken;
      if (typeof token === "string" || typeof token === "number")
        progressTokens.set(String(token), message.id);
    }
    if (!child.send(message)) log.debug(`${label}: the server is gone; a message was not delivered`);
  };
  child.onmessage = (original) => {
    let message = original;
    if (monitor) {
      const parsed = monitor.parse(original);
      if (!parsed) return;
      const outcome = monitor.fromServer(parsed, JSON.stringify(original).length);
      for (const reply of outcome.toServer) child.send(reply);
      if (outcome.forward === null) return;
      message = outcome.forward as JSONRPCMessage;
    }
    let relatedRequestId: RequestId | undefined;
    if (!("method" in message)) {
      const id = (message as { id?: RequestId | null }).id;
      if (id !== undefined && id !== null) {
        inFlight.delete(idKey(id));
        for (const [token, related] of progressTokens)
          if (idKey(related) === idKey(id)) progressTokens.delete(token);
      }
    } else if (message.method === "notifications/progress") {
      const token = message.params?.progressToken;
      relatedRequestId = token === undefined ? undefined : progressTokens.get(String(token));
    } else if (inFlight.size === 1) {
      relatedRequestId = inFlight.values().next().value;
    }
    transport
      .send(message, relatedRequestId === undefined ? undefined : { relatedRequestId })
      .catch((error: unknown) => log.debug(`${label}: a server message could not be sent: ${String(error)}`));
  };
}

/** Runs the HTTP server until SIGINT or SIGTERM; then ends every session and resolves 0. */
export async function runServe(
  command: readonly string[],
  options: ServeOptions,
  log: Logger,
): Promise<number> {
  const env = childEnvironment(process.env);
  const serverCommand = withContainerEnv(command, env, options.passEnv);
  const sessions = new Map<string, Session>();
  const legacy = new Map<string, Session>();
  let counter = 0;

  const endSession = (session: Session, now = false) => {
    if (session.ended) return;
    session.ended = true;
    session.child.stop(now);
    session.monitor?.close().catch((error: unknown) => log.info(`${session.label}: ${String(error)}`));
    session.transport.close().catch(() => {});
    log.info(`${session.label}: ended`);
  };
  const openSession = (transport: Transport): Session => {
    counter += 1;
    const label = `session ${counter}`;
    const child = new StdioChild(serverCommand, env, log, label);
    const monitor = options.monitor ? options.monitor.forAnotherSession() : null;
    const session: Session = {
      label,
      child,
      transport,
      monitor,
      active: 0,
      lastActive: Date.now(),
      ended: false,
    };
    bridge(transport, child, log, label, monitor);
    child.onexit = () => endSession(session);
    transport.onclose = () => endSession(session);
    log.info(`${label}: started ${serverCommand[0]}`);
    return session;
  };
  /** Counts the request as activity until its response closes. */
  const track = (session: Session, res: ServerResponse) => {
    session.active += 1;
    session.lastActive = Date.now();
    res.on("close", () => {
      session.active -= 1;
      session.lastActive = Date.now();
    });
  };

  let port = options.port;
  const hostAllowed = (host: string | undefined) => {
    if (!host) return false;
    const allowed = new Set([
      `${options.host}:${port}`,
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
    ]);
    return allowed.has(host.toLowerCase());
  };

  const handleStreamable = async (req: IncomingMessage, res: ServerResponse) => {
    const sessionId = req.headers["mcp-session-id"];
    let body: unknown;
    if (req.method === "POST") {
      const read = await readBody(req);
      if (!read.ok)
        return reject(res, read.status, read.status === 413 ? "Body too large." : "Body is not JSON.");
      body = read.value;
    }
    if (typeof sessionId === "string") {
      const session = sessions.get(sessionId);
      if (!session || session.ended) return reject(res, 404, "Session not found: initialize a new session.");
      track(session, res);
      await (session.transport as StreamableHTTPServerTransport).handleRequest(req, res, body);
      return;
    }
    const opening =
      req.method === "POST" &&
      typeof body === "object" &&
      body !== null &&
      (body as { method?: unknown }).method === "initialize";
    if (!opening) return reject(res, 400, "Bad Request: no valid session id; send initialize first.");
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      eventStore: new BoundedEventStore(),
      onsessioninitialized: (id) => {
        sessions.set(id, session);
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    const session = openSession(transport);
    const ended = session.transport.onclose;
    session.transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      ended?.();
    };
    await transport.start();
    track(session, res);
    await transport.handleRequest(req, res, body);
    // The transport refused the initialize (a bad Accept header, say): no session exists, so neither may its server.
    if (!transport.sessionId) endSession(session, true);
  };

  const handleLegacyStream = async (_req: IncomingMessage, res: ServerResponse) => {
    const transport = new SSEServerTransport("/messages", res);
    const session = openSession(transport);
    legacy.set(transport.sessionId, session);
    track(session, res);
    res.on("close", () => {
      legacy.delete(transport.sessionId);
      endSession(session);
    });
    await transport.start();
  };

  const handleLegacyPost = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const session = legacy.get(url.searchParams.get("sessionId") ?? "");
    if (!session || session.ended) return reject(res, 404, "Session not found: open /sse first.");
    const read = await readBody(req);
    if (!read.ok)
      return reject(res, read.status, read.status === 413 ? "Body too large." : "Body is not JSON.");
    session.lastActive = Date.now();
    await (session.transport as SSEServerTransport).handlePostMessage(req, res, read.value);
  };

  const server = createServer((req, res) => {
    const handle = async () => {
      if (!hostAllowed(req.headers.host)) return reject(res, 403, "Host not allowed.");
      const origin = req.headers.origin;
      if (origin !== undefined && !options.allowedOrigins.includes(origin)) {
        return reject(res, 403, "Origin not allowed.");
      }
      if (options.token !== null) {
        const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "");
        if (!match || !sameSecret(match[1] as string, options.token)) {
          return reject(res, 401, "A valid bearer token is required.", {
            "www-authenticate": 'Bearer realm="helmet"',
          });
        }
      }
      const url = new URL(req.url ?? "/", "http://helmet.invalid");
      if (url.pathname === "/mcp") return handleStreamable(req, res);
      if (url.pathname === "/sse" && req.method === "GET") return handleLegacyStream(req, res);
      if (url.pathname === "/messages" && req.method === "POST") return handleLegacyPost(req, res, url);
      return reject(res, 404, `Nothing is served at ${req.method} ${url.pathname}.`);
    };
    handle().catch((error: unknown) => {
      log.info(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      reject(res, 500, "Helmet failed to handle this request.");
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  log.info(
    `serving ${command.join(" ")} at http://${options.host}:${port}/mcp (Streamable HTTP) and /sse (legacy SSE)`,
  );

  const sweeper = setInterval(
    () => {
      const now = Date.now();
      for (const session of [...sessions.values(), ...legacy.values()]) {
        if (session.active === 0 && now - session.lastActive >= options.idleTimeoutMs) {
          log.info(`${session.label}: idle for ${Math.round(options.idleTimeoutMs / 1000)} s`);
          endSession(session);
        }
      }
    },
    Math.min(options.idleTimeoutMs / 2, 30_000),
  ).unref();

  return new Promise<number>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      log.info(`${signal}: ending ${sessions.size + legacy.size} sessions`);
      clearInterval(sweeper);
      const ending = [...sessions.values(), ...legacy.values()];
      for (const session of ending) endSession(session, true);
      server.closeAllConnections();
      // Helmet waits for its servers: none outlives it (stop() sends SIGKILL to a server still up after 2 s).
      const servers = Promise.all(ending.map((session) => session.child.closed));
      const deadline = new Promise((done) => setTimeout(done, 5_000));
      server.close(() => {
        void Promise.race([servers, deadline]).then(() => resolve(0));
      });
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  });
}
