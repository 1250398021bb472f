// /api/v1/tokens: named API tokens. Anyone signed in creates tokens for themselves, with roles no wider than their
// own and an optional expiry; the token is shown once. Members see and revoke their own tokens, admins every token
// of the team. An API token cannot create tokens.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { randomId } from "../core/base64url.ts";
import { database } from "../db/client.ts";
import { type ApiTokenRow, apiTokens } from "../db/schema.ts";
import { GatewayError } from "../errors.ts";
import { validationHook } from "../http/validation.ts";
import { listTokens, newApiToken, revokeToken, tokenHash } from "./api-tokens.ts";
import { hasRole, ROLES } from "./identity.ts";
import { requireRole } from "./middleware.ts";

const CreateToken = z
  .strictObject({
    name: z.string().min(1).max(100),
    roles: z.array(z.enum(ROLES)).min(1).max(3),
    expires_at: z
      .number()
      .int()
      .optional()
      .openapi({ description: "Epoch milliseconds; the token stops working then. Omit for no expiry." }),
  })
  .openapi("CreateToken");

const Token = z
  .object({
    id: z.string(),
    name: z.string(),
    subject: z.string(),
    roles: z.array(z.string()),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
  })
  .openapi("ApiToken");

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

function toApi(row: ApiTokenRow): z.infer<typeof Token> {
  return {
    id: row.id,
    name: row.name,
    subject: row.subject,
    roles: JSON.parse(row.roles) as string[],
    created_at: new Date(row.createdAt).toISOString(),
    expires_at: iso(row.expiresAt),
    revoked_at: iso(row.revokedAt),
    last_used_at: iso(row.lastUsedAt),
  };
}

export const tokensApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

tokensApi.openapi(
  createRoute({
    method: "post",
    path: "/",
    middleware: [requireRole("viewer")] as const,
    request: { body: { required: true, content: { "application/json": { schema: CreateToken } } } },
    responses: {
      201: {
        description: "Created. `token` is shown this once; only its hash is kept.",
        content: { "application/json": { schema: Token.extend({ token: z.string() }) } },
      },
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const identity = c.get("identity");
    if (identity.claims.token_id !== undefined) {
      throw new GatewayError(403, "forbidden", "An API token cannot create tokens; use your own sign-in.");
    }
    const wider = input.roles.find((role) => !hasRole(identity, role));
    if (wider) {
      throw new GatewayError(
        403,
        "forbidden",
        `You cannot give a token the ${wider} role: it is wider than yours.`,
      );
    }
    if (input.expires_at !== undefined && input.expires_at <= Date.now()) {
      throw new GatewayError(400, "validation_failed", "Invalid request: 'expires_at' is in the past.");
    }
    const token = newApiToken();
    const row: ApiTokenRow = {
      id: randomId("tok_"),
      team: identity.team,
      name: input.name,
      subject: identity.subject,
      roles: JSON.stringify([...new Set(input.roles)]),
      hash: await tokenHash(token),
      createdAt: Date.now(),
      expiresAt: input.expires_at ?? null,
      revokedAt: null,
      lastUsedAt: null,
    };
    await database(c.env).insert(apiTokens).values(row);
    return c.json({ ...toApi(row), token }, 201);
  },
);

tokensApi.openapi(
  createRoute({
    method: "get",
    path: "/",
    middleware: [requireRole("viewer")] as const,
    responses: {
      200: {
        description:
          "Your tokens (an admin's: every token of the team), newest first, without their secrets.",
        content: { "application/json": { schema: z.object({ items: z.array(Token) }) } },
      },
    },
  }),
  async (c) => {
    const identity = c.get("identity");
    const rows = await listTokens(c.env, identity.team);
    const visible = hasRole(identity, "admin")
      ? rows
      : rows.filter((row) => row.subject === identity.subject);
    return c.json({ items: visible.map(toApi) }, 200);
  },
);

tokensApi.openapi(
  createRoute({
    method: "delete",
    path: "/{id}",
    middleware: [requireRole("viewer")] as const,
    request: {
      params: z.object({
        id: z
          .string()
          .min(1)
          .max(64)
          .openapi({ param: { name: "id", in: "path" } }),
      }),
    },
    responses: {
      200: { description: "Revoked at once.", content: { "application/json": { schema: Token } } },
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const identity = c.get("identity");
    const mine = (await listTokens(c.env, identity.team)).find((row) => row.id === id);
    if (!mine || (!hasRole(identity, "admin") && mine.subject !== identity.subject)) {
      throw new GatewayError(404, "token_not_found", `You have no token '${id}'.`);
    }
    const revoked = await revokeToken(c.env, identity.team, id, Date.now());
    if (!revoked) throw new GatewayError(409, "token_revoked", `Token '${id}' is revoked already.`);
    return c.json(toApi(revoked), 200);
  },
);
