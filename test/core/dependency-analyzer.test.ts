// Dependency analysis (src/core/scan/deps): advisories matched against lockfiles with the fix as remedy, unpinned
// manifests, typosquats, licences; the OSV snapshot reader and the OSV API client (its protocol answered in process:
// osv.dev is not reachable from the test machine).
import { describe, expect, it } from "vitest";
import {
  type AdvisorySource,
  analyzeDependencies,
  licenseAllowed,
  majorsBehind,
  typosquatOf,
} from "../../src/core/scan/deps/dependency-analyzer.ts";
import type { OsvRecord } from "../../src/core/scan/deps/osv.ts";
import { AdvisoryError, OsvApi, OsvSnapshot } from "../../src/core/scan/deps/osv-source.ts";
import { PackageRegistries } from "../../src/core/scan/deps/registry-source.ts";

const ADVISORIES: OsvRecord[] = [
  {
    id: "GHSA-test-lodash",
    aliases: ["CVE-2099-0001"],
    summary: "Prototype pollution in merge",
    modified: "2026-01-01T00:00:00Z",
    database_specific: { severity: "HIGH" },
    affected: [
      {
        package: { ecosystem: "npm", name: "lodash" },
        ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "4.17.21" }] }],
      },
    ],
  },
  {
    id: "PYSEC-TEST-1",
    summary: "Template injection",
    modified: "2026-01-01T00:00:00Z",
    database_specific: { severity: "CRITICAL" },
    affected: [
      {
        package: { ecosystem: "PyPI", name: "jinja2" },
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "2.0" }, { fixed: "3.1.5" }] }],
      },
    ],
  },
];

const snapshot: AdvisorySource = {
  description: "test advisories",
  advisoriesFor: async () => ADVISORIES,
};

const lock = JSON.stringify(
  {
    name: "app",
    lockfileVersion: 3,
    packages: {
      "": { name: "app", dependencies: { lodash: "^4.17.0", expresss: "^4.0.0" } },
      "node_modules/lodash": { version: "4.17.20", license: "MIT" },
      "node_modules/expresss": { version: "4.0.0", license: "MIT" },
      "node_modules/left-pad": { version: "1.3.0", license: "WTFPL" },
      "node_modules/gpl-thing": { version: "1.0.0", license: "GPL-3.0-only" },
    },
  },
  null,
  2,
);

describe("analyzeDependencies", () => {
  it("reports an advisory on the lockfile line with its aliases and the version that fixes it", async () => {
    const result = await analyzeDependencies([{ path: "app/package-lock.json", text: lock }], {
      advisories: snapshot,
    });
    const [vulnerable] = result.detected.filter((f) => f.ruleId === "dep-known-vulnerability");
    expect(vulnerable).toMatchObject({
      severity: "high",
      location: {
        type: "file",
        path: "app/package-lock.json",
        line: lock.split("\n").findIndex((l) => l.includes('"node_modules/lodash"')) + 1,
      },
      match: "lodash@4.17.20",
    });
    expect(vulnerable?.description).toContain(
      "GHSA-test-lodash (CVE-2099-0001): Prototype pollution in merge",
    );
    expect(vulnerable?.description).toContain("Fixed in 4.17.21.");
    expect(vulnerable?.remediation.steps[0]).toBe("Upgrade lodash to 4.17.21 or later.");
    expect(result.packages).toBe(4);
  });

  it("flags a typosquat and a licence outside the allow-list, and not the allowed ones", async () => {
    const result = await analyzeDependencies([{ path: "package-lock.json", text: lock }], {
      advisories: snapshot,
    });
    const rules = result.detected.map((f) => `${f.ruleId}:${f.match}`);
    expect(rules).toContain("dep-typosquat:expresss");
    expect(rules).toContain("dep-license:gpl-thing: GPL-3.0-only");
    expect(rules.filter((r) => r.startsWith("dep-license"))).toHaveLength(1);
    const strict = await analyzeDependencies([{ path: "package-lock.json", text: lock }], {
      advisories: snapshot,
      allowedLicenses: ["MIT"],
    });
    expect(strict.detected.filter((f) => f.ruleId === "dep-license").map((f) => f.match)).toEqual([
      "left-pad: WTFPL",
      "gpl-thing: GPL-3.0-only",
    ]);
  });

  it("calls requirements unpinned only without a lockfile, and matches pinned Python versions", async () => {
    const requirements = "jinja2==3.0.1\nrequests>=2.0\nflask\n";
    const alone = await analyzeDependencies([{ path: "requirements.txt", text: requirements }], {
      advisories: snapshot,
    });
    expect(alone.detected.map((f) => `${f.ruleId}:${f.match}`).sort()).toEqual([
      "dep-known-vulnerability:jinja2@3.0.1",
      "dep-unpinned:flask",
      "dep-unpinned:requests >=2.0",
    ]);
    expect(alone.detected.find((f) => f.ruleId === "dep-known-vulnerability")?.severity).toBe("critical");
    const pkg = JSON.stringify({ name: "app", dependencies: { lodash: "^4.17.0" } });
    const withLock = await analyzeDependencies(
      [
        { path: "package.json", text: pkg },
        { path: "package-lock.json", text: lock },
      ],
      { advisories: snapshot },
    );
    expect(withLock.detected.filter((f) => f.ruleId === "dep-unpinned")).toEqual([]);
  });

  it("says when advisories were not checked, and passes on what a file could not read", async () => {
    const result = await analyzeDependencies(
      [
        { path: "requirements.txt", text: "jinja2==3.0.1\n" },
        { path: "package-lock.json", text: '{"lockfileVersion": 3, "packages": {' },
      ],
      { advisories: null },
    );
    expect(result.detected.filter((f) => f.ruleId === "dep-known-vulnerability")).toEqual([]);
    expect(result.notes.join("\n")).toContain("not checked against advisories");
    expect(result.notes.join("\n")).toContain("package-lock.json");
  });
});

