// GET /api/v1/me: who the token is, as policies see it (subject, team, roles, claims). The bridge asks once per
// run, so the policies it enforces locally judge the same identity the gateway would.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { apiRoute } from "../http/openapi.ts";
import { validationHook } from "../http/validation.ts";

const Me = z
  .object({
    subject: z.string().openapi({ description: "The token's `sub`." }),
    team: z.string().openapi({ description: "The team every read and write of the token is scoped to." }),
    roles: z
      .array(z.string())
      .openapi({ description: "Every role the token carries, known to the gateway or not." }),
    claims: z.record(z.string(), z.unknown()).openapi({ description: "All claims of the verified token." }),
  })
  .openapi("Me", {
    example: {
      subject: "alice",
      team: "acme",
      roles: ["member"],
      claims: {
        sub: "alice",
        team: "acme",
        roles: ["member"],
        iss: "helmet",
        aud: "helmet-gateway",
        iat: 1_795_283_000,
        exp: 1_795_286_600,
      },
    },
  });

export const meApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

meApi.openapi(
  apiRoute({
    method: "get",
    path: "/",
    summary: "Who the token is",
    tags: ["Identity"],
    role: "viewer",
    description: "The caller as policies see it: subject, team, roles and claims.",
    responses: {
      200: { description: "The caller's identity.", content: { "application/json": { schema: Me } } },
    },
  }),
  (c) => {
    const { subject, team, roles, claims } = c.get("identity");
    return c.json({ subject, team, roles: [...roles], claims: { ...claims } }, 200);
  },
);
