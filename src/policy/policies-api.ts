// /api/v1/policies: a team's policies (docs/policies.md). Reads need viewer, writes admin. Documents may be sent as
// JSON or YAML. /evaluate answers "what would happen to this message", /bundle gives a server's set to the bridge.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { requireRole } from "../auth/middleware.ts";
import { randomId } from "../core/base64url.ts";
import { isRequest, type JsonRpcRequest, parseMessage } from "../core/jsonrpc.ts";
import { PolicySet } from "../core/policy/engine.ts";
import { DIRECTIONS, type PolicyDocument, policySchema } from "../core/policy/policy-schema.ts";
import { database } from "../db/client.ts";
import type { PolicyRow } from "../db/schema.ts";
import { GatewayError } from "../errors.ts";
import { describeIssues, validationHook } from "../http/validation.ts";
import { findServer } from "../registry/server-store.ts";
import { readPolicyBody } from "./policy-body.ts";
import { buildBundle } from "./policy-bundle.ts";
import { forgetPolicies } from "./policy-resolver.ts";
import {
  deletePolicy,
  documentOf,
  findPolicy,
  insertPolicy,
  listPolicies,
  policiesForServer,
  replacePolicy,
} from "./policy-store.ts";

/** Names that would collide with the sub-routes below. */
const RESERVED_NAMES = new Set(["evaluate", "bundle"]);

const NameParam = z.object({
  name: z
    .string()
    .min(1)
    .max(63)
    .openapi({ param: { name: "name", in: "path" }, example: "no-system-files" }),
});

