// Hono middleware that turns a bearer token into an Identity on the context, or refuses the request.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { GatewayError } from "../errors.ts";
import { type TokenFailure, verifyAccessToken } from "./access-token.ts";
import { API_TOKEN_PREFIX, identityOfApiToken } from "./api-tokens.ts";
import { hasRole, identityFromClaims, type Role } from "./identity.ts";
import { resourceMetadataUrl } from "./protected-resource.ts";

/** What the wire says for each failure: deliberately coarse; the precise reason goes to the log. */
function publicReason(reason: TokenFailure): string {
  switch (reason) {
    case "expired":
    case "not_yet_valid":
      return "The access token has expired or is not valid yet.";
    case "malformed":
    case "unsupported_algorithm":
    case "no_key_for_algorithm":
    case "bad_signature":
    case "wrong_issuer":
    case "wrong_audience":
    case "missing_claim":
      return "The access token is invalid.";
    case "jwks_unavailable":
      return "The gateway cannot reach its token signing keys right now.";
  }
}

function challenge(c: Context<AppEnv>, error?: { code: string; description: string }): string {
  const parts = [`Bearer realm="helmet"`, `resource_metadata="${resourceMetadataUrl(c.req.url)}"`];
  if (error) parts.push(`error="${error.code}"`, `error_description="${error.description}"`);
  return parts.join(", ");
}

/** Requires a valid bearer token in the Authorization header (never the query string). */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const match = header ? /^Bearer[ ]+([^\s]+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new GatewayError(401, "unauthorized", "A bearer token is required in the Authorization header.", {
        headers: { "WWW-Authenticate": challenge(c) },
      });
    }
    const config = c.get("config");
    if (match[1].startsWith(API_TOKEN_PREFIX)) {
      const identity = await identityOfApiToken(c.env, c.executionCtx, match[1]);
      if (!identity) {
        const message = "The API token is unknown, revoked or expired.";
        throw new GatewayError(401, "invalid_token", message, {
          headers: { "WWW-Authenticate": challenge(c, { code: "invalid_token", description: message }) },
        });
      }
      c.set("identity", identity);
      await next();
      return;
    }
    const verified = await verifyAccessToken(match[1], config.jwt);
    if (!verified.ok) {
      const message = publicReason(verified.reason);
      if (verified.reason === "jwks_unavailable") {
        throw new GatewayError(503, "auth_unavailable", message, { detail: verified.detail });
      }
      throw new GatewayError(401, "invalid_token", message, {
        detail: `${verified.reason}: ${verified.detail}`,
        headers: { "WWW-Authenticate": challenge(c, { code: "invalid_token", description: message }) },
      });
    }
    const identity = identityFromClaims(verified.claims, config.jwt);
    if (!identity.ok) {
      throw new GatewayError(403, "forbidden", identity.message, {
        detail: identity.detail,
        headers: {
          "WWW-Authenticate": challenge(c, { code: "insufficient_scope", description: identity.message }),
        },
      });
    }
    c.set("identity", identity.identity);
    await next();
  };
}

/** Requires the authenticated caller to hold `role` (or a higher one). Use after authenticate(). */
export function requireRole(role: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!hasRole(c.get("identity"), role)) {
      const message = `This needs the ${role} role.`;
      throw new GatewayError(403, "forbidden", message, {
        headers: { "WWW-Authenticate": challenge(c, { code: "insufficient_scope", description: message }) },
      });
    }
    await next();
  };
}
