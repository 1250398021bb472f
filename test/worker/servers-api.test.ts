import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, mintToken, probeUrl } from "./helpers.ts";

let admin: string;
let viewer: string;

beforeAll(async () => {
  admin = await mintToken({ roles: ["admin"] });
  viewer = await mintToken({ sub: "val", roles: ["viewer"] });
});

describe("/api/v1/servers", () => {
  it("creates, reads, lists, updates and deletes a server", async () => {
    const created = await api("POST", "/api/v1/servers", admin, {
      name: "files",
      url: probeUrl(),
      description: "file tools",
      headers: { Authorization: "Bearer upstream-token" },
      timeout_ms: 5_000,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe("/api/v1/servers/files");
    const server = await created.json<Record<string, unknown>>();
    expect(server).toMatchObject({
      name: "files",
      url: probeUrl(),
      description: "file tools",
      credential_headers: ["authorization"],
      timeout_ms: 5_000,
      created_by: "alice",
    });
    expect(server.id).toMatch(/^srv_/);

    expect(await (await api("GET", "/api/v1/servers/files", viewer)).json()).toEqual(server);
    const list = await (await api("GET", "/api/v1/servers", viewer)).json<{
      items: Array<{ name: string }>;
    }>();
    expect(list.items.map((s) => s.name)).toContain("files");

    const patched = await api("PATCH", "/api/v1/servers/files", admin, { description: null, headers: null });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ description: null, credential_headers: [] });

    expect((await api("DELETE", "/api/v1/servers/files", admin)).status).toBe(204);
    expect((await api("GET", "/api/v1/servers/files", admin)).status).toBe(404);
    expect((await api("DELETE", "/api/v1/servers/files", admin)).status).toBe(404);
  });

  it("never returns credential values, and stores them encrypted", async () => {
    const created = await api("POST", "/api/v1/servers", admin, {
      name: "secretive",
      url: probeUrl(),
      headers: { "x-api-key": "sk-live-very-secret-value" },
    });
    const text = await created.text();
    expect(text).not.toContain("sk-live-very-secret-value");
    const listed = await (await api("GET", "/api/v1/servers", admin)).text();
    expect(listed).not.toContain("sk-live-very-secret-value");
    const row = await env.DB.prepare(
      "SELECT credentials_sealed FROM servers WHERE name = 'secretive'",
    ).first<{
      credentials_sealed: string;
    }>();
    expect(row?.credentials_sealed).toMatch(/^1\./);
    expect(row?.credentials_sealed).not.toContain("very-secret");
  });

  it("needs the admin role to write and any role to read", async () => {
    const denied = await api("POST", "/api/v1/servers", viewer, { name: "x", url: probeUrl() });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({
      error: { code: "forbidden", message: "This needs the admin role." },
    });
    const member = await mintToken({ roles: ["member"] });
    expect((await api("DELETE", "/api/v1/servers/anything", member)).status).toBe(403);
    const noRoles = await mintToken({ roles: [] });
    expect((await api("GET", "/api/v1/servers", noRoles)).status).toBe(403);
  });

  it("keeps each team's servers to itself", async () => {
    await api("POST", "/api/v1/servers", admin, { name: "private", url: probeUrl() });
    const other = await mintToken({ team: "globex" });
    expect((await api("GET", "/api/v1/servers/private", other)).status).toBe(404);
    expect((await api("PATCH", "/api/v1/servers/private", other, { description: "mine now" })).status).toBe(
      404,
    );
    expect((await api("DELETE", "/api/v1/servers/private", other)).status).toBe(404);
    const list = await (await api("GET", "/api/v1/servers", other)).json<{ items: unknown[] }>();
    expect(list.items).toEqual([]);
    // Another team may use the same name.
    expect((await api("POST", "/api/v1/servers", other, { name: "private", url: probeUrl() })).status).toBe(
      201,
    );
  });

  it("refuses a duplicate name with 409", async () => {
    await api("POST", "/api/v1/servers", admin, { name: "twice", url: probeUrl() });
    const again = await api("POST", "/api/v1/servers", admin, { name: "twice", url: probeUrl() });
    expect(again.status).toBe(409);
    expect((await again.json<{ error: { code: string } }>()).error.code).toBe("server_exists");
  });

  it("explains each invalid field with 400", async () => {
    const response = await api("POST", "/api/v1/servers", admin, {
      name: "Bad Name!",
      url: probeUrl(),
      headers: { "mcp-session-id": "x" },
      extra: true,
    });
    expect(response.status).toBe(400);
    const body = await response.json<{
      error: { code: string; message: string; details: Array<{ field: string }> };
    }>();
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.message).toContain("body 'name'");
    expect(body.error.details.map((d) => d.field)).toEqual(
      expect.arrayContaining(["name", "headers.mcp-session-id"]),
    );
  });

  it("refuses a body that is not JSON, or not declared as JSON, with a coded error", async () => {
    const garbled = await SELF.fetch("https://gateway.test/api/v1/servers", {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(garbled.status).toBe(400);
    expect((await garbled.json<{ error: { code: string } }>()).error.code).toBe("bad_request");
    const untyped = await SELF.fetch("https://gateway.test/api/v1/servers", {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "text/plain" },
      body: JSON.stringify({ name: "x", url: probeUrl() }),
    });
    expect(untyped.status).toBe(415);
    expect((await untyped.json<{ error: { code: string } }>()).error.code).toBe("unsupported_media_type");
  });

  it("refuses URLs that are not http(s), carry credentials, or are malformed", async () => {
    for (const url of ["ftp://example.com/mcp", "https://user:pass@example.com/mcp", "not a url"]) {
      const response = await api("POST", "/api/v1/servers", admin, { name: "bad-url", url });
      expect(response.status, url).toBe(400);
      expect((await response.json<{ error: { code: string } }>()).error.code).toBe("invalid_upstream_url");
    }
  });
});
