// The access matrix, over every operation the OpenAPI document lists: each is called by another team's admin and by
// each role of the owning team. Roles: viewer reads, member also uses MCP (and ingests), admin also manages servers
// and policies. Across teams nothing of team A is readable, writable, or even confirmed to exist: another team gets
// 404 for A's things, and its lists, searches and creations see only its own team.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  api,
  FAKE_GITHUB_TOKEN,
  GATEWAY,
  INITIALIZE,
  MCP_ACCEPT,
  mintToken,
  openBridgeSession,
  probeUrl,
  registerServer,
  tarOf,
} from "./helpers.ts";

type Role = "viewer" | "member" | "admin";
const ROLES: Role[] = ["viewer", "member", "admin"];
const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2 };

const A = "matrix-a";
const tokens = { viewer: "", member: "", admin: "", stranger: "" };
const fixtures = { server: "", policy: "", session: "", token: "", revocable: "", scan: "", finding: "" };
let archive: Uint8Array = new Uint8Array();
let strangerArchive: Uint8Array = new Uint8Array();

/**
 * What would betray team A's data in another team's answer: ids only team A was given, its team's name, and its
 * policy's name (which another team never sends; it does send "a-srv", and answers may echo that back).
 */
const secretsOfA = () => [
  fixtures.server,
  fixtures.policy,
  fixtures.session,
  fixtures.token,
  fixtures.scan,
  fixtures.finding,
  A,
  "a-pol",
];

const policy = (name: string) => ({ name, servers: "a-srv", match: { tool: "rm" }, action: "deny" });

interface Case {
  /** The lowest role of team A that may call it. */
  needs: Role;
  /** The concrete path (team A's fixtures filled in) and query. */
  path: () => string;
  body?: (caller: Role | "stranger") => unknown;
  /** A body sent as bytes rather than JSON. */
  raw?: (caller: Role | "stranger") => Uint8Array;
  headers?: Record<string, string>;
  /**
   * What another team's admin gets: `not_found` for team A's things; `own_team` where the call acts on the caller's
   * own team (lists, creations, searches), which must then show nothing of team A.
   */
  stranger: "not_found" | "own_team";
  /**
   * Refusals a permitted role of team A may get that are not about its role, by error code: the thing is not
   * theirs (a bridge session is its registrant's), there is nothing to do, or it was done by a lower role first.
   */
  allowedRefusals?: string[];
}

const id = () => crypto.randomUUID();

