// Calls an upstream MCP server. Headers are built from an allow-list, never copied wholesale, so the client's
// token, cookies and anything else it sent stay at the gateway; the upstream gets its own credentials instead.
import { McpHeader } from "../core/mcp.ts";
import { GatewayError } from "../errors.ts";
import type { Upstream } from "../registry/upstream-resolver.ts";

/** Client headers that carry MCP semantics and pass through unchanged. */
const FORWARDED_HEADERS = [
  McpHeader.ProtocolVersion,
  McpHeader.LastEventId,
  McpHeader.Method,
  McpHeader.Name,
];

export const ACCEPT_POST = "application/json, text/event-stream";
export const ACCEPT_SSE = "text/event-stream";

export interface UpstreamCallOptions {
  method: "POST" | "GET" | "DELETE";
  accept: string;
  /** The client's request headers; only FORWARDED_HEADERS are read from them. */
  clientHeaders?: Headers;
  upstreamSessionId: string | null;
  body?: Uint8Array<ArrayBuffer> | string;
  /** Header overrides, such as the protocol version of a gateway-initiated request. */
  extraHeaders?: Record<string, string>;
  timeoutMs: number;
}

export function upstreamHeaders(upstream: Upstream, options: UpstreamCallOptions): Headers {
  const headers = new Headers(upstream.headers);
  headers.set("accept", options.accept);
  headers.set("accept-encoding", "identity");
  if (options.body !== undefined) headers.set("content-type", "application/json");
  for (const name of FORWARDED_HEADERS) {
    const value = options.clientHeaders?.get(name);
    if (value !== null && value !== undefined) headers.set(name, value);
  }
  if (options.upstreamSessionId !== null) headers.set(McpHeader.SessionId, options.upstreamSessionId);
  for (const [name, value] of Object.entries(options.extraHeaders ?? {})) headers.set(name, value);
  return headers;
}

/**
 * Sends the request and waits for the response headers, at most `timeoutMs`. The body then streams without a
 * deadline (a long tool call streams progress for as long as it runs). Redirects are not followed: a redirect
 * could lead the gateway to an address the registry would refuse.
 */
export async function callUpstream(upstream: Upstream, options: UpstreamCallOptions): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  let response: Response;
  try {
    response = await fetch(upstream.url, {
      method: options.method,
      headers: upstreamHeaders(upstream, options),
      body: options.body,
      redirect: "manual",
      signal: controller.signal,
    });
  } catch (error) {
    if (controller.signal.aborted) {
      throw new GatewayError(
        504,
        "upstream_timeout",
        `Upstream server '${upstream.name}' did not answer within ${options.timeoutMs} ms.`,
      );
    }
    throw new GatewayError(
      502,
      "upstream_unreachable",
      `Upstream server '${upstream.name}' is unreachable.`,
      {
        detail: `${upstream.url}: ${error instanceof Error ? error.message : String(error)}`,
      },
    );
  } finally {
    clearTimeout(timer);
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw new GatewayError(
      502,
      "upstream_redirect",
      `Upstream server '${upstream.name}' answered with a redirect (HTTP ${response.status}); register the URL it redirects to.`,
      {
        detail: `location: ${response.headers.get("location") ?? "(none)"}`,
      },
    );
  }
  return response;
}