describe("outdated dependencies", () => {
  it("flags a direct dependency a major behind the latest release, and says so when registries were not asked", async () => {
    const requirements = "jinja2==2.11.3\nrequests==2.32.3\n";
    const versions = {
      description: "test registries",
      latest: async () =>
        new Map([
          ["PyPI\u0000jinja2", "3.1.6"],
          ["PyPI\u0000requests", "2.32.3"],
        ]),
    };
    const result = await analyzeDependencies([{ path: "requirements.txt", text: requirements }], {
      advisories: null,
      versions,
    });
    const outdated = result.detected.filter((f) => f.ruleId === "dep-outdated");
    expect(outdated.map((f) => f.match)).toEqual(["jinja2@2.11.3 (latest 3.1.6)"]);
    expect(outdated[0]?.description).toContain("1 major version behind the latest release, 3.1.6");
    const offline = await analyzeDependencies([{ path: "requirements.txt", text: requirements }], {
      advisories: null,
      versions: null,
    });
    expect(offline.notes.join("\n")).toContain("not checked for newer releases");
    expect(majorsBehind("npm", "1.9.0", "3.0.0")).toBe(2);
    expect(majorsBehind("npm", "3.0.0", "3.4.0")).toBe(0);
    expect(majorsBehind("npm", "4.0.0", "3.9.0")).toBe(0);
  });

  it("asks npm's and PyPI's registries for the latest release, and leaves out what they do not answer", async () => {
    const asked: string[] = [];
    const registries = new PackageRegistries({
      npmUrl: "https://npm.test",
      pypiUrl: "https://pypi.test",
      fetch: async (input) => {
        const url = String(input);
        asked.push(url);
        if (url === "https://npm.test/@scope%2Fpkg")
          return Response.json({ "dist-tags": { latest: "2.0.0" } });
        if (url === "https://pypi.test/pypi/jinja2/json")
          return Response.json({ info: { version: "3.1.6" } });
        return new Response("not found", { status: 404 });
      },
    });
    const latest = await registries.latest([
      { ecosystem: "npm", name: "@scope/pkg" },
      { ecosystem: "PyPI", name: "jinja2" },
      { ecosystem: "npm", name: "gone" },
    ]);
    expect([...latest]).toEqual([
      ["npm\u0000@scope/pkg", "2.0.0"],
      ["PyPI\u0000jinja2", "3.1.6"],
    ]);
    expect(asked).toHaveLength(3);
  });
});

