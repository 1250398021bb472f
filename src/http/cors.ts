// Browser access: requests carrying an Origin must come from the gateway itself or an allowed origin (anything
// else gets 403, which also defeats DNS rebinding); preflights are answered here, before authentication.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { GatewayError } from "../errors.ts";

const ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS";
const ALLOWED_HEADERS =
  "authorization, content-type, accept, last-event-id, mcp-session-id, mcp-protocol-version, mcp-method, mcp-name";
const EXPOSED_HEADERS = "mcp-session-id, mcp-protocol-version, www-authenticate, location";

export function corsGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin === undefined) {
      await next();
      return;
    }
    const allowed = c.get("config").corsAllowedOrigins.has(origin) || origin === new URL(c.req.url).origin;
    if (!allowed) {
      throw new GatewayError(
        403,
        "origin_not_allowed",
        `Origin ${origin} is not allowed to call this gateway.`,
      );
    }
    if (c.req.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-origin": origin,
          "access-control-allow-methods": ALLOWED_METHODS,
          "access-control-allow-headers": ALLOWED_HEADERS,
          "access-control-max-age": "600",
          vary: "origin",
        },
      });
    }
    await next();
    c.res.headers.set("access-control-allow-origin", origin);
    c.res.headers.set("access-control-expose-headers", EXPOSED_HEADERS);
    c.res.headers.append("vary", "origin");
  };
}
