// /api/v1/policies: a team's policies (docs/policies.md). Reads need viewer, writes admin. Documents may be sent as
// JSON or YAML. /evaluate and /bundle, which use the policies rather than manage them, are policy-evaluation-api.ts.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { randomId } from "../core/base64url.ts";
import { type PolicyDocument, policySchema } from "../core/policy/policy-schema.ts";
import { database } from "../db/client.ts";
import type { PolicyRow } from "../db/schema.ts";
import { GatewayError } from "../errors.ts";
import { apiRoute, type ErrorCodes } from "../http/openapi.ts";
import { describeIssues, validationHook } from "../http/validation.ts";
import { readPolicyBody } from "./policy-body.ts";
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
    .openapi({
      param: { name: "name", in: "path" },
      description: "The policy's name.",
      example: "no-system-files",
    }),
});

export const EXAMPLE_DOCUMENT = {
  name: "no-system-files",
  servers: ["filesystem"],
  match: { tool: ["read_*"], args: { "/path": { prefix: "/etc/" } } },
  action: "deny",
  reason: "System files are off limits",
  priority: 100,
  dry_run: false,
  enabled: true,
};

const EXAMPLE_YAML = `name: no-system-files
servers: filesystem
match:
  tool: read_*
  args:
    /path: { prefix: /etc/ }
action: deny
reason: System files are off limits
priority: 100
`;

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
  .openapi("Policy", {
    example: {
      id: "pol_Q2b7xT0mVx3kLr9dW4sYpA",
      name: "no-system-files",
      document: EXAMPLE_DOCUMENT,
      created_by: "alice",
      created_at: "2026-11-21T16:40:00.000Z",
      updated_at: "2026-11-21T16:40:00.000Z",
    },
  });

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

// Documents are read by readPolicyBody (JSON or YAML) and checked by validDocument, not by a route validator: the
// body is described by reference to the schema, so OpenAPIHono does not parse it as JSON itself.
policiesApi.openAPIRegistry.register("PolicyDocument", policySchema);
const PolicyDocumentRef = { $ref: "#/components/schemas/PolicyDocument" };

const policyBody = {
  required: true,
  description: "The policy document (docs/policies.md), as JSON or YAML, at most 256 KiB.",
  content: {
    "application/json": { schema: PolicyDocumentRef, example: EXAMPLE_DOCUMENT },
    "application/yaml": { schema: PolicyDocumentRef, example: EXAMPLE_YAML },
  },
};

const POLICY_NOT_FOUND = {
  policy_not_found: {
    when: "Your team has no policy of that name.",
    message: "No policy named 'no-system-files' exists for your team.",
  },
};

/** What reading and checking a submitted document can refuse. */
const DOCUMENT_ERRORS = {
  400: {
    validation_failed: {
      when:
        "The policy fails validation (every problem is in the message and in `details`; a regex RE2 cannot " +
        "run says so), or its name is reserved (`evaluate`, `bundle`).",
      message:
        'Invalid policy: \'action\' Invalid option: expected one of "allow"|"deny"|"log"|"redact"|"limit".',
      details: [
        {
          location: "body",
          field: "action",
          message: 'Invalid option: expected one of "allow"|"deny"|"log"|"redact"|"limit"',
        },
      ],
    },
    bad_request: {
      when: "The body is not UTF-8, or does not parse as the JSON or YAML its Content-Type names.",
      message: "The policy is not valid JSON: Unexpected end of JSON input",
    },
  },
  413: {
    body_too_large: {
      when: "The document is larger than 256 KiB.",
      message: "The request body exceeds the gateway's limit of 262144 bytes.",
    },
  },
  415: {
    unsupported_media_type: {
      when: "The Content-Type is not application/json or application/yaml (also application/x-yaml, text/yaml).",
      message: "Send the policy as application/json or application/yaml.",
    },
  },
} satisfies ErrorCodes;

