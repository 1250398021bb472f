// The gateway's OpenAPI 3.1 description, generated from the zod schemas the routes validate with. It is built once
// per isolate (the routes cannot change while it runs) and served with the origin the caller used.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";

export const OPENAPI_PATH = "/api/v1/openapi.json";

/** The security scheme every /api/v1 and /mcp route requires. */
export const BEARER_AUTH = "bearer";

const TAGS = [
  { name: "MCP", description: "The Streamable HTTP endpoint each registered server is reached through." },
  { name: "Servers", description: "The team's registry of upstream MCP servers." },
  { name: "Tool pins", description: "Pinned tool definitions, changes awaiting approval, and approval." },
  {
    name: "Scans",
    description:
      "Security scans of registered servers' definitions and of uploaded packages: findings, reviews and exports.",
  },
  {
    name: "Policies",
    description: "Policy documents, their evaluation, and the bundle the bridge enforces.",
  },
  {
    name: "Logs",
    description: "Every message the gateway and the bridges saw, filtered, paged and exported.",
  },
  { name: "Sessions", description: "MCP sessions with their client, machine and event timeline." },
  { name: "Metrics", description: "Call counts, errors, denials, latency and bytes, grouped and bucketed." },
  { name: "Ingest", description: "Where `helmet` bridges ship their sessions, events and metrics." },
  { name: "Identity", description: "Who a token is, and the team's long-lived API tokens." },
  { name: "Discovery", description: "Public metadata MCP clients read before they have a token." },
];

type OpenApiObject = ReturnType<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>;

let cached: { app: OpenAPIHono<AppEnv>; document: OpenApiObject } | null = null;

/** Registers what the routes share (the security scheme) on the root app's registry. */
export function registerSecurityScheme(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", BEARER_AUTH, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT or hlm_ API token",
    description:
      "A JWT signed with the gateway's key (HS256) or by the configured JWKS, or an API token from " +
      "POST /api/v1/tokens. The token's team scopes every read and write; its roles (viewer, member, admin) " +
      "decide what it may do.",
  });
}

/** The document for `app`, with `origin` as its server. */
export function openApiDocument(app: OpenAPIHono<AppEnv>, origin: string): OpenApiObject {
  if (cached?.app !== app) {
    cached = {
      app,
      document: app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "Helmet MCP gateway",
          version: "1",
          description:
            "Manage the servers and policies of a Helmet gateway, query what passed through it, and reach MCP " +
            "servers through it. Errors share one shape: `{ error: { code, message, details? } }`, where " +
            "`code` is stable and meant for programs, and `message` is meant for people.",
        },
        tags: TAGS,
        security: [{ [BEARER_AUTH]: [] }],
      }),
    };
  }
  return { ...cached.document, servers: [{ url: origin }] };
}