const CASES: Record<string, Case> = {
  "GET /api/v1/servers": { needs: "viewer", path: () => "/api/v1/servers", stranger: "own_team" },
  "POST /api/v1/servers": {
    needs: "admin",
    path: () => "/api/v1/servers",
    body: (caller) => ({ name: `new-${caller}`, url: probeUrl() }),
    stranger: "own_team",
  },
  "GET /api/v1/servers/{name}": {
    needs: "viewer",
    path: () => "/api/v1/servers/a-srv",
    stranger: "not_found",
  },
  "PATCH /api/v1/servers/{name}": {
    needs: "admin",
    path: () => "/api/v1/servers/a-srv",
    body: () => ({ description: "changed" }),
    stranger: "not_found",
  },
  "DELETE /api/v1/servers/{name}": {
    needs: "admin",
    path: () => "/api/v1/servers/a-doomed",
    stranger: "not_found",
  },
  "GET /api/v1/servers/{name}/tools": {
    needs: "viewer",
    path: () => "/api/v1/servers/a-srv/tools",
    stranger: "not_found",
  },
  "POST /api/v1/servers/{name}/tools/{tool}/approve": {
    needs: "admin",
    path: () => "/api/v1/servers/a-srv/tools/whoami/approve",
    stranger: "not_found",
    allowedRefusals: ["tool_not_found"],
  },
  "GET /api/v1/policies": { needs: "viewer", path: () => "/api/v1/policies", stranger: "own_team" },
  "POST /api/v1/policies": {
    needs: "admin",
    path: () => "/api/v1/policies",
    body: (caller) => policy(caller === "stranger" ? "b-pol" : `a-pol-${caller}`),
    stranger: "own_team",
  },
  "POST /api/v1/policies/evaluate": {
    needs: "viewer",
    path: () => "/api/v1/policies/evaluate",
    // Team A denies rm on a-srv; another team evaluating the same call must not meet A's policy.
    body: () => ({
      server: "a-srv",
      message: { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "rm", arguments: {} } },
    }),
    stranger: "own_team",
  },
  "GET /api/v1/policies/bundle": {
    needs: "viewer",
    path: () => "/api/v1/policies/bundle?server=a-srv",
    stranger: "own_team",
  },
  "GET /api/v1/policies/{name}": {
    needs: "viewer",
    path: () => "/api/v1/policies/a-pol",
    stranger: "not_found",
  },
  "PUT /api/v1/policies/{name}": {
    needs: "admin",
    path: () => "/api/v1/policies/a-pol",
    body: () => policy("a-pol"),
    stranger: "not_found",
  },
  "DELETE /api/v1/policies/{name}": {
    needs: "admin",
    path: () => "/api/v1/policies/a-pol-doomed",
    stranger: "not_found",
  },
  "GET /api/v1/logs": { needs: "viewer", path: () => "/api/v1/logs?q=a-srv", stranger: "own_team" },
  "GET /api/v1/logs/export": {
    needs: "viewer",
    path: () => "/api/v1/logs/export?since=0&format=csv",
    stranger: "own_team",
  },
  "GET /api/v1/violations": { needs: "viewer", path: () => "/api/v1/violations", stranger: "own_team" },
  "GET /api/v1/metrics": {
    needs: "viewer",
    path: () => "/api/v1/metrics?group_by=team&bucket=day",
    stranger: "own_team",
  },
  "GET /api/v1/sessions": { needs: "viewer", path: () => "/api/v1/sessions", stranger: "own_team" },
  "GET /api/v1/sessions/{id}": {
    needs: "viewer",
    path: () => `/api/v1/sessions/${fixtures.session}`,
    stranger: "not_found",
  },
  "POST /api/v1/ingest/sessions": {
    needs: "member",
    path: () => "/api/v1/ingest/sessions",
    body: () => ({
      id: id(),
      server: "a-srv",
      machine: { host: "h", os: "linux", arch: "x64", node: "v20", helmet: "0.1.0" },
      started_at: Date.now(),
    }),
    stranger: "own_team",
  },
  "POST /api/v1/ingest/sessions/{id}/end": {
    needs: "member",
    path: () => `/api/v1/ingest/sessions/${fixtures.session}/end`,
    body: () => ({ ended_at: Date.now() }),
    stranger: "not_found",
    // A bridge session is its registrant's (the member): an admin of the team does not write to it.
    allowedRefusals: ["session_not_found"],
  },
  "POST /api/v1/ingest/sessions/{id}/metrics": {
    needs: "member",
    path: () => `/api/v1/ingest/sessions/${fixtures.session}/metrics`,
    body: () => ({
      at: Date.now(),
      totals: { calls: 1, errors: 0, bytes_in: 1, bytes_out: 1 },
      interval: { ms: 1, calls: 1, errors: 0, p50_ms: 1, p95_ms: 1, p99_ms: 1, bytes_in: 1, bytes_out: 1 },
    }),
    stranger: "not_found",
    allowedRefusals: ["session_not_found"],
  },
  "POST /api/v1/ingest/events": {
    needs: "member",
    path: () => "/api/v1/ingest/events",
    body: () => ({
      session_id: fixtures.session,
      events: [
        {
          id: id(),
          ts: Date.now(),
          direction: "client_to_server",
          kind: "notification",
          method: "notifications/initialized",
          target: null,
          request_id: null,
          status: "ok",
          error_code: null,
          latency_ms: null,
          bytes_in: 1,
          bytes_out: 0,
          decision: null,
          rule: null,
          redactions: null,
          params_excerpt: null,
          result_excerpt: null,
        },
      ],
    }),
    stranger: "not_found",
    allowedRefusals: ["session_not_found"],
  },
  "GET /api/v1/me": { needs: "viewer", path: () => "/api/v1/me", stranger: "own_team" },
  "GET /api/v1/tokens": { needs: "viewer", path: () => "/api/v1/tokens", stranger: "own_team" },
  "POST /api/v1/tokens": {
    needs: "viewer",
    path: () => "/api/v1/tokens",
    body: () => ({ name: "matrix", roles: ["viewer"] }),
    stranger: "own_team",
  },
  "DELETE /api/v1/tokens/{id}": {
    needs: "viewer",
    path: () => `/api/v1/tokens/${fixtures.revocable}`,
    stranger: "not_found",
    // The member's token: the viewer cannot see it; the member revokes it; the admin then finds it revoked.
    allowedRefusals: ["token_not_found", "token_revoked"],
  },
  "POST /api/v1/servers/{name}/scans": {
    needs: "member",
    path: () => "/api/v1/servers/a-srv/scans",
    stranger: "not_found",
  },
  "POST /api/v1/scans/upload": {
    needs: "member",
    path: () => "/api/v1/scans/upload?name=matrix.tgz",
    // Another team uploads a package of its own: the same file would give the same (content-derived) fingerprints.
    raw: (caller) => (caller === "stranger" ? strangerArchive : archive),
    headers: { "content-type": "application/gzip" },
    stranger: "own_team",
  },
  "GET /api/v1/scans": { needs: "viewer", path: () => "/api/v1/scans", stranger: "own_team" },
  "GET /api/v1/scans/{id}": {
    needs: "viewer",
    path: () => `/api/v1/scans/${fixtures.scan}`,
    stranger: "not_found",
  },
  "GET /api/v1/scans/{id}/export": {
    needs: "viewer",
    path: () => `/api/v1/scans/${fixtures.scan}/export?format=sarif`,
    stranger: "not_found",
  },
  "PATCH /api/v1/scans/{id}/findings/{fingerprint}": {
    needs: "member",
    path: () => `/api/v1/scans/${fixtures.scan}/findings/${fixtures.finding}`,
    body: () => ({ status: "reviewed" }),
    stranger: "not_found",
  },
  "POST /mcp/{server}": {
    needs: "member",
    path: () => "/mcp/a-srv",
    headers: { accept: MCP_ACCEPT },
    body: () => INITIALIZE,
    stranger: "not_found",
  },
  "GET /mcp/{server}": {
    needs: "member",
    path: () => "/mcp/a-srv",
    headers: { accept: "text/event-stream" },
    stranger: "not_found",
    // Forwarded without a session, the upstream refuses it ("Server not initialized"): not a role refusal.
    allowedRefusals: ["upstream 400"],
  },
  "DELETE /mcp/{server}": {
    needs: "member",
    path: () => "/mcp/a-srv",
    stranger: "not_found",
    allowedRefusals: ["session_required"],
  },
};

