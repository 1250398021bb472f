// OAuth 2.0 Protected Resource Metadata (RFC 9728), which MCP clients read to find where to get a token.
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../app-env.ts";

const WELL_KNOWN = "/.well-known/oauth-protected-resource";

/** The metadata URL for the resource a request addresses: path-suffixed for /mcp/NAME, the root otherwise. */
export function resourceMetadataUrl(requestUrl: string): string {
  const url = new URL(requestUrl);
  const mcp = /^\/mcp\/[^/]+/.exec(url.pathname);
  return `${url.origin}${WELL_KNOWN}${mcp ? mcp[0] : ""}`;
}

export const protectedResourceRoutes = new Hono<AppEnv>();

// The metadata is public and carries no credentials: any origin may read it (browser MCP clients discover
// their authorization server from it).
protectedResourceRoutes.use(WELL_KNOWN, cors({ origin: "*", allowMethods: ["GET"] }));
protectedResourceRoutes.use(`${WELL_KNOWN}/*`, cors({ origin: "*", allowMethods: ["GET"] }));

function metadata(resource: string, authorizationServers: string[]) {
  return {
    resource,
    ...(authorizationServers.length > 0 ? { authorization_servers: authorizationServers } : {}),
    bearer_methods_supported: ["header"],
    resource_name: "Helmet MCP gateway",
  };
}

protectedResourceRoutes.get(WELL_KNOWN, (c) =>
  c.json(metadata(new URL(c.req.url).origin, c.get("config").oauthAuthorizationServers)),
);

protectedResourceRoutes.get(`${WELL_KNOWN}/mcp/:server`, (c) => {
  const origin = new URL(c.req.url).origin;
  const resource = `${origin}/mcp/${encodeURIComponent(c.req.param("server"))}`;
  return c.json(metadata(resource, c.get("config").oauthAuthorizationServers));
});
