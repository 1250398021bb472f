// The access matrix: every REST endpoint, called with each role of the owning team and with another team's admin.
// Roles: viewer reads, member also uses MCP (and ingests), admin also manages servers and policies. Across teams:
// nothing of team A is readable, writable or even confirmed to exist by team B.
import { beforeAll, describe, expect, it } from "vitest";
import { api, initialize, mintToken, openBridgeSession, probeUrl, registerServer } from "./helpers.ts";

const A = "matrix-a";
const tokens: Record<"viewer" | "member" | "admin" | "stranger", string> = {
  viewer: "",
  member: "",
  admin: "",
  stranger: "",
};
let sessionId = "";
let tokenId = "";

const policy = { name: "a-pol", servers: "a-srv", match: { tool: "rm" }, action: "deny" };

beforeAll(async () => {
  tokens.admin = await mintToken({ team: A, sub: "ada" });
  tokens.member = await mintToken({ team: A, sub: "mel", roles: ["member"] });
  tokens.viewer = await mintToken({ team: A, sub: "vic", roles: ["viewer"] });
  tokens.stranger = await mintToken({ team: "matrix-b", sub: "eve" });
  await registerServer(tokens.admin, "a-srv", probeUrl());
  expect((await api("POST", "/api/v1/policies", tokens.admin, policy)).status).toBe(201);
  sessionId = await openBridgeSession(tokens.member, "a-srv");
  tokenId = String(
    (
      await (
        await api("POST", "/api/v1/tokens", tokens.member, { name: "t", roles: ["viewer"] })
      ).json<{ id: string }>()
    ).id,
  );
});

interface Case {
  name: string;
  method: string;
  path: () => string;
  body?: () => unknown;
  /** The lowest role of team A that may call it. */
  needs: "viewer" | "member" | "admin";
  /** Why a permitted caller may still get 404: the thing is not theirs or not there, which is not a role refusal. */
  notFoundBecause?: string;
}

const cases: Case[] = [
  { name: "read a server", method: "GET", path: () => "/api/v1/servers/a-srv", needs: "viewer" },
  {
    name: "change a server",
    method: "PATCH",
    path: () => "/api/v1/servers/a-srv",
    body: () => ({ description: "x" }),
    needs: "admin",
  },
  { name: "read tool pins", method: "GET", path: () => "/api/v1/servers/a-srv/tools", needs: "viewer" },
  {
    name: "approve a tool",
    method: "POST",
    path: () => "/api/v1/servers/a-srv/tools/whoami/approve",
    needs: "admin",
    notFoundBecause: "no tool of a-srv has been pinned yet",
  },
  { name: "read a policy", method: "GET", path: () => "/api/v1/policies/a-pol", needs: "viewer" },
  {
    name: "replace a policy",
    method: "PUT",
    path: () => "/api/v1/policies/a-pol",
    body: () => policy,
    needs: "admin",
  },
  { name: "read a session", method: "GET", path: () => `/api/v1/sessions/${sessionId}`, needs: "viewer" },
  {
    name: "ingest into a session",
    method: "POST",
    path: () => `/api/v1/ingest/sessions/${sessionId}/end`,
    body: () => ({ ended_at: Date.now() }),
    needs: "member",
    notFoundBecause: "a bridge session is its registrant's own: an admin of the team does not write to it",
  },
];

describe("access matrix", () => {
  it.each(cases)("$name: needs $needs within team A, and is 404 for another team", async (entry) => {
    const rank = { viewer: 0, member: 1, admin: 2 };
    for (const role of ["viewer", "member", "admin"] as const) {
      const response = await api(entry.method, entry.path(), tokens[role], entry.body?.());
      const status = response.status;
      await response.body?.cancel();
      if (rank[role] >= rank[entry.needs]) {
        // 404 here only for approve (no change pending) and 409 for a conflicting write: never a role refusal.
        const acceptable =
          status < 400 || status === 409 || (status === 404 && entry.notFoundBecause !== undefined);
        expect(acceptable, `${role} on ${entry.name}: ${status}`).toBe(true);
      } else {
        expect(status, `${role} on ${entry.name}`).toBe(403);
      }
    }
    const foreign = await api(entry.method, entry.path(), tokens.stranger, entry.body?.());
    expect(foreign.status, `another team on ${entry.name}`).toBe(404);
  });

  it("lists of another team show none of team A's servers, policies, logs, sessions, tokens or metrics", async () => {
    const lists = [
      "/api/v1/servers",
      "/api/v1/policies",
      "/api/v1/logs",
      "/api/v1/violations",
      "/api/v1/sessions",
      "/api/v1/tokens",
      `/api/v1/logs/export?since=0`,
      "/api/v1/metrics?group_by=team",
    ];
    for (const path of lists) {
      const response = await api("GET", path, tokens.stranger);
      expect(response.status, path).toBe(200);
      const text = await response.text();
      for (const secret of ["a-srv", "a-pol", sessionId, tokenId, A])
        expect(text, `${path} leaks ${secret}`).not.toContain(secret);
    }
  });

  it("keeps another team off team A's MCP endpoint and policy bundle", async () => {
    await expect(initialize("a-srv", tokens.stranger)).rejects.toThrow(/404/);
    await expect(initialize("a-srv", tokens.viewer)).rejects.toThrow(/403/);
    expect(await initialize("a-srv", tokens.member)).toBeTruthy();
    const bundle = await (await api("GET", "/api/v1/policies/bundle?server=a-srv", tokens.stranger)).json<{
      policies: unknown[];
    }>();
    expect(bundle.policies).toEqual([]);
    expect((await api("DELETE", `/api/v1/tokens/${tokenId}`, tokens.stranger)).status).toBe(404);
    expect((await api("DELETE", "/api/v1/servers/a-srv", tokens.stranger)).status).toBe(404);
    expect((await api("DELETE", "/api/v1/policies/a-pol", tokens.stranger)).status).toBe(404);
  });
});