async function call(entry: Case & { method: string }, caller: Role | "stranger") {
  const body = entry.body?.(caller);
  const response = await SELF.fetch(`${GATEWAY}${entry.path()}`, {
    method: entry.method,
    headers: {
      authorization: `Bearer ${tokens[caller]}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...entry.headers,
    },
    body: entry.raw ? entry.raw(caller) : body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  // The gateway's own refusals carry a stable code (REST `error.code`, JSON-RPC `error.data.code`); anything else
  // came from the upstream.
  const code = /"code":\s*"([a-z_]+)"/.exec(text)?.[1] ?? `upstream ${response.status}`;
  return { status: response.status, text, code };
}

let documented: string[] = [];

beforeAll(async () => {
  tokens.admin = await mintToken({ team: A, sub: "ada" });
  tokens.member = await mintToken({ team: A, sub: "mel", roles: ["member"] });
  tokens.viewer = await mintToken({ team: A, sub: "vic", roles: ["viewer"] });
  tokens.stranger = await mintToken({ team: "matrix-b", sub: "eve" });
  fixtures.server = (await registerServer(tokens.admin, "a-srv", probeUrl())).id;
  await registerServer(tokens.admin, "a-doomed", probeUrl());
  const created = await api("POST", "/api/v1/policies", tokens.admin, policy("a-pol"));
  expect(created.status).toBe(201);
  fixtures.policy = (await created.json<{ id: string }>()).id;
  expect((await api("POST", "/api/v1/policies", tokens.admin, policy("a-pol-doomed"))).status).toBe(201);
  fixtures.session = await openBridgeSession(tokens.member, "a-srv");
  const mint = async () =>
    (
      await (
        await api("POST", "/api/v1/tokens", tokens.member, { name: "t", roles: ["viewer"] })
      ).json<{ id: string }>()
    ).id;
  archive = await tarOf({ "package/config.js": `export const token = "${FAKE_GITHUB_TOKEN}";\n` });
  strangerArchive = await tarOf({ "other/readme.md": "Nothing to see.\n" });
  const upload = await SELF.fetch(`${GATEWAY}/api/v1/scans/upload`, {
    method: "POST",
    headers: { authorization: `Bearer ${tokens.member}` },
    body: archive,
  });
  expect(upload.status).toBe(201);
  const scan = await upload.json<{ id: string; findings: Array<{ fingerprint: string }> }>();
  fixtures.scan = scan.id;
  fixtures.finding = scan.findings[0]?.fingerprint ?? "";
  fixtures.token = await mint();
  fixtures.revocable = await mint();
  const doc = await (await SELF.fetch(`${GATEWAY}/api/v1/openapi.json`)).json<{
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  }>();
  documented = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([, operation]) => operation.security?.length !== 0)
      .map(([method]) => `${method.toUpperCase()} ${path}`),
  );
});

// Destructive calls go last, so they take nothing away from the others.
const ordered = Object.entries(CASES)
  .map(([key, entry]) => ({ key, method: key.split(" ")[0] ?? "", ...entry }))
  .sort((a, b) => Number(a.method === "DELETE") - Number(b.method === "DELETE"));

describe("access matrix", () => {
  it("has a case for every authenticated operation the OpenAPI document lists", () => {
    expect(documented.length).toBeGreaterThan(30);
    expect(documented.filter((operation) => !(operation in CASES))).toEqual([]);
    expect(Object.keys(CASES).filter((operation) => !documented.includes(operation))).toEqual([]);
  });

  it.each(ordered)("$key: another team sees nothing of team A; within it, needs $needs", async (entry) => {
    // Another team first, before any of team A's calls changes or deletes the thing.
    const foreign = await call(entry, "stranger");
    if (entry.stranger === "not_found") {
      expect(foreign.status, `another team: ${foreign.text.slice(0, 200)}`).toBe(404);
    } else {
      expect(foreign.status, `another team: ${foreign.text.slice(0, 200)}`).toBeLessThan(400);
      for (const secret of secretsOfA()) {
        expect(foreign.text, `another team's answer names ${secret}`).not.toContain(secret);
      }
    }
    for (const role of ROLES) {
      const { status, code, text } = await call(entry, role);
      const where = `${role}: ${status} ${text.slice(0, 200)}`;
      if (RANK[role] < RANK[entry.needs]) {
        expect(status, where).toBe(403);
        expect(code, where).toBe("forbidden");
      } else if (status >= 400) {
        expect(entry.allowedRefusals ?? [], where).toContain(code);
      }
    }
  });
});
