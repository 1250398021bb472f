// GET /api/v1/me: who the token is, as policies see it (subject, team, roles, claims). The bridge asks once per
// run, so the policies it enforces locally judge the same identity the gateway would.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireRole } from "./middleware.ts";

export const meApi = new Hono<AppEnv>();

meApi.get("/", requireRole("viewer"), (c) => {
  const { subject, team, roles, claims } = c.get("identity");
  return c.json({ subject, team, roles, claims });
});
