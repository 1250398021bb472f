// /api/v1/servers: the team's registry of upstream MCP servers. Reads need viewer, writes need admin.
// Credential header values go in and are never returned: responses list only their names.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { randomId } from "../core/base64url.ts";
import { database } from "../db/client.ts";
import type { ServerRow } from "../db/schema.ts";
import { GatewayError } from "../errors.ts";
import { apiRoute } from "../http/openapi.ts";
import { validationHook } from "../http/validation.ts";
import { deletePins } from "../pinning/pin-store.ts";
import { forgetPolicies } from "../policy/policy-resolver.ts";
import { scanInBackground } from "../scanning/server-scan.ts";
import { credentialHeadersSchema, sealCredentials } from "./credentials.ts";
import { deleteServer, findServer, insertServer, listServers, replaceServer } from "./server-store.ts";
import { forgetUpstream } from "./upstream-resolver.ts";
import { checkUpstreamUrl } from "./upstream-url.ts";

export const ServerName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,62}$/,
    "must be 1-63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
  )
  .openapi({ example: "everything" });

const PolicyDefault = z.enum(["allow", "deny"]).openapi({
  description: "What happens to a request no policy decides: allow, or deny (allow-list mode).",
});

const HideChangedTools = z.boolean().openapi({
  description:
    "Hide a tool whose definition changed since it was pinned until an admin approves the change (a rug pull " +
    "is logged either way).",
});

const ScanIntervalHours = z
  .number()
  .int()
  .min(1)
  .max(24 * 90)
  .openapi({
    description:
      "Hours between scheduled rescans of the server's definitions (checked hourly); absent or null: no schedule. " +
      "A server is always scanned once when it is registered.",
    example: 24,
  });

const CreateServer = z
  .strictObject({
    name: ServerName,
    url: z.string().max(2_048).openapi({ example: "https://mcp.example.com/mcp" }),
    description: z.string().max(500).optional(),
    headers: credentialHeadersSchema.optional().openapi({
      description:
        "Headers the gateway sends upstream (such as an API key). Stored encrypted; never returned.",
      example: { authorization: "Bearer upstream-token" },
    }),
    timeout_ms: z.number().int().min(100).max(900_000).optional(),
    policy_default: PolicyDefault.optional(),
    hide_changed_tools: HideChangedTools.optional(),
    scan_interval_hours: ScanIntervalHours.optional(),
  })
  .openapi("CreateServer", {
    example: {
      name: "github",
      url: "https://mcp.example.com/mcp",
      description: "GitHub tools",
      headers: { authorization: "Bearer upstream-token" },
      timeout_ms: 30_000,
    },
  });

