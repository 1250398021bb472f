// Helpers for Worker tests: tokens, API calls and MCP exchanges against the Worker's own fetch handler.
import { env, SELF } from "cloudflare:test";
import { importJWK, type JWTPayload, SignJWT } from "jose";
import { inject, vi } from "vitest";
import type { StoredEvent } from "../../src/logging/log-store.ts";
import { TEST_JWT_SECRET } from "../test-secrets.ts";
import "./provided-context.ts";

export { tarOf } from "../tar-writer.ts";

export const GATEWAY = "https://gateway.test";
export const ISSUER = "helmet";
export const AUDIENCE = "helmet-gateway";

export interface TokenOptions {
  sub?: string;
  team?: string;
  roles?: string[];
  alg?: "HS256" | "RS256" | "ES256" | "EdDSA";
  claims?: JWTPayload;
  issuer?: string;
  audience?: string;
  expiresIn?: string | number;
  secret?: string;
}

export async function mintToken(options: TokenOptions = {}): Promise<string> {
  const alg = options.alg ?? "HS256";
  const jwt = new SignJWT({
    team: options.team ?? "acme",
    roles: options.roles ?? ["admin"],
    ...options.claims,
  })
    .setSubject(options.sub ?? "alice")
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "1h");
  if (alg === "HS256") {
    return jwt.setProtectedHeader({ alg }).sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
  }
  const key = inject("signingKeys")[alg];
  return jwt.setProtectedHeader({ alg, kid: key.kid }).sign(await importJWK(key.privateJwk, alg));
}

export function probeUrl(path = "/mcp"): string {
  return `${inject("probeUrl")}${path}`;
}

export async function api(
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return SELF.fetch(`${GATEWAY}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export async function registerServer(
  token: string,
  name: string,
  url: string,
  extra: Record<string, unknown> = {},
) {
  const response = await api("POST", "/api/v1/servers", token, { name, url, ...extra });
  if (response.status !== 201)
    throw new Error(`registering ${name} failed: ${response.status} ${await response.text()}`);
  return response.json<{ id: string; name: string }>();
}

export const MCP_ACCEPT = "application/json, text/event-stream";

export function mcpPost(
  server: string,
  token: string | null,
  body: unknown,
  options: { sessionId?: string; headers?: Record<string, string>; raw?: BodyInit } = {},
): Promise<Response> {
  return SELF.fetch(`${GATEWAY}/mcp/${server}`, {
    method: "POST",
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      "content-type": "application/json",
      accept: MCP_ACCEPT,
      ...(options.sessionId ? { "mcp-session-id": options.sessionId } : {}),
      ...options.headers,
    },
    body: options.raw ?? JSON.stringify(body),
  });
}

export const INITIALIZE = {
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "worker-test", version: "1.2.3" },
  },
};

/** Opens an MCP session through the gateway and returns its Mcp-Session-Id. */
export async function initialize(server: string, token: string, clientName = "worker-test"): Promise<string> {
  const body = {
    ...INITIALIZE,
    params: { ...INITIALIZE.params, clientInfo: { name: clientName, version: "1.2.3" } },
  };
  const response = await mcpPost(server, token, body);
  if (response.status !== 200)
    throw new Error(`initialize failed: ${response.status} ${await response.text()}`);
  await response.text();
  const sessionId = response.headers.get("mcp-session-id");
  if (!sessionId) throw new Error("initialize returned no session id");
  const ack = await mcpPost(
    server,
    token,
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { sessionId },
  );
  await ack.text();
  return sessionId;
}

/** The JSON-RPC messages in a response, whether it came as JSON or as an SSE stream. */
export async function messagesOf(response: Response): Promise<Array<Record<string, unknown>>> {
  const text = await response.text();
  if (!(response.headers.get("content-type") ?? "").includes("text/event-stream")) {
    return text ? [JSON.parse(text)] : [];
  }
  return text
    .split(/\r?\n\r?\n/)
    .map((event) =>
      event
        .split(/\r?\n/)
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n"),
    )
    .filter((data) => data.length > 0)
    .map((data) => JSON.parse(data));
}

/** Calls a tool in an open session and returns the JSON-RPC response message. */
export async function callTool(
  server: string,
  token: string,
  sessionId: string,
  name: string,
  args: object = {},
  id = 1,
) {
  const response = await mcpPost(
    server,
    token,
    { jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } },
    { sessionId, headers: { "mcp-protocol-version": "2025-06-18" } },
  );
  const messages = await messagesOf(response);
  return { response, message: messages.find((m) => m.id === id) };
}

/** An event as POST /api/v1/ingest/events takes it: a tools/call that succeeded now, changed by `overrides`. */
export function ingestEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: crypto.randomUUID(),
    ts: Date.now(),
    direction: "client_to_server",
    kind: "request",
    method: "tools/call",
    target: "read_file",
    request_id: "1",
    status: "ok",
    error_code: null,
    latency_ms: 1,
    bytes_in: 1,
    bytes_out: 1,
    decision: null,
    rule: null,
    redactions: null,
    params_excerpt: null,
    result_excerpt: null,
    ...overrides,
  };
}

/** Registers a bridge session of `server` as the token's owner, the way `helmet` does; returns its id. */
export async function openBridgeSession(
  token: string,
  server: string,
  startedAt = Date.now(),
): Promise<string> {
  const id = crypto.randomUUID();
  const response = await api("POST", "/api/v1/ingest/sessions", token, {
    id,
    server,
    machine: { host: "h", os: "linux", arch: "x64", node: "v20", helmet: "0.1.0" },
    started_at: startedAt,
  });
  if (response.status !== 201) throw new Error(`registering a bridge session failed: ${response.status}`);
  return id;
}

/**
 * Ships events of a bridge session through POST /api/v1/ingest/events (500 per request) and waits, bounded, until
 * the events queue has written them all: what a test reads afterwards includes them.
 */
export async function shipEvents(
  token: string,
  sessionId: string,
  events: ReadonlyArray<Record<string, unknown>>,
): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    const response = await api("POST", "/api/v1/ingest/events", token, {
      session_id: sessionId,
      events: events.slice(i, i + 500),
    });
    if (response.status !== 202) throw new Error(`shipping events failed: ${response.status}`);
  }
  const ids = JSON.stringify(events.map((event) => event.id));
  await vi.waitFor(
    async () => {
      const stored = await env.DB.prepare(
        "SELECT count(*) AS n FROM events WHERE id IN (SELECT value FROM json_each(?))",
      )
        .bind(ids)
        .first<{ n: number }>();
      if (stored?.n !== events.length)
        throw new Error(`${stored?.n} of ${events.length} events stored so far`);
    },
    { timeout: 10_000, interval: 50 },
  );
}

/** An event as the events table stores it (what the queue carries): a tools/call of team queue-tests, now. */
export function storedEvent(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: crypto.randomUUID(),
    ts: Date.now(),
    team: "queue-tests",
    sessionId: null,
    server: "everything",
    subject: "ana",
    direction: "client_to_server",
    kind: "request",
    method: "tools/call",
    target: "echo",
    requestId: "1",
    status: "ok",
    errorCode: null,
    latencyMs: 3,
    bytesIn: 10,
    bytesOut: 20,
    progressCount: 0,
    decision: "allow",
    rule: null,
    redactions: null,
    paramsExcerpt: '{"name":"echo"}',
    resultExcerpt: null,
    ...overrides,
  };
}

/** A fake GitHub token: the format secret scanning knows. */
export const FAKE_GITHUB_TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
