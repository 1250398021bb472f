// Reading an upstream's answer: which failures the client must never see as they are, and which response
// headers it may see.
import { McpHeader } from "../core/mcp.ts";
import { GatewayError } from "../errors.ts";
import type { Upstream } from "../registry/upstream-resolver.ts";
import { isEventStream } from "./response-observer.ts";

/** Maps upstream failures to gateway errors: an upstream's auth challenge or 5xx never reaches the client. */
export async function refuseUpstreamFailure(
  response: Response,
  upstream: Upstream,
  hadSession: boolean,
): Promise<void> {
  const status = response.status;
  let failure: GatewayError | null = null;
  if (status === 401 || status === 403) {
    failure = new GatewayError(
      502,
      "upstream_auth_failed",
      `Upstream server '${upstream.name}' refused the gateway's credentials (HTTP ${status}); an admin should check the server's headers.`,
    );
  } else if (status >= 500) {
    failure = new GatewayError(
      502,
      "upstream_failed",
      `Upstream server '${upstream.name}' failed with HTTP ${status}.`,
    );
  } else if (status === 404 && !hadSession) {
    failure = new GatewayError(
      502,
      "upstream_not_found",
      `Upstream server '${upstream.name}' answered 404 Not Found; check the server's URL.`,
    );
  }
  if (failure) {
    await response.body?.cancel();
    throw failure;
  }
}

/** Response headers for the client: content type and MCP headers only; SSE marked uncacheable, untransformed. */
export function clientHeaders(upstreamResponse: Response): Headers {
  const headers = new Headers();
  const contentType = upstreamResponse.headers.get("content-type");
  if (contentType) headers.set("content-type", contentType);
  const version = upstreamResponse.headers.get(McpHeader.ProtocolVersion);
  if (version) headers.set(McpHeader.ProtocolVersion, version);
  if (isEventStream(contentType)) {
    headers.set("cache-control", "no-cache, no-transform");
    headers.set("x-accel-buffering", "no");
  }
  return headers;
}
