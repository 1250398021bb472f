// The gateway's Hono application: every route mounted in one place, and one error handler for all of them.
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./app-env.ts";
import { meApi } from "./auth/me-api.ts";
import { authenticate, requireRole } from "./auth/middleware.ts";
import { protectedResourceRoutes } from "./auth/protected-resource.ts";
import { tokensApi } from "./auth/tokens-api.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { errorResponse } from "./core/jsonrpc.ts";
import { GatewayError, restErrorBody } from "./errors.ts";
import { apiReference } from "./http/api-reference.ts";
import { corsGuard } from "./http/cors.ts";
import { OPENAPI_PATH, openApiDocument, registerSecurityScheme } from "./http/openapi-document.ts";
import { ingestApi } from "./ingest/ingest-api.ts";
import { logExportApi } from "./logging/log-export.ts";
import { logsApi, violationsApi } from "./logging/logs-api.ts";
import { metricsApi } from "./logging/metrics-api.ts";
import { sessionsApi } from "./logging/sessions-api.ts";
import { toolPinsApi } from "./pinning/tool-pins-api.ts";
import { policiesApi } from "./policy/policies-api.ts";
import { policyEvaluationApi } from "./policy/policy-evaluation-api.ts";
import { registerMcpPaths } from "./proxy/mcp-openapi.ts";
import { mcpRoutes } from "./proxy/mcp-routes.ts";
import { serversApi } from "./registry/servers-api.ts";
import { scansApi, serverScansApi } from "./scanning/scans-api.ts";

/** Stable codes for errors Hono raises itself (for example a JSON body that does not parse). */
const HTTP_ERROR_CODES: Record<number, string> = {
  400: "bad_request",
  404: "not_found",
  405: "method_not_allowed",
  413: "body_too_large",
  415: "unsupported_media_type",
};

/** Renders any error as the JSON its route speaks: a JSON-RPC error under /mcp/, the REST error shape elsewhere. */
function renderError(error: Error, c: { req: { path: string } }): Response {
  let failure: GatewayError;
  if (error instanceof GatewayError) {
    failure = error;
  } else if (error instanceof ConfigError) {
    failure = new GatewayError(
      500,
      "misconfigured",
      "The gateway is misconfigured; its operator has been told why.",
      {
        detail: error.message,
      },
    );
  } else if (error instanceof HTTPException && error.status < 500) {
    failure = new GatewayError(
      error.status,
      HTTP_ERROR_CODES[error.status] ?? `http_${error.status}`,
      error.message || "Bad request.",
    );
  } else {
    failure = new GatewayError(500, "internal_error", "The gateway failed to handle this request.", {
      detail: error.stack ?? String(error),
    });
  }
  if (failure.status >= 500) console.error(`helmet: ${failure.code}: ${failure.detail ?? failure.message}`);
  else if (failure.detail) console.warn(`helmet: ${failure.code}: ${failure.detail}`);

  const isMcp = c.req.path.startsWith("/mcp/");
  const body = isMcp
    ? errorResponse(failure.requestId, failure.jsonRpcCode, failure.message, { code: failure.code })
    : restErrorBody(failure.code, failure.message, failure.details);
  return new Response(JSON.stringify(body), {
    status: failure.status,
    headers: { "content-type": "application/json", ...failure.headers },
  });
}

export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  registerSecurityScheme(app);
  registerMcpPaths(app.openAPIRegistry);

  app.use("*", async (c, next) => {
    c.set("config", loadConfig(c.env));
    await next();
  });

  app.get("/", (c) =>
    c.json({
      name: "Helmet MCP gateway",
      mcp: `${new URL(c.req.url).origin}/mcp/{server}`,
      api: `${new URL(c.req.url).origin}/api/v1`,
    }),
  );
  app.route("/", protectedResourceRoutes);

  app.use("/mcp/*", corsGuard(), authenticate(), requireRole("member"));
  app.route("/mcp", mcpRoutes);

  app.use("/api/*", corsGuard());
  // The API's description and its reference page are public: they hold no team's data.
  app.get(OPENAPI_PATH, (c) => c.json(openApiDocument(app, new URL(c.req.url).origin)));
  app.route("/api/docs", apiReference);
  app.use("/api/v1/*", authenticate());
  app.route("/api/v1/servers", serversApi);
  app.route("/api/v1/servers", toolPinsApi);
  app.route("/api/v1/servers", serverScansApi);
  app.route("/api/v1/scans", scansApi);
  app.route("/api/v1/logs/export", logExportApi);
  app.route("/api/v1/logs", logsApi);
  app.route("/api/v1/violations", violationsApi);
  app.route("/api/v1/metrics", metricsApi);
  app.route("/api/v1/sessions", sessionsApi);
  app.route("/api/v1/policies", policyEvaluationApi);
  app.route("/api/v1/policies", policiesApi);
  app.route("/api/v1/ingest", ingestApi);
  app.route("/api/v1/me", meApi);
  app.route("/api/v1/tokens", tokensApi);

  app.notFound((c) =>
    renderError(new GatewayError(404, "not_found", `Nothing is served at ${c.req.method} ${c.req.path}.`), c),
  );
  app.onError(renderError);
  return app;
}
