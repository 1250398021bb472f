// /api/v1/servers/{name}/tools: the pinned definition of each tool of a server, what changed since, and the
// approval that makes a changed definition the new pin. Reads need viewer; approving needs admin.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { database } from "../db/client.ts";
import type { ToolPinRow } from "../db/schema.ts";
import { GatewayError } from "../errors.ts";
import { apiRoute } from "../http/openapi.ts";
import { validationHook } from "../http/validation.ts";
import { findServer } from "../registry/server-store.ts";
import { SERVER_NOT_FOUND, ServerNameParam, serverNotFound } from "../registry/servers-api.ts";
import { approveChange, findPin, listPins } from "./pin-store.ts";

const Definition = z
  .record(z.string(), z.unknown())
  .nullable()
  .openapi({
    description:
      "The tool's name, description, inputSchema and annotations, with secrets redacted; null when it was too " +
      "large to keep (the hash still covers it).",
  });

const ToolPin = z
  .object({
    tool: z.string(),
    status: z.enum(["pinned", "changed"]).openapi({
      description: "`changed`: a definition different from the pin was seen and awaits approval.",
    }),
    hash: z.string().openapi({ description: "SHA-256 (base64url) of the pinned definition." }),
    definition: Definition,
    first_seen_at: z.string(),
    changed_at: z.string().nullable(),
    changed_hash: z.string().nullable(),
    changed_definition: Definition,
    approved_by: z.string().nullable(),
    approved_at: z.string().nullable(),
  })
  .openapi("ToolPin", {
    example: {
      tool: "echo",
      status: "changed",
      hash: "9Sx1pJ1u0Ez3aEo7Jc0ZtN5yXbqv1q6lJ2m6p0r1s2Y",
      definition: {
        name: "echo",
        description: "Echoes back the input",
        inputSchema: { type: "object" },
      },
      first_seen_at: "2026-11-21T17:54:12.113Z",
      changed_at: "2026-11-21T18:02:40.571Z",
      changed_hash: "r2KkQ0x4V1mW8aFf3Zb7cN9tLq5uYd2hE6gJ0sPiT1o",
      changed_definition: {
        name: "echo",
        description: "Answers with the arguments it received.",
        inputSchema: { type: "object" },
      },
      approved_by: null,
      approved_at: null,
    },
  });

const ToolParam = ServerNameParam.extend({
  tool: z
    .string()
    .min(1)
    .max(256)
    .openapi({
      param: { name: "tool", in: "path" },
      description: "The tool's name, as the server lists it.",
      example: "read_file",
    }),
});

const Approval = z
  .strictObject({
    hash: z.string().min(1).max(128).optional().openapi({
      description:
        "The changed_hash you reviewed. When given, the approval fails with 409 if the tool has changed again since.",
    }),
  })
  .openapi("ToolApproval", { example: { hash: "r2KkQ0x4V1mW8aFf3Zb7cN9tLq5uYd2hE6gJ0sPiT1o" } });

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
const parsed = (definition: string | null) =>
  definition === null ? null : (JSON.parse(definition) as Record<string, unknown>);

function toApi(row: ToolPinRow): z.infer<typeof ToolPin> {
  return {
    tool: row.tool,
    status: row.changedHash === null ? "pinned" : "changed",
    hash: row.hash,
    definition: parsed(row.definition),
    first_seen_at: new Date(row.firstSeenAt).toISOString(),
    changed_at: iso(row.changedAt),
    changed_hash: row.changedHash,
    changed_definition: parsed(row.changedDefinition),
    approved_by: row.approvedBy,
    approved_at: iso(row.approvedAt),
  };
}

async function serverIdOf(env: Env, team: string, name: string): Promise<string> {
  const server = await findServer(database(env), team, name);
  if (!server) {
    throw serverNotFound(name);
  }
  return server.id;
}

export const toolPinsApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

toolPinsApi.openapi(
  apiRoute({
    method: "get",
    path: "/{name}/tools",
    summary: "List a server's pinned tools",
    tags: ["Tool pins"],
    role: "viewer",
    description:
      "The definition the gateway pinned for each tool of the server, sorted by tool name, and any changed " +
      "definition awaiting approval.",
    request: { params: ServerNameParam },
    responses: {
      200: {
        description: "Every tool of the server the gateway has pinned, by name.",
        content: { "application/json": { schema: z.object({ items: z.array(ToolPin) }) } },
      },
    },
    errors: { 404: SERVER_NOT_FOUND },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    const { team } = c.get("identity");
    const serverId = await serverIdOf(c.env, team, name);
    const rows = await listPins(database(c.env), team, serverId);
    return c.json({ items: rows.map(toApi) }, 200);
  },
);

toolPinsApi.openapi(
  apiRoute({
    method: "post",
    path: "/{name}/tools/{tool}/approve",
    summary: "Approve a changed tool definition",
    tags: ["Tool pins"],
    role: "admin",
    description:
      "Makes the changed definition the pin, so the tool is listed and callable again. The body is optional: " +
      "`hash` makes the approval fail if the tool changed again after you reviewed it.",
    request: {
      params: ToolParam,
      body: { required: false, content: { "application/json": { schema: Approval } } },
    },
    responses: {
      200: {
        description: "The changed definition is now the pin; the tool is visible again.",
        content: { "application/json": { schema: ToolPin } },
      },
    },
    errors: {
      404: {
        ...SERVER_NOT_FOUND,
        tool_not_found: {
          when: "The server has no pinned tool of that name.",
          message: "Server 'everything' has no pinned tool named 'echo'.",
        },
      },
      409: {
        nothing_to_approve: {
          when: "The tool matches its pinned definition: there is no change to approve.",
          message: "Tool 'echo' matches its pinned definition; there is no change to approve.",
        },
        tool_changed_again: {
          when:
            "The pending definition is not the one `hash` names, or it changed while approving: review " +
            "`changed_definition` and retry.",
          message:
            "Tool 'echo' has changed again since the definition you reviewed; review changed_definition and retry.",
        },
      },
    },
  }),
  async (c) => {
    const { name, tool } = c.req.valid("param");
    const { hash: reviewed } = c.req.valid("json") ?? {};
    const { team, subject } = c.get("identity");
    const db = database(c.env);
    const pin = await findPin(db, team, await serverIdOf(c.env, team, name), tool);
    if (!pin) {
      throw new GatewayError(404, "tool_not_found", `Server '${name}' has no pinned tool named '${tool}'.`);
    }
    const { changedHash } = pin;
    if (changedHash === null) {
      throw new GatewayError(
        409,
        "nothing_to_approve",
        `Tool '${tool}' matches its pinned definition; there is no change to approve.`,
      );
    }
    const changedAgain = () =>
      new GatewayError(
        409,
        "tool_changed_again",
        `Tool '${tool}' has changed again since the definition you reviewed; review changed_definition and retry.`,
      );
    if (reviewed !== undefined && reviewed !== changedHash) throw changedAgain();
    const approved = await approveChange(db, { ...pin, changedHash }, subject, Date.now());
    if (!approved) throw changedAgain();
    return c.json(toApi(approved), 200);
  },
);
