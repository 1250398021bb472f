// /api/v1/tokens: named API tokens. Anyone signed in creates tokens for themselves, with roles no wider than their
// own and an optional expiry; the token is shown once. Members see and revoke their own tokens, admins every token
// of the team. An API token cannot create tokens.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { randomId } from "../core/base64url.ts";
import { database } from "../db/client.ts";
import { type ApiTokenRow, apiTokens } from "../db/schema.ts";
import { GatewayError } from "../errors.ts";
import { apiRoute } from "../http/openapi.ts";
import { validationHook } from "../http/validation.ts";
import { listTokens, newApiToken, revokeToken, tokenHash } from "./api-tokens.ts";
import { hasRole, ROLES } from "./identity.ts";

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
  .openapi("CreateToken", { example: { name: "ci-logs", roles: ["viewer"], expires_at: 1_798_761_600_000 } });

const EXAMPLE_TOKEN = {
  id: "tok_3xY9bQ2mLk7VdR1sTz8wPa",
  name: "ci-logs",
  subject: "alice",
  roles: ["viewer"],
  created_at: "2026-11-21T16:40:00.000Z",
  expires_at: "2027-01-01T00:00:00.000Z",
  revoked_at: null,
  last_used_at: null,
};

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
  .openapi("ApiToken", { example: EXAMPLE_TOKEN });

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
  apiRoute({
    method: "post",
    path: "/",
    summary: "Create an API token",
    tags: ["Identity"],
    role: "viewer",
    description:
      "Creates a long-lived token for yourself, with roles no wider than yours and an optional expiry. Send it " +
      "as `Authorization: Bearer hlm_…`. Needs your own sign-in: an API token cannot create tokens.",
    request: { body: { required: true, content: { "application/json": { schema: CreateToken } } } },
    responses: {
      201: {
        description: "Created. `token` is shown this once; only its hash is kept.",
        content: {
          "application/json": {
            schema: Token.extend({ token: z.string() }),
            example: { ...EXAMPLE_TOKEN, token: "hlm_q0VtPz7cX2mKd9LrW4sYbN1aJ6eH3gFuT8iOkQ5vRxM" },
          },
        },
      },
    },
    errors: {
      400: {
        validation_failed: {
          when: "`expires_at` is in the past.",
          message: "Invalid request: 'expires_at' is in the past.",
        },
      },
      403: {
        forbidden: {
          when: "The request is authenticated with an API token, or asks for a role wider than yours.",
          message: "You cannot give a token the admin role: it is wider than yours.",
        },
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
  apiRoute({
    method: "get",
    path: "/",
    summary: "List API tokens",
    tags: ["Identity"],
    role: "viewer",
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
  apiRoute({
    method: "delete",
    path: "/{id}",
    summary: "Revoke an API token",
    tags: ["Identity"],
    role: "viewer",
    description: "Revokes one of your tokens (an admin: any token of the team). It stops working at once.",
    request: {
      params: z.object({
        id: z
          .string()
          .min(1)
          .max(64)
          .openapi({
            param: { name: "id", in: "path" },
            description: "The token's `id` (not the token itself).",
            example: "tok_3xY9bQ2mLk7VdR1sTz8wPa",
          }),
      }),
    },
    responses: {
      200: {
        description: "Revoked at once; the body is the token with its `revoked_at`.",
        content: { "application/json": { schema: Token } },
      },
    },
    errors: {
      404: {
        token_not_found: {
          when: "You have no token of that id (a member sees only their own tokens).",
          message: "You have no token 'tok_3xY9bQ2mLk7VdR1sTz8wPa'.",
        },
      },
      409: {
        token_revoked: {
          when: "The token is revoked already.",
          message: "Token 'tok_3xY9bQ2mLk7VdR1sTz8wPa' is revoked already.",
        },
      },
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