const PolicyOut = z
  .object({
    id: z.string(),
    name: z.string(),
    document: z
      .record(z.string(), z.unknown())
      .openapi({ description: "The policy, as docs/policies.md describes." }),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Policy");

function toApi(row: PolicyRow) {
  return {
    id: row.id,
    name: row.name,
    document: documentOf(row) as unknown as Record<string, unknown>,
    created_by: row.createdBy,
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

/** Validates a submitted document, naming every problem. */
function validDocument(value: unknown, nameFromPath?: string): PolicyDocument {
  const input =
    nameFromPath !== undefined && typeof value === "object" && value !== null && !Array.isArray(value)
      ? { name: nameFromPath, ...value }
      : value;
  const parsed = policySchema.safeParse(input);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error, "json");
    const summary = issues.map((i) => (i.field ? `'${i.field}' ${i.message}` : i.message)).join("; ");
    throw new GatewayError(400, "validation_failed", `Invalid policy: ${summary}.`, { details: issues });
  }
  if (nameFromPath !== undefined && parsed.data.name !== nameFromPath) {
    throw new GatewayError(400, "validation_failed", "The policy's name must match the name in the path.");
  }
  if (RESERVED_NAMES.has(parsed.data.name)) {
    throw new GatewayError(
      400,
      "validation_failed",
      `'${parsed.data.name}' is reserved; choose another policy name.`,
    );
  }
  return parsed.data;
}

function notFound(name: string): GatewayError {
  return new GatewayError(404, "policy_not_found", `No policy named '${name}' exists for your team.`);
}

export const policiesApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

policiesApi.openapi(
  createRoute({
    method: "get",
    path: "/",
    middleware: [requireRole("viewer")] as const,
    request: { query: z.object({ server: z.string().min(1).max(63).optional() }) },
    responses: {
      200: {
        description: "The team's policies, by name (only those applying to `server` when given).",
        content: { "application/json": { schema: z.object({ items: z.array(PolicyOut) }) } },
      },
    },
  }),
  async (c) => {
    const { server } = c.req.valid("query");
    let rows = await listPolicies(database(c.env), c.get("identity").team);
    if (server !== undefined) {
      const applying = new Set(policiesForServer(rows, server).map((document) => document.name));
      rows = rows.filter((row) => applying.has(row.name));
    }
    return c.json({ items: rows.map(toApi) }, 200);
  },
);

policiesApi.post("/", requireRole("admin"), async (c) => {
  const document = validDocument(await readPolicyBody(c.req.raw));
  const { team, subject } = c.get("identity");
  const now = Date.now();
  const row: PolicyRow = {
    id: randomId("pol_"),
    team,
    name: document.name,
    document: JSON.stringify(document),
    createdBy: subject,
    createdAt: now,
    updatedAt: now,
  };
  if (!(await insertPolicy(database(c.env), row))) {
    throw new GatewayError(409, "policy_exists", `Your team already has a policy named '${document.name}'.`);
  }
  forgetPolicies(team);
  return c.json(toApi(row), 201, { Location: `/api/v1/policies/${row.name}` });
});

const EvaluateBody = z
  .strictObject({
    server: z.string().min(1).max(63),
    message: z
      .record(z.string(), z.unknown())
      .openapi({ description: "A JSON-RPC message, as a client would send it." }),
    direction: z.enum(DIRECTIONS).default("request"),
    request: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({
        description:
          "For direction `result`: the JSON-RPC request the message answers, whose method, tool, prompt or " +
          "resource the rules match.",
      }),
    subject: z
      .strictObject({
        sub: z.string().min(1).max(256),
        roles: z.array(z.string().max(128)).max(100).default([]),
        claims: z.record(z.string(), z.unknown()).default({}),
      })
      .optional()
      .openapi({ description: "Who sends it; the caller by default. The team is always the caller's." }),
  })
  .openapi("EvaluatePolicy");

const DecisionOut = z
  .object({
    action: z.enum(["allow", "deny", "redact"]),
    rule: z.string().nullable(),
    reason: z.string().nullable(),
    observed: z.array(
      z.object({ rule: z.string(), action: z.string(), reason: z.string().nullable(), dryRun: z.boolean() }),
    ),
    limits: z
      .array(z.object({ rule: z.string(), requests: z.number().int(), perSeconds: z.number().int() }))
      .openapi({
        description: "Rate limits the message falls under (evaluate does not count against them).",
      }),
    failure: z.string().optional(),
  })
  .openapi("PolicyDecision");

policiesApi.openapi(
  createRoute({
    method: "post",
    path: "/evaluate",
    middleware: [requireRole("viewer")] as const,
    request: { body: { required: true, content: { "application/json": { schema: EvaluateBody } } } },
    responses: {
      200: {
        description: "What the team's policies decide for the message, and the rule that decided.",
        content: {
          "application/json": { schema: z.object({ decision: DecisionOut, bundle_version: z.string() }) },
        },
      },
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const parsed = parseMessage(body.message);
    if (!parsed.ok)
      throw new GatewayError(400, "validation_failed", `Invalid request: 'message' is an ${parsed.problem}.`);
    let request: JsonRpcRequest | undefined;
    if (body.request !== undefined) {
      const answered = parseMessage(body.request);
      if (!answered.ok || !isRequest(answered.message)) {
        throw new GatewayError(
          400,
          "validation_failed",
          `Invalid request: 'request' must be a JSON-RPC request${answered.ok ? "" : ` (it is an ${answered.problem})`}.`,
        );
      }
      if (body.direction !== "result" || "method" in parsed.message) {
        throw new GatewayError(
          400,
          "validation_failed",
          "Invalid request: 'request' goes with direction 'result' and a response 'message'.",
        );
      }
      request = answered.message;
    }
    const identity = c.get("identity");
    const db = database(c.env);
    const server = await findServer(db, identity.team, body.server);
    const policyDefault = server?.policyDefault === "deny" ? "deny" : "allow";
    const bundle = await buildBundle(
      body.server,
      policyDefault,
      policiesForServer(await listPolicies(db, identity.team), body.server),
    );
    const subject = body.subject ?? { sub: identity.subject, roles: [...identity.roles], claims: {} };
    const decision = PolicySet.compile(bundle.policies, policyDefault).evaluate({
      server: body.server,
      direction: body.direction,
      subject: { ...subject, team: identity.team },
      message: parsed.message,
      request,
    });
    return c.json({ decision, bundle_version: bundle.version }, 200);
  },
);

policiesApi.openapi(
  createRoute({
    method: "get",
    path: "/bundle",
    middleware: [requireRole("viewer")] as const,
    request: { query: z.object({ server: z.string().min(1).max(63) }) },
    responses: {
      200: {
        description: "The server's policy set and default, with the version as ETag.",
        content: {
          "application/json": {
            schema: z.object({
              server: z.string(),
              policy_default: z.enum(["allow", "deny"]),
              policies: z.array(z.record(z.string(), z.unknown())),
              version: z.string(),
            }),
          },
        },
      },
      304: { description: "Unchanged since the If-None-Match version." },
    },
  }),
  async (c) => {
    const { server: name } = c.req.valid("query");
    const { team } = c.get("identity");
    const db = database(c.env);
    // A bridge may wrap a server the gateway has never registered: policies name servers, not registrations, so
    // it still gets the policies for that name, with the default allow-all.
    const server = await findServer(db, team, name);
    const policyDefault = server?.policyDefault === "deny" ? "deny" : "allow";
    const bundle = await buildBundle(
      name,
      policyDefault,
      policiesForServer(await listPolicies(db, team), name),
    );
    const etag = `"${bundle.version}"`;
    if (c.req.header("if-none-match") === etag) return c.body(null, 304, { ETag: etag });
    return c.json(bundle, 200, { ETag: etag });
  },
);

policiesApi.openapi(
  createRoute({
    method: "get",
    path: "/{name}",
    middleware: [requireRole("viewer")] as const,
    request: { params: NameParam },
    responses: {
      200: { description: "The policy.", content: { "application/json": { schema: PolicyOut } } },
    },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    const row = await findPolicy(database(c.env), c.get("identity").team, name);
    if (!row) throw notFound(name);
    return c.json(toApi(row), 200);
  },
);

policiesApi.put("/:name", requireRole("admin"), async (c) => {
  const name = c.req.param("name");
  const document = validDocument(await readPolicyBody(c.req.raw), name);
  const db = database(c.env);
  const row = await findPolicy(db, c.get("identity").team, name);
  if (!row) throw notFound(name);
  const next: PolicyRow = { ...row, document: JSON.stringify(document), updatedAt: Date.now() };
  await replacePolicy(db, next);
  forgetPolicies(next.team);
  return c.json(toApi(next), 200);
});

policiesApi.openapi(
  createRoute({
    method: "delete",
    path: "/{name}",
    middleware: [requireRole("admin")] as const,
    request: { params: NameParam },
    responses: { 204: { description: "Deleted." } },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    if (!(await deletePolicy(database(c.env), c.get("identity").team, name))) throw notFound(name);
    forgetPolicies(c.get("identity").team);
    return c.body(null, 204);
  },
);