const UpdateServer = z
  .strictObject({
    url: z.string().max(2_048).optional(),
    description: z.string().max(500).nullable().optional(),
    headers: credentialHeadersSchema
      .nullable()
      .optional()
      .openapi({ description: "Replaces all headers; null removes them." }),
    timeout_ms: z.number().int().min(100).max(900_000).nullable().optional(),
    policy_default: PolicyDefault.optional(),
    hide_changed_tools: HideChangedTools.optional(),
    scan_interval_hours: ScanIntervalHours.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, "name at least one field to change")
  .openapi("UpdateServer", { example: { headers: { authorization: "Bearer rotated-token" } } });

const Server = z
  .object({
    id: z.string(),
    name: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    credential_headers: z
      .array(z.string())
      .openapi({ description: "Names of the stored credential headers." }),
    timeout_ms: z.number().int().nullable(),
    policy_default: PolicyDefault,
    hide_changed_tools: HideChangedTools,
    scan_interval_hours: ScanIntervalHours.nullable(),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Server", {
    example: {
      id: "srv_i7TvjMW5Mxw02CQSHbbryQ",
      name: "github",
      url: "https://mcp.example.com/mcp",
      description: "GitHub tools",
      credential_headers: ["authorization"],
      timeout_ms: 30_000,
      policy_default: "allow",
      hide_changed_tools: false,
      scan_interval_hours: 24,
      created_by: "alice",
      created_at: "2026-11-21T15:36:04.371Z",
      updated_at: "2026-11-21T15:37:05.497Z",
    },
  });

/** The `{name}` of /api/v1/servers/{name} and the routes under it. */
export const ServerNameParam = z.object({
  name: ServerName.openapi({
    param: { name: "name", in: "path" },
    description: "The server's name, as registered for your team.",
  }),
});

/** The 404 of every route under /api/v1/servers/{name}. */
export const SERVER_NOT_FOUND = {
  server_not_found: {
    when: "No server of that name is registered for your team.",
    message: "No server named 'github' is registered for your team.",
  },
};
const INVALID_UPSTREAM_URL = {
  invalid_upstream_url: {
    when:
      "The URL is refused: not an absolute https URL (http only where the gateway allows it), credentials in " +
      "the URL, or a private address the gateway does not allow. The message says which.",
    message: "url must not contain credentials; pass them as headers, which are stored encrypted",
  },
};

function toApi(row: ServerRow): z.infer<typeof Server> {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    description: row.description,
    credential_headers: JSON.parse(row.credentialHeaderNames) as string[],
    timeout_ms: row.timeoutMs,
    policy_default: row.policyDefault === "deny" ? "deny" : "allow",
    hide_changed_tools: row.hideChangedTools,
    scan_interval_hours: row.scanIntervalHours,
    created_by: row.createdBy,
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

function checkedUrl(raw: string, config: AppEnv["Variables"]["config"]): string {
  const checked = checkUpstreamUrl(raw, {
    allowPrivate: config.allowPrivateUpstreams,
    allowHttp: config.allowHttpUpstreams,
  });
  if (!checked.ok) throw new GatewayError(400, "invalid_upstream_url", checked.problem);
  return checked.url.href;
}

/** The 404 for a server name the caller's team does not have. */
export function serverNotFound(name: string): GatewayError {
  return new GatewayError(404, "server_not_found", `No server named '${name}' is registered for your team.`);
}

export const serversApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

serversApi.openapi(
  apiRoute({
    method: "get",
    path: "/",
    summary: "List the team's servers",
    tags: ["Servers"],
    role: "viewer",
    description: "Every server registered for your team, sorted by name. The list is not paginated.",
    responses: {
      200: {
        description: "The team's servers, by name.",
        content: { "application/json": { schema: z.object({ items: z.array(Server) }) } },
      },
    },
  }),
  async (c) => {
    const rows = await listServers(database(c.env), c.get("identity").team);
    return c.json({ items: rows.map(toApi) }, 200);
  },
);

serversApi.openapi(
  apiRoute({
    method: "post",
    path: "/",
    summary: "Register a server",
    tags: ["Servers"],
    role: "admin",
    description:
      "Registers an upstream MCP server under a name, which becomes the `{server}` of `/mcp/{server}`. Credential " +
      "header values are stored encrypted and never returned. Unknown fields are refused.",
    request: { body: { required: true, content: { "application/json": { schema: CreateServer } } } },
    responses: {
      201: {
        description: "Registered.",
        headers: {
          Location: {
            description: "The server's URL: `/api/v1/servers/{name}`.",
            schema: { type: "string" },
          },
        },
        content: { "application/json": { schema: Server } },
      },
    },
    errors: {
      400: INVALID_UPSTREAM_URL,
      409: {
        server_exists: {
          when: "Your team already has a server of that name.",
          message: "Your team already has a server named 'github'.",
        },
      },
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const { team, subject } = c.get("identity");
    const config = c.get("config");
    const id = randomId("srv_");
    const now = Date.now();
    const headers = input.headers ?? {};
    const row: ServerRow = {
      id,
      team,
      name: input.name,
      url: checkedUrl(input.url, config),
      description: input.description ?? null,
      credentialsSealed:
        Object.keys(headers).length > 0 ? await sealCredentials(config.encryptionKey, id, headers) : null,
      credentialHeaderNames: JSON.stringify(Object.keys(headers).sort()),
      timeoutMs: input.timeout_ms ?? null,
      policyDefault: input.policy_default ?? "allow",
      hideChangedTools: input.hide_changed_tools ?? false,
      scanIntervalHours: input.scan_interval_hours ?? null,
      createdBy: subject,
      createdAt: now,
      updatedAt: now,
    };
    if (!(await insertServer(database(c.env), row))) {
      throw new GatewayError(409, "server_exists", `Your team already has a server named '${input.name}'.`);
    }
    forgetUpstream(team, row.name);
    // A new server is scanned at once, in the background: registration does not wait for the upstream.
    c.executionCtx.waitUntil(scanInBackground(c.env, config.encryptionKey, row, "registration", subject));
    return c.json(toApi(row), 201, { Location: `/api/v1/servers/${row.name}` });
  },
);

serversApi.openapi(
  apiRoute({
    method: "get",
    path: "/{name}",
    summary: "Read a server",
    tags: ["Servers"],
    role: "viewer",
    request: { params: ServerNameParam },
    responses: { 200: { description: "The server.", content: { "application/json": { schema: Server } } } },
    errors: { 404: SERVER_NOT_FOUND },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    const row = await findServer(database(c.env), c.get("identity").team, name);
    if (!row) throw serverNotFound(name);
    return c.json(toApi(row), 200);
  },
);

serversApi.openapi(
  apiRoute({
    method: "patch",
    path: "/{name}",
    summary: "Update a server",
    tags: ["Servers"],
    role: "admin",
    description:
      "Changes the fields sent (at least one); the name cannot change. `headers` replaces every credential " +
      "header, and null removes them; `description: null` and `timeout_ms: null` clear those.",
    request: {
      params: ServerNameParam,
      body: { required: true, content: { "application/json": { schema: UpdateServer } } },
    },
    responses: { 200: { description: "Updated.", content: { "application/json": { schema: Server } } } },
    errors: { 400: INVALID_UPSTREAM_URL, 404: SERVER_NOT_FOUND },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    const patch = c.req.valid("json");
    const { team } = c.get("identity");
    const config = c.get("config");
    const db = database(c.env);
    const row = await findServer(db, team, name);
    if (!row) throw serverNotFound(name);
    const next: ServerRow = { ...row, updatedAt: Date.now() };
    if (patch.url !== undefined) next.url = checkedUrl(patch.url, config);
    if (patch.description !== undefined) next.description = patch.description;
    if (patch.timeout_ms !== undefined) next.timeoutMs = patch.timeout_ms;
    if (patch.policy_default !== undefined) next.policyDefault = patch.policy_default;
    if (patch.hide_changed_tools !== undefined) next.hideChangedTools = patch.hide_changed_tools;
    if (patch.scan_interval_hours !== undefined) next.scanIntervalHours = patch.scan_interval_hours;
    if (patch.headers !== undefined) {
      const headers = patch.headers ?? {};
      next.credentialsSealed =
        Object.keys(headers).length > 0 ? await sealCredentials(config.encryptionKey, row.id, headers) : null;
      next.credentialHeaderNames = JSON.stringify(Object.keys(headers).sort());
    }
    await replaceServer(db, next);
    forgetUpstream(team, name);
    forgetPolicies(team);
    return c.json(toApi(next), 200);
  },
);

serversApi.openapi(
  apiRoute({
    method: "delete",
    path: "/{name}",
    summary: "Remove a server",
    tags: ["Servers"],
    role: "admin",
    description:
      "Removes the server and its tool pins. Its events stay in the log, and its sessions stop working even if a " +
      "server of the same name is registered again.",
    request: { params: ServerNameParam },
    responses: { 204: { description: "Deleted." } },
    errors: { 404: SERVER_NOT_FOUND },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    const { team } = c.get("identity");
    const db = database(c.env);
    const serverId = await deleteServer(db, team, name);
    if (serverId === null) throw serverNotFound(name);
    forgetUpstream(team, name);
    await deletePins(db, team, serverId);
    return c.body(null, 204);
  },
);