policiesApi.openapi(
  apiRoute({
    method: "get",
    path: "/",
    summary: "List the team's policies",
    tags: ["Policies"],
    role: "viewer",
    request: {
      query: z.object({
        server: z.string().min(1).max(63).optional().openapi({
          description: "Only the policies whose `servers` match this server name.",
          example: "filesystem",
        }),
      }),
    },
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

policiesApi.openapi(
  apiRoute({
    method: "post",
    path: "/",
    summary: "Create a policy",
    tags: ["Policies"],
    role: "admin",
    description: "Adds a policy to the team. It applies at once in the isolate that handled it.",
    request: { body: policyBody },
    responses: {
      201: {
        description:
          "Created. `document` is the policy with its defaults filled in and single globs turned into lists.",
        headers: {
          Location: {
            description: "The policy's URL: `/api/v1/policies/{name}`.",
            schema: { type: "string" },
          },
        },
        content: { "application/json": { schema: PolicyOut } },
      },
    },
    errors: {
      ...DOCUMENT_ERRORS,
      409: {
        policy_exists: {
          when: "Your team already has a policy of that name.",
          message: "Your team already has a policy named 'no-system-files'.",
        },
      },
    },
  }),
  async (c) => {
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
      throw new GatewayError(
        409,
        "policy_exists",
        `Your team already has a policy named '${document.name}'.`,
      );
    }
    forgetPolicies(team);
    return c.json(toApi(row), 201, { Location: `/api/v1/policies/${row.name}` });
  },
);

policiesApi.openapi(
  apiRoute({
    method: "get",
    path: "/{name}",
    summary: "Read a policy",
    tags: ["Policies"],
    role: "viewer",
    request: { params: NameParam },
    responses: {
      200: { description: "The policy.", content: { "application/json": { schema: PolicyOut } } },
    },
    errors: { 404: POLICY_NOT_FOUND },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    const row = await findPolicy(database(c.env), c.get("identity").team, name);
    if (!row) throw notFound(name);
    return c.json(toApi(row), 200);
  },
);

policiesApi.openapi(
  apiRoute({
    method: "put",
    path: "/{name}",
    summary: "Replace a policy",
    tags: ["Policies"],
    role: "admin",
    description: "Replaces the policy's document. The document's `name` may be left out.",
    // The name is documented, not validated, here: the document's checks judge it, after the media type.
    parameters: [
      {
        name: "name",
        in: "path",
        required: true,
        description: "The policy's name; a `name` in the document must match it.",
        schema: { type: "string" },
        example: "no-system-files",
      },
    ],
    request: { body: policyBody },
    responses: {
      200: { description: "Replaced.", content: { "application/json": { schema: PolicyOut } } },
    },
    errors: {
      ...DOCUMENT_ERRORS,
      400: {
        ...DOCUMENT_ERRORS[400],
        validation_failed: {
          ...DOCUMENT_ERRORS[400].validation_failed,
          when: `${DOCUMENT_ERRORS[400].validation_failed.when} Or the document's \`name\` differs from the path's.`,
        },
      },
      404: POLICY_NOT_FOUND,
    },
  }),
  async (c) => {
    const name = c.req.param("name");
    const document = validDocument(await readPolicyBody(c.req.raw), name);
    const db = database(c.env);
    const row = await findPolicy(db, c.get("identity").team, name);
    if (!row) throw notFound(name);
    const next: PolicyRow = { ...row, document: JSON.stringify(document), updatedAt: Date.now() };
    await replacePolicy(db, next);
    forgetPolicies(next.team);
    return c.json(toApi(next), 200);
  },
);

policiesApi.openapi(
  apiRoute({
    method: "delete",
    path: "/{name}",
    summary: "Delete a policy",
    tags: ["Policies"],
    role: "admin",
    request: { params: NameParam },
    responses: { 204: { description: "Deleted." } },
    errors: { 404: POLICY_NOT_FOUND },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    if (!(await deletePolicy(database(c.env), c.get("identity").team, name))) throw notFound(name);
    forgetPolicies(c.get("identity").team);
    return c.body(null, 204);
  },
);
