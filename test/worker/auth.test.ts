import { describe, expect, it } from "vitest";
import {
  AUDIENCE,
  api,
  GATEWAY,
  INITIALIZE,
  mcpPost,
  mintToken,
  probeUrl,
  registerServer,
} from "./helpers.ts";

/** Base64url of a JSON object, for hand-built tokens. */
const b64 = (value: object) =>
  btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

describe("access tokens", () => {
  it("accepts an HS256 token with the configured issuer and audience", async () => {
    const response = await api("GET", "/api/v1/servers", await mintToken());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [] });
  });

  it.each(["RS256", "ES256", "EdDSA"] as const)(
    "accepts a %s token signed by a key in the JWKS",
    async (alg) => {
      const response = await api("GET", "/api/v1/servers", await mintToken({ alg }));
      expect(response.status).toBe(200);
    },
  );

  it("answers a request without a token with 401 and a resource_metadata challenge", async () => {
    const response = await api("GET", "/api/v1/servers", null);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer realm="helmet", resource_metadata="${GATEWAY}/.well-known/oauth-protected-resource"`,
    );
    expect(await response.json()).toEqual({
      error: { code: "unauthorized", message: "A bearer token is required in the Authorization header." },
    });
  });

  const invalid: Array<[string, () => Promise<string>]> = [
    ["a forged signature", () => mintToken({ secret: "another-secret-0123456789abcdefghijklmnop" })],
    ["an expired token", () => mintToken({ expiresIn: Math.floor(Date.now() / 1000) - 3_600 })],
    ["another audience", () => mintToken({ audience: "someone-else" })],
    ["another issuer", () => mintToken({ issuer: "https://evil.example" })],
    [
      "alg none",
      async () =>
        `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "alice", team: "acme", roles: ["admin"], iss: "helmet", aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 3600 })}.`,
    ],
    ["garbage", async () => "not-a-jwt"],
  ];

  it.each(invalid)("refuses %s with 401 invalid_token", async (_name, make) => {
    const response = await api("GET", "/api/v1/servers", await make());
    expect(response.status).toBe(401);
    const challenge = response.headers.get("www-authenticate") ?? "";
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain("resource_metadata=");
    const body = await response.json<{ error: { code: string } }>();
    expect(body.error.code).toBe("invalid_token");
  });

  it("says an expired token has expired", async () => {
    const response = await api(
      "GET",
      "/api/v1/servers",
      await mintToken({ expiresIn: Math.floor(Date.now() / 1000) - 3_600 }),
    );
    expect(await response.json()).toEqual({
      error: { code: "invalid_token", message: "The access token has expired or is not valid yet." },
    });
  });

  it("refuses algorithm confusion: an HS256 token keyed with a JWKS public key", async () => {
    const jwks = await (await fetch(probeUrl("/.well-known/jwks.json"))).json<{
      keys: Array<{ n?: string; alg: string }>;
    }>();
    const rsa = jwks.keys.find((key) => key.alg === "RS256");
    const token = await mintToken({ secret: JSON.stringify(rsa) });
    expect((await api("GET", "/api/v1/servers", token)).status).toBe(401);
  });

  it("tolerates clock skew within the configured bound and no more", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await api("GET", "/api/v1/servers", await mintToken({ expiresIn: now - 30 }))).status).toBe(200);
    expect((await api("GET", "/api/v1/servers", await mintToken({ expiresIn: now - 120 }))).status).toBe(401);
  });

  it("ignores a token in the query string", async () => {
    const token = await mintToken();
    const response = await api("GET", `/api/v1/servers?access_token=${token}`, null);
    expect(response.status).toBe(401);
  });

  it("refuses a token that names no team with 403", async () => {
    const response = await api("GET", "/api/v1/servers", await mintToken({ claims: { team: undefined } }));
    expect(response.status).toBe(403);
    expect((await response.json<{ error: { message: string } }>()).error.message).toBe(
      "The access token does not name a team.",
    );
  });

  it("refuses a token with an empty subject, saying so", async () => {
    const response = await api("GET", "/api/v1/servers", await mintToken({ sub: "" }));
    expect([401, 403]).toContain(response.status);
    const message = (await response.json<{ error: { message: string } }>()).error.message;
    expect(message).not.toContain("team");
  });

  it("reads roles from a space-separated string claim", async () => {
    const token = await mintToken({ claims: { roles: "viewer admin" } });
    const response = await api("POST", "/api/v1/servers", token, { name: "spaced", url: probeUrl() });
    expect(response.status).toBe(201);
  });

  it("needs the member role for MCP endpoints, and answers MCP 401s as JSON-RPC errors", async () => {
    await registerServer(await mintToken(), "probe", probeUrl());
    const viewer = await mcpPost("probe", await mintToken({ roles: ["viewer"] }), INITIALIZE);
    expect(viewer.status).toBe(403);
    const anonymous = await mcpPost("probe", null, INITIALIZE);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toContain(
      `resource_metadata="${GATEWAY}/.well-known/oauth-protected-resource/mcp/probe"`,
    );
    expect(await anonymous.json()).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: {
        code: -32000,
        message: "A bearer token is required in the Authorization header.",
        data: { code: "unauthorized" },
      },
    });
  });
});

describe("protected resource metadata", () => {
  it("is served at the root and path-suffixed for each MCP endpoint", async () => {
    const root = await api("GET", "/.well-known/oauth-protected-resource", null);
    expect(root.status).toBe(200);
    expect(await root.json()).toMatchObject({ resource: GATEWAY, bearer_methods_supported: ["header"] });
    const scoped = await api("GET", "/.well-known/oauth-protected-resource/mcp/everything", null, undefined, {
      origin: "https://any-client.example",
    });
    expect(await scoped.json()).toMatchObject({ resource: `${GATEWAY}/mcp/everything` });
    // Public metadata: a browser client on any origin may read it.
    expect(scoped.headers.get("access-control-allow-origin")).toBe("*");
  });
});
