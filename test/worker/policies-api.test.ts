import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, GATEWAY, mintToken, probeUrl, registerServer } from "./helpers.ts";

let admin: string;
let viewer: string;

const noSystemFiles = {
  name: "no-system-files",
  servers: ["filesystem"],
  match: {
    method: "tools/call",
    tool: "read_*",
    args: { "/path": { regex: "^/etc/" } },
    subject: { roles: ["contractor"] },
  },
  action: "deny",
  reason: "System files are off limits",
  priority: 100,
};

const readEtc = {
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name: "read_file", arguments: { path: "/etc/passwd" } },
};

function postYaml(token: string, path: string, yaml: string, method = "POST") {
  return SELF.fetch(`${GATEWAY}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/yaml" },
    body: yaml,
  });
}

beforeAll(async () => {
  admin = await mintToken();
  viewer = await mintToken({ sub: "val", roles: ["viewer"] });
  await registerServer(admin, "filesystem", probeUrl());
});

describe("/api/v1/policies", () => {
  it("creates, reads, lists, replaces and deletes a policy", async () => {
    const created = await api("POST", "/api/v1/policies", admin, noSystemFiles);
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe("/api/v1/policies/no-system-files");
    const body = await created.json<{ id: string; document: Record<string, unknown> }>();
    expect(body.id).toMatch(/^pol_/);
    expect(body.document).toMatchObject({
      ...noSystemFiles,
      dry_run: false,
      enabled: true,
      match: { tool: ["read_*"] },
    });

    expect((await api("GET", "/api/v1/policies/no-system-files", viewer)).status).toBe(200);
    const list = await (await api("GET", "/api/v1/policies", viewer)).json<{
      items: Array<{ name: string }>;
    }>();
    expect(list.items.map((p) => p.name)).toContain("no-system-files");

    const replaced = await api("PUT", "/api/v1/policies/no-system-files", admin, {
      ...noSystemFiles,
      dry_run: true,
    });
    expect(replaced.status).toBe(200);
    expect((await replaced.json<{ document: { dry_run: boolean } }>()).document.dry_run).toBe(true);

    expect((await api("DELETE", "/api/v1/policies/no-system-files", admin)).status).toBe(204);
    expect((await api("GET", "/api/v1/policies/no-system-files", admin)).status).toBe(404);
  });

  it("accepts YAML", async () => {
    const yaml = [
      "name: yaml-policy",
      "servers: '*'",
      "match:",
      "  tool: delete_*",
      "action: deny",
      "reason: Deleting is for admins",
    ].join("\n");
    const response = await postYaml(admin, "/api/v1/policies", yaml);
    expect(response.status).toBe(201);
    expect((await response.json<{ document: Record<string, unknown> }>()).document).toMatchObject({
      name: "yaml-policy",
      servers: ["*"],
      match: { tool: ["delete_*"] },
    });
  });

  it("explains what is wrong with a policy", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...noSystemFiles, name: "bad-regex", match: { args: { "/p": { regex: "(a)\\1" } } } }, "RE2"],
      [{ ...noSystemFiles, name: "typo", match: { toolz: "x" } }, "toolz"],
      [{ ...noSystemFiles, name: "evaluate" }, "reserved"],
      [{ ...noSystemFiles, name: "no-action", action: undefined }, "action"],
    ];
    for (const [document, mention] of cases) {
      const response = await api("POST", "/api/v1/policies", admin, document);
      expect(response.status, mention).toBe(400);
      const error = (await response.json<{ error: { code: string; message: string } }>()).error;
      expect(error.code).toBe("validation_failed");
      expect(error.message).toContain(mention);
    }
    const badYaml = await postYaml(admin, "/api/v1/policies", "name: [unclosed");
    expect(badYaml.status).toBe(400);
    expect((await badYaml.json<{ error: { message: string } }>()).error.message).toContain("not valid YAML");
    const wrongType = await SELF.fetch(`${GATEWAY}/api/v1/policies`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "text/plain" },
      body: JSON.stringify(noSystemFiles),
    });
    expect(wrongType.status).toBe(415);
    await api("POST", "/api/v1/policies", admin, { ...noSystemFiles, name: "renamed" });
    const mismatch = await api("PUT", "/api/v1/policies/renamed", admin, { ...noSystemFiles, name: "other" });
    expect(mismatch.status).toBe(400);
    expect((await api("POST", "/api/v1/policies", admin, { ...noSystemFiles, name: "renamed" })).status).toBe(
      409,
    );
  });

  it("needs admin to write and keeps each team's policies to itself", async () => {
    expect(
      (await api("POST", "/api/v1/policies", viewer, { ...noSystemFiles, name: "viewer-made" })).status,
    ).toBe(403);
    await api("POST", "/api/v1/policies", admin, { ...noSystemFiles, name: "acme-only" });
    const globex = await mintToken({ team: "globex" });
    expect((await api("GET", "/api/v1/policies/acme-only", globex)).status).toBe(404);
    expect((await api("DELETE", "/api/v1/policies/acme-only", globex)).status).toBe(404);
    const list = await (await api("GET", "/api/v1/policies", globex)).json<{ items: unknown[] }>();
    expect(list.items).toEqual([]);
  });
});

describe("/api/v1/policies/evaluate", () => {
  beforeAll(async () => {
    await api("POST", "/api/v1/policies", admin, {
      ...noSystemFiles,
      name: "eval-system-files",
      priority: 500,
    });
  });

  it("says which rule decides, for the caller or a given subject", async () => {
    const contractor = { sub: "carol", roles: ["contractor"] };
    const denied = await api("POST", "/api/v1/policies/evaluate", viewer, {
      server: "filesystem",
      message: readEtc,
      subject: contractor,
    });
    expect(denied.status).toBe(200);
    expect((await denied.json<{ decision: unknown }>()).decision).toMatchObject({
      action: "deny",
      rule: "eval-system-files",
      reason: "System files are off limits",
    });
    const asCaller = await api("POST", "/api/v1/policies/evaluate", viewer, {
      server: "filesystem",
      message: readEtc,
    });
    expect((await asCaller.json<{ decision: unknown }>()).decision).toMatchObject({
      action: "allow",
      rule: null,
    });
  });

  it("applies the server's allow-list mode", async () => {
    await api("PATCH", "/api/v1/servers/filesystem", admin, { policy_default: "deny" });
    const response = await api("POST", "/api/v1/policies/evaluate", viewer, {
      server: "filesystem",
      message: { ...readEtc, params: { name: "list_directory", arguments: {} } },
    });
    expect((await response.json<{ decision: unknown }>()).decision).toMatchObject({
      action: "deny",
      rule: null,
      reason: "Not allowed by any policy for this server.",
    });
    await api("PATCH", "/api/v1/servers/filesystem", admin, { policy_default: "allow" });
  });

  it("judges a result with the request it answers", async () => {
    await api("POST", "/api/v1/policies", admin, {
      name: "eval-no-keys-back",
      servers: "filesystem",
      match: { direction: "result", tool: "read_*", args: { "/content/0/text": { regex: "PRIVATE KEY" } } },
      action: "deny",
    });
    const result = {
      jsonrpc: "2.0",
      id: 1,
      result: { content: [{ type: "text", text: "BEGIN PRIVATE KEY" }] },
    };
    const judged = await api("POST", "/api/v1/policies/evaluate", viewer, {
      server: "filesystem",
      direction: "result",
      message: result,
      request: readEtc,
    });
    expect(judged.status).toBe(200);
    expect((await judged.json<{ decision: unknown }>()).decision).toMatchObject({
      action: "deny",
      rule: "eval-no-keys-back",
    });
    const mismatched = await api("POST", "/api/v1/policies/evaluate", viewer, {
      server: "filesystem",
      message: readEtc,
      request: readEtc,
    });
    expect(mismatched.status).toBe(400);
    expect((await mismatched.json<{ error: { message: string } }>()).error.message).toContain(
      "'request' goes with direction 'result'",
    );
    const notARequest = await api("POST", "/api/v1/policies/evaluate", viewer, {
      server: "filesystem",
      direction: "result",
      message: result,
      request: result,
    });
    expect(notARequest.status).toBe(400);
    expect((await notARequest.json<{ error: { message: string } }>()).error.message).toContain(
      "'request' must be a JSON-RPC request",
    );
  });

  it("refuses a message that is not JSON-RPC", async () => {
    const response = await api("POST", "/api/v1/policies/evaluate", viewer, {
      server: "filesystem",
      message: { hello: 1 },
    });
    expect(response.status).toBe(400);
    expect((await response.json<{ error: { message: string } }>()).error.message).toContain("'message'");
  });
});

describe("/api/v1/policies/bundle", () => {
  it("serves a server's policies and default with an ETag, and 304 while unchanged", async () => {
    await api("POST", "/api/v1/policies", admin, { ...noSystemFiles, name: "bundle-a" });
    await api("POST", "/api/v1/policies", admin, {
      ...noSystemFiles,
      name: "bundle-elsewhere",
      servers: ["github"],
    });
    const first = await api("GET", "/api/v1/policies/bundle?server=filesystem", viewer);
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag") ?? "";
    const bundle = await first.json<{
      server: string;
      policy_default: string;
      version: string;
      policies: Array<{ name: string }>;
    }>();
    expect(bundle).toMatchObject({ server: "filesystem", policy_default: "allow" });
    expect(etag).toBe(`"${bundle.version}"`);
    const names = bundle.policies.map((p) => p.name);
    expect(names).toContain("bundle-a");
    expect(names).not.toContain("bundle-elsewhere");

    const again = await api("GET", "/api/v1/policies/bundle?server=filesystem", viewer, undefined, {
      "if-none-match": etag,
    });
    expect(again.status).toBe(304);

    await api("DELETE", "/api/v1/policies/bundle-a", admin);
    const changed = await api("GET", "/api/v1/policies/bundle?server=filesystem", viewer, undefined, {
      "if-none-match": etag,
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
  });

  it("serves a server the gateway has not registered (a bridge's) with the policies naming it, default allow", async () => {
    await api("POST", "/api/v1/policies", admin, {
      ...noSystemFiles,
      name: "bundle-unregistered",
      servers: ["local-*"],
    });
    const response = await api("GET", "/api/v1/policies/bundle?server=local-files", viewer);
    expect(response.status).toBe(200);
    const bundle = await response.json<{ policy_default: string; policies: Array<{ name: string }> }>();
    expect(bundle.policy_default).toBe("allow");
    expect(bundle.policies.map((policy) => policy.name)).toContain("bundle-unregistered");
    expect(bundle.policies.map((policy) => policy.name)).not.toContain("bundle-elsewhere");
  });
});