describe("typosquats and licences", () => {
  it("catches one slip from a popular name and leaves popular and unrelated names alone", () => {
    expect(typosquatOf({ ecosystem: "npm", name: "lodahs" })).toBe("lodash");
    expect(typosquatOf({ ecosystem: "npm", name: "cross_env" })).toBe("cross-env");
    expect(typosquatOf({ ecosystem: "PyPI", name: "reqeusts" })).toBe("requests");
    expect(typosquatOf({ ecosystem: "PyPI", name: "requestss" })).toBe("requests");
    for (const name of ["lodash", "preact", "my-internal-tool", "express-session"])
      expect(typosquatOf({ ecosystem: "npm", name }), name).toBeNull();
  });

  it("reads SPDX expressions: OR needs one allowed, AND needs all", () => {
    const allowed = new Set(["mit", "apache-2.0"]);
    expect(licenseAllowed("(MIT OR GPL-3.0-only)", allowed)).toBe(true);
    expect(licenseAllowed("MIT AND GPL-3.0-only", allowed)).toBe(false);
    expect(licenseAllowed("Apache-2.0 WITH LLVM-exception", allowed)).toBe(true);
    expect(licenseAllowed("SEE LICENSE IN LICENSE.md", allowed)).toBe(false);
  });
});

describe("OSV sources", () => {
  it("reads a snapshot as an array, as {vulns} and refuses a record that is not OSV", async () => {
    const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    expect((await OsvSnapshot.read("a.json", bytes(ADVISORIES))).description).toContain("(2 records)");
    expect(
      await (await OsvSnapshot.read("b.json", bytes({ vulns: ADVISORIES }))).advisoriesFor(),
    ).toHaveLength(2);
    await expect(OsvSnapshot.read("c.json", bytes([{ id: "X" }]))).rejects.toThrow(
      /c\.json: record 1 is not an OSV record \(modified/,
    );
    await expect(OsvSnapshot.read("d.json", new TextEncoder().encode("{"))).rejects.toThrow(
      /d\.json is not JSON/,
    );
  });

  /** The OSV API's protocol, answered from ADVISORIES: querybatch (with a second page) and vulns/{id}. */
  function osvFetch(log: string[]): typeof fetch {
    return async (input, init) => {
      const url = new URL(String(input));
      log.push(`${init?.method ?? "GET"} ${url.pathname}`);
      if (url.pathname === "/v1/querybatch") {
        const { queries } = JSON.parse(String(init?.body)) as {
          queries: Array<{ package: { name: string }; page_token?: string }>;
        };
        const results = queries.map((query) => {
          if (query.package.name === "lodash" && !query.page_token)
            return {
              vulns: [{ id: "GHSA-test-lodash", modified: "2026-01-01T00:00:00Z" }],
              next_page_token: "p2",
            };
          if (query.package.name === "jinja2")
            return { vulns: [{ id: "PYSEC-TEST-1", modified: "2026-01-01T00:00:00Z" }] };
          return {};
        });
        return Response.json({ results });
      }
      const id = decodeURIComponent(url.pathname.replace("/v1/vulns/", ""));
      const record = ADVISORIES.find((item) => item.id === id);
      return record ? Response.json(record) : new Response("not found", { status: 404 });
    };
  }

  it("asks the OSV API in a batch, follows next pages, and fetches each advisory once", async () => {
    const log: string[] = [];
    const api = new OsvApi({ url: "https://osv.test", fetch: osvFetch(log) });
    const packages = [
      { ecosystem: "npm", name: "lodash", version: "4.17.20" },
      { ecosystem: "PyPI", name: "jinja2", version: "3.0.1" },
      { ecosystem: "npm", name: "left-pad", version: "1.3.0" },
    ];
    const records = await api.advisoriesFor(packages);
    expect(records.map((r) => r.id).sort()).toEqual(["GHSA-test-lodash", "PYSEC-TEST-1"]);
    expect(log).toEqual([
      "POST /v1/querybatch",
      "POST /v1/querybatch",
      "GET /v1/vulns/GHSA-test-lodash",
      "GET /v1/vulns/PYSEC-TEST-1",
    ]);
    await api.advisoriesFor(packages);
    expect(log.filter((line) => line.startsWith("GET"))).toHaveLength(2);
  });

  it("fails with a clear error when the API cannot be reached or answers badly", async () => {
    const down = new OsvApi({
      url: "https://osv.test",
      fetch: async () => {
        throw new TypeError("fetch failed");
      },
    });
    await expect(down.advisoriesFor([{ ecosystem: "npm", name: "a", version: "1.0.0" }])).rejects.toThrow(
      new AdvisoryError("could not reach https://osv.test/v1/querybatch: fetch failed"),
    );
    const broken = new OsvApi({
      url: "https://osv.test",
      fetch: async () => new Response("oops", { status: 503 }),
    });
    await expect(broken.advisoriesFor([{ ecosystem: "npm", name: "a", version: "1.0.0" }])).rejects.toThrow(
      "https://osv.test/v1/querybatch answered HTTP 503",
    );
  });
});
