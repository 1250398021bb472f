// API tokens: created with roles no wider than their creator's, shown once, usable wherever a JWT is, revoked at
// once, with their last use recorded.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { api, initialize, mintToken, probeUrl, registerServer } from "./helpers.ts";

const TEAM = "tokens";
let admin: string;
let member: string;

async function create(token: string, body: Record<string, unknown>) {
  const response = await api("POST", "/api/v1/tokens", token, body);
  return { status: response.status, body: await response.json<Record<string, unknown>>() };
}

beforeAll(async () => {
  admin = await mintToken({ team: TEAM, sub: "root" });
  member = await mintToken({ team: TEAM, sub: "dev", roles: ["member"] });
  await registerServer(admin, "probe", probeUrl());
});

describe("/api/v1/tokens", () => {
  it("creates a token shown once, stored as a hash, that works for the API and MCP as its creator", async () => {
    const created = await create(member, { name: "ci", roles: ["member"] });
    expect(created.status).toBe(201);
    const secret = String(created.body.token);
    expect(secret).toMatch(/^hlm_[A-Za-z0-9_-]{40,}$/);
    const stored = await env.DB.prepare("SELECT hash FROM api_tokens WHERE id = ?")
      .bind(created.body.id)
      .first<{ hash: string }>();
    expect(stored?.hash).not.toContain(secret);
    const me = await (await api("GET", "/api/v1/me", secret)).json<Record<string, unknown>>();
    expect(me).toMatchObject({
      subject: "dev",
      team: TEAM,
      roles: ["member"],
      claims: { token_id: created.body.id },
    });
    expect(await initialize("probe", secret)).toBeTruthy();
    const listed = await (await api("GET", "/api/v1/tokens", member)).json<{
      items: Array<Record<string, unknown>>;
    }>();
    const item = listed.items.find((entry) => entry.id === created.body.id);
    expect(item).toBeDefined();
    expect(JSON.stringify(listed)).not.toContain(secret);
    await vi.waitFor(async () => {
      const again = await (await api("GET", "/api/v1/tokens", member)).json<{
        items: Array<Record<string, unknown>>;
      }>();
      expect(again.items.find((entry) => entry.id === created.body.id)?.last_used_at).not.toBeNull();
    });
  });

  it("refuses roles wider than the creator's, past expiries, and tokens minted by tokens", async () => {
    expect((await create(member, { name: "x", roles: ["admin"] })).status).toBe(403);
    expect((await create(member, { name: "x", roles: ["member"], expires_at: Date.now() - 1 })).status).toBe(
      400,
    );
    expect((await create(member, { name: "x", roles: ["superuser"] })).status).toBe(400);
    const token = String((await create(member, { name: "t", roles: ["viewer"] })).body.token);
    expect((await create(token, { name: "child", roles: ["viewer"] })).status).toBe(403);
    // A viewer token cannot write, nor use MCP.
    expect((await api("POST", "/api/v1/servers", token, { name: "nope", url: probeUrl() })).status).toBe(403);
  });

  it("stops working at once when revoked, or when it expires", async () => {
    const created = await create(member, { name: "short", roles: ["viewer"] });
    const secret = String(created.body.token);
    expect((await api("GET", "/api/v1/logs", secret)).status).toBe(200);
    // Another member cannot revoke it; its owner can.
    const other = await mintToken({ team: TEAM, sub: "eve", roles: ["member"] });
    expect((await api("DELETE", `/api/v1/tokens/${created.body.id}`, other)).status).toBe(404);
    expect((await api("DELETE", `/api/v1/tokens/${created.body.id}`, member)).status).toBe(200);
    const refused = await api("GET", "/api/v1/logs", secret);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: "invalid_token" } });
    expect((await api("DELETE", `/api/v1/tokens/${created.body.id}`, member)).status).toBe(409);

    const expiring = await create(member, { name: "soon", roles: ["viewer"], expires_at: Date.now() + 300 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await api("GET", "/api/v1/logs", String(expiring.body.token))).status).toBe(401);
    expect((await api("GET", "/api/v1/logs", "hlm_not-a-real-token")).status).toBe(401);
  });

  it("lets an admin see and revoke every token of the team, and no one another team's", async () => {
    const created = await create(member, { name: "audited", roles: ["viewer"] });
    const all = await (await api("GET", "/api/v1/tokens", admin)).json<{ items: Array<{ id: string }> }>();
    expect(all.items.map((item) => item.id)).toContain(created.body.id);
    const stranger = await mintToken({ team: "elsewhere" });
    expect((await api("DELETE", `/api/v1/tokens/${created.body.id}`, stranger)).status).toBe(404);
    expect((await api("DELETE", `/api/v1/tokens/${created.body.id}`, admin)).status).toBe(200);
  });
});
