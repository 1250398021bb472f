// /api/v1/policies/evaluate answers "what would the policies do with this message"; /api/v1/policies/bundle gives
// a server's policy set to the bridge, which enforces it locally. Both need viewer. Mounted before policies-api.ts,
// whose /{name} routes would otherwise take these paths.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { isRequest, type JsonRpcRequest, parseMessage } from "../core/jsonrpc.ts";
import { PolicySet } from "../core/policy/engine.ts";
import { DIRECTIONS } from "../core/policy/policy-schema.ts";
import { database } from "../db/client.ts";
import { GatewayError } from "../errors.ts";
import { apiRoute } from "../http/openapi.ts";
import { validationHook } from "../http/validation.ts";
import { findServer } from "../registry/server-store.ts";
import { EXAMPLE_DOCUMENT } from "./policies-api.ts";
import { buildBundle } from "./policy-bundle.ts";
import { listPolicies, policiesForServer } from "./policy-store.ts";

export const policyEvaluationApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

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
  .openapi("EvaluatePolicy", {
    example: {
      server: "filesystem",
      subject: { sub: "carol", roles: ["contractor"], claims: {} },
      direction: "request",
      message: {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "read_file", arguments: { path: "/etc/passwd" } },
      },
    },
  });

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
    failure: z
      .string()
      .optional()
      .openapi({ description: "Present when evaluation failed (and so denied)." }),
  })
  .openapi("PolicyDecision", {
    example: {
      action: "deny",
      rule: "no-system-files",
      reason: "System files are off limits",
      observed: [],
      limits: [],
    },
  });

policyEvaluationApi.openapi(
  apiRoute({
    method: "post",
    path: "/evaluate",
    summary: "Evaluate a message against the policies",
    tags: ["Policies"],
    role: "viewer",
    description:
      "What the team's policies would decide for a JSON-RPC message sent to `server`, without sending it or " +
      "counting it against rate limits. The server's `policy_default` applies; a server the team has not " +
      "registered is evaluated with the default `allow`.",
    request: { body: { required: true, content: { "application/json": { schema: EvaluateBody } } } },
    responses: {
      200: {
        description: "What the team's policies decide for the message, and the rule that decided.",
        content: {
          "application/json": {
            schema: z.object({ decision: DecisionOut, bundle_version: z.string() }),
            example: {
              decision: {
                action: "deny",
                rule: "no-system-files",
                reason: "System files are off limits",
                observed: [],
                limits: [],
              },
              bundle_version: "3oVw2xyk0HuT8mC5yZ3rNw",
            },
          },
        },
      },
    },
    errors: {
      400: {
        validation_failed: {
          when:
            "`message` is not a JSON-RPC message; or `request` is not a JSON-RPC request, or is sent without " +
            "direction `result` and a response `message`.",
          message: "Invalid request: 'request' goes with direction 'result' and a response 'message'.",
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

policyEvaluationApi.openapi(
  apiRoute({
    method: "get",
    path: "/bundle",
    summary: "Get a server's policy set",
    tags: ["Policies"],
    role: "viewer",
    description:
      "The policies whose `servers` match the server, and its default, as the local bridge enforces them. A " +
      "server the team has not registered (one only a bridge wraps) gets its policies with the default `allow`.",
    request: {
      query: z.object({
        server: z
          .string()
          .min(1)
          .max(63)
          .openapi({ description: "The server name the policies apply to.", example: "filesystem" }),
      }),
    },
    parameters: [
      {
        name: "If-None-Match",
        in: "header",
        required: false,
        description: "The ETag of a bundle you hold: an unchanged bundle is answered with 304 and no body.",
        schema: { type: "string" },
        example: '"3oVw2xyk0HuT8mC5yZ3rNw"',
      },
    ],
    responses: {
      200: {
        description: "The server's policy set and default, with the version as ETag.",
        headers: {
          ETag: {
            description: "The bundle's version, quoted; it changes when the server's policies or default do.",
            schema: { type: "string" },
          },
        },
        content: {
          "application/json": {
            schema: z.object({
              server: z.string(),
              policy_default: z.enum(["allow", "deny"]),
              policies: z.array(z.record(z.string(), z.unknown())),
              version: z.string(),
            }),
            example: {
              server: "filesystem",
              policy_default: "allow",
              policies: [EXAMPLE_DOCUMENT],
              version: "3oVw2xyk0HuT8mC5yZ3rNw",
            },
          },
        },
      },
      304: {
        description: "Unchanged since the If-None-Match version.",
        headers: { ETag: { description: "The bundle's version, quoted.", schema: { type: "string" } } },
      },
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
