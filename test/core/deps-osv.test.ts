// OSV advisory matching on records written for these tests: range events, explicit versions, withdrawn records,
// package names, distribution releases, the remedy, severities, "cannot tell", and the package index at scale.
import { describe, expect, it } from "vitest";
import { matchAdvisory, matchAll, normalisePackageName, OsvRecord } from "../../src/core/scan/deps/osv.ts";

type Affected = NonNullable<OsvRecord["affected"]>[number];
type Range = NonNullable<Affected["ranges"]>[number];
type Events = Range["events"];

function record(id: string, affected: Affected[], extra: Partial<OsvRecord> = {}): OsvRecord {
  return { id, modified: "2024-05-01T00:00:00Z", summary: `${id} summary`, affected, ...extra };
}

const semver = (...events: Events): Range => ({ type: "SEMVER", events });
const ecosystem = (...events: Events): Range => ({ type: "ECOSYSTEM", events });
const introduced = (version: string) => ({ introduced: version });
const fixed = (version: string) => ({ fixed: version });
/** Every version before `fix`, the commonest range. */
const upTo = (fix: string, type = "ECOSYSTEM"): Range => ({
  type,
  events: [introduced("0"), fixed(fix)],
});
const git = (...events: Events): Range => ({ type: "GIT", repo: "https://example.com/d.git", events });
const pkg = (eco: string, name: string, ranges: Range[], more: Partial<Affected> = {}): Affected => ({
  package: { ecosystem: eco, name },
  ranges,
  ...more,
});
/** A record naming one package. */
const advisory = (id: string, eco: string, name: string, ranges: Range[], extra: Partial<OsvRecord> = {}) =>
  record(id, [pkg(eco, name, ranges)], extra);

/** Every order of `items` (n! of them: keep n small). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** "range → fix" for a match, else the verdict (null or "unknown"). */
function verdict(osv: OsvRecord, eco: string, name: string, version: string): string | null {
  const result = matchAdvisory(osv, eco, name, version);
  return result === null || result === "unknown" ? result : `${result.range} → ${result.fixed ?? "none"}`;
}

describe("range events", () => {
  const osv = advisory("GHSA-test-0001", "npm", "left-pad", [semver(introduced("1.0.0"), fixed("1.4.2"))]);

  it.each([
    ["0.9.0", null],
    ["1.0.0-rc.1", null],
    ["1.0.0", ">=1.0.0, <1.4.2 → 1.4.2"],
    ["1.4.1", ">=1.0.0, <1.4.2 → 1.4.2"],
    ["1.4.2-rc.1", ">=1.0.0, <1.4.2 → 1.4.2"],
    ["1.4.2", null],
    ["v1.4.1", ">=1.0.0, <1.4.2 → 1.4.2"],
    ["2.0.0", null],
  ])("introduced 1.0.0, fixed 1.4.2: %s", (version, expected) => {
    expect(verdict(osv, "npm", "left-pad", version)).toEqual(expected);
  });

  it('treats introduced "0" as the beginning and an open range as every later version', () => {
    const untilTwo = advisory("GHSA-test-0002", "npm", "a", [upTo("2.0.0", "SEMVER")]);
    expect(verdict(untilTwo, "npm", "a", "0.0.0-alpha")).toBe("<2.0.0 → 2.0.0");
    const open = advisory("GHSA-test-0003", "npm", "a", [semver(introduced("0"))]);
    expect(verdict(open, "npm", "a", "99.0.0")).toBe("all versions → none");
    const fromThree = advisory("GHSA-test-0004", "npm", "a", [semver(introduced("3.0.0"))]);
    expect(verdict(fromThree, "npm", "a", "3.2.0")).toBe(">=3.0.0 → none");
    expect(verdict(fromThree, "npm", "a", "2.9.9")).toBeNull();
  });

  it("evaluates several introduced/fixed pairs in one range, whatever order the events are listed in", () => {
    // The pairs are [0, 1.2.5), [2.0.0, 2.3.1) and [3.0.0-beta.1, ∞), tried in all 120 orders.
    const events = [
      introduced("3.0.0-beta.1"),
      fixed("2.3.1"),
      introduced("0"),
      introduced("2.0.0"),
      fixed("1.2.5"),
    ];
    const orders = permutations(events);
    expect(orders).toHaveLength(120);
    for (const order of orders) {
      const osv = advisory("GHSA-test-0005", "npm", "multi", [semver(...order)]);
      const at = (version: string) => verdict(osv, "npm", "multi", version);
      const seen = [
        at("1.2.4"),
        at("1.2.5"),
        at("1.9.0"),
        at("2.2.0"),
        at("2.3.1"),
        at("3.0.0-alpha"),
        at("3.1.0"),
      ];
      expect(seen, JSON.stringify(order)).toEqual([
        "<1.2.5 → 1.2.5",
        null,
        null,
        ">=2.0.0, <2.3.1 → 2.3.1",
        null,
        null,
        ">=3.0.0-beta.1 → none",
      ]);
    }
  });

  it("closes a range before reopening it at the same version, in every order of the events", () => {
    // [1.0.0, 2.0.0) and [2.0.0, 3.0.0): 2.0.0 is affected by the second pair however the four events are listed.
    const touching = [introduced("1.0.0"), fixed("2.0.0"), introduced("2.0.0"), fixed("3.0.0")];
    // [1.0.0, 2.0.0] and [2.0.0, 3.0.0): after the last affected version the second pair still holds.
    const lastAffected = [
      introduced("1.0.0"),
      { last_affected: "2.0.0" },
      introduced("2.0.0"),
      fixed("3.0.0"),
    ];
    for (const order of permutations(touching)) {
      const osv = advisory("GHSA-test-0015", "npm", "t", [semver(...order)]);
      const seen = ["0.5.0", "1.5.0", "2.0.0", "2.5.0", "3.0.0"].map((version) =>
        verdict(osv, "npm", "t", version),
      );
      expect(seen, JSON.stringify(order)).toEqual([
        null,
        // 2.0.0 ends the first pair but opens the second: the remedy is 3.0.0.
        ">=1.0.0, <2.0.0 → 3.0.0",
        ">=2.0.0, <3.0.0 → 3.0.0",
        ">=2.0.0, <3.0.0 → 3.0.0",
        null,
      ]);
    }
    for (const order of permutations(lastAffected)) {
      const osv = advisory("GHSA-test-0016", "npm", "t", [semver(...order)]);
      expect(verdict(osv, "npm", "t", "2.5.0"), JSON.stringify(order)).toBe(">=2.0.0, <3.0.0 → 3.0.0");
      expect(verdict(osv, "npm", "t", "3.0.0"), JSON.stringify(order)).toBeNull();
    }
  });

  it("includes last_affected itself and nothing after it, with no fix to offer", () => {
    const osv = advisory("GHSA-test-0006", "npm", "b", [
      semver(introduced("1.0.0"), { last_affected: "1.3.0" }),
    ]);
    expect(verdict(osv, "npm", "b", "1.3.0")).toBe(">=1.0.0, <=1.3.0 → none");
    expect(verdict(osv, "npm", "b", "1.3.1-alpha")).toBeNull();
    expect(verdict(osv, "npm", "b", "1.3.1")).toBeNull();
  });

  it("stops at a limit, which is not a fix; a * limit is no limit", () => {
    const limited = advisory("GHSA-test-0007", "npm", "c", [semver(introduced("1.0.0"), { limit: "2.0.0" })]);
    expect(verdict(limited, "npm", "c", "1.9.9")).toBe(">=1.0.0, <2.0.0 → none");
    expect(verdict(limited, "npm", "c", "2.0.0")).toBeNull();
    const star = advisory("GHSA-test-0008", "npm", "c", [semver(introduced("1.0.0"), { limit: "*" })]);
    expect(verdict(star, "npm", "c", "7.0.0")).toBe(">=1.0.0 → none");
  });

  it("matches an explicitly listed version, by value in the ecosystem's scheme", () => {
    const osv = record("PYSEC-TEST-1", [
      { package: { ecosystem: "PyPI", name: "listed" }, versions: ["1.0", "1.1", "2.0rc1"] },
    ]);
    expect(verdict(osv, "PyPI", "listed", "1.1")).toBe("=1.1 → none");
    expect(verdict(osv, "PyPI", "listed", "1.1.0")).toBe("=1.1 → none");
    expect(verdict(osv, "PyPI", "listed", "2.0c1")).toBe("=2.0rc1 → none");
    expect(verdict(osv, "PyPI", "listed", "1.2")).toBeNull();
  });

  it("offers the fix from the versions' ranges when a listed version matched", () => {
    const osv = record("PYSEC-TEST-2", [pkg("PyPI", "both", [upTo("1.5")], { versions: ["1.0", "1.4"] })]);
    expect(verdict(osv, "PyPI", "both", "1.4")).toBe("<1.5 → 1.5");
  });

  it("ignores GIT ranges, which need the commit graph", () => {
    const commit = (n: number) => String(n).repeat(40);
    const gitOnly = advisory("OSV-TEST-1", "npm", "d", [git(introduced(commit(1)))]);
    expect(verdict(gitOnly, "npm", "d", "1.0.0")).toBeNull();
    const mixed = advisory("OSV-TEST-2", "npm", "d", [
      git(introduced("0"), fixed(commit(2))),
      upTo("1.1.0", "SEMVER"),
    ]);
    expect(verdict(mixed, "npm", "d", "1.0.0")).toBe("<1.1.0 → 1.1.0");
    expect(verdict(mixed, "npm", "d", "1.1.0")).toBeNull();
  });
});

describe("the remedy", () => {
  it("is never a version another range still affects", () => {
    const overlapping = [upTo("2.5.0", "SEMVER"), semver(introduced("1.0.0"), fixed("1.5.0"))];
    // In one entry, or split over two entries for the same package: 1.5.0 fixes one range but not the other.
    const oneEntry = advisory("GHSA-test-0017", "npm", "o", overlapping);
    const twoEntries = record(
      "GHSA-test-0018",
      overlapping.map((range) => pkg("npm", "o", [range])),
    );
    for (const osv of [oneEntry, twoEntries]) {
      expect(verdict(osv, "npm", "o", "1.2.0")).toBe("<2.5.0 → 2.5.0");
      expect(verdict(osv, "npm", "o", "0.5.0")).toBe("<2.5.0 → 2.5.0");
      expect(verdict(osv, "npm", "o", "2.5.0")).toBeNull();
    }
  });

  it("is none when every published fix is still affected, by a range or a listed version", () => {
    const reopened = advisory("GHSA-test-0019", "npm", "p", [
      upTo("1.5.0", "SEMVER"),
      semver(introduced("1.5.0")),
    ]);
    expect(verdict(reopened, "npm", "p", "1.2.0")).toBe("<1.5.0 → none");
    const listed = record("PYSEC-TEST-10", [pkg("PyPI", "q", [upTo("1.5")], { versions: ["1.0", "1.5"] })]);
    expect(verdict(listed, "PyPI", "q", "1.0")).toBe("<1.5 → none");
  });

  it("is the lowest fix above the installed version, across ranges, by version order not text", () => {
    const osv = advisory("PYSEC-TEST-3", "PyPI", "branches", [
      ecosystem(introduced("1.10.0"), fixed("1.10.3")),
      upTo("1.9.1"),
      ecosystem(introduced("2.0"), fixed("2.0.4")),
    ]);
    expect(verdict(osv, "PyPI", "branches", "1.9.0")).toBe("<1.9.1 → 1.9.1");
    expect(verdict(osv, "PyPI", "branches", "1.10.1")).toBe(">=1.10.0, <1.10.3 → 1.10.3");
    expect(verdict(osv, "PyPI", "branches", "2.0.0")).toBe(">=2.0, <2.0.4 → 2.0.4");
    expect(verdict(osv, "PyPI", "branches", "1.9.5")).toBeNull();
  });

  it("comes from the caller's release, not a sibling release", () => {
    const osv = record("DEBIAN-TEST-1", [
      pkg("Debian:11", "openssl", [upTo("1.1.1w-0+deb11u2")]),
      pkg("Debian:12", "openssl", [upTo("3.0.15-1~deb12u1")]),
    ]);
    expect(verdict(osv, "Debian:12", "openssl", "3.0.14-1")).toBe("<3.0.15-1~deb12u1 → 3.0.15-1~deb12u1");
    expect(verdict(osv, "Debian:12", "openssl", "3.0.15-1~deb12u1")).toBeNull();
    expect(verdict(osv, "Debian:11", "openssl", "1.1.1w-0+deb11u2")).toBeNull();
    expect(verdict(osv, "Debian:11", "openssl", "1.1.1w-0")).toBe("<1.1.1w-0+deb11u2 → 1.1.1w-0+deb11u2");
    // A caller that does not know its release hears of both, and the lower fix.
    expect(verdict(osv, "Debian", "openssl", "1.1.1w-0")).toBe("<1.1.1w-0+deb11u2 → 1.1.1w-0+deb11u2");
  });
});

describe("which package a record names", () => {
  it("normalises PyPI names per PEP 503 and leaves the others as given", () => {
    expect(normalisePackageName("PyPI", "Typing_Extensions")).toBe("typing-extensions");
    expect(normalisePackageName("PyPI", "zope.interface")).toBe("zope-interface");
    expect(normalisePackageName("PyPI", "A__b-.-C")).toBe("a-b-c");
    expect(normalisePackageName("npm", "@Scope/Pkg")).toBe("@Scope/Pkg");
    expect(normalisePackageName("Debian:12", "libssl3")).toBe("libssl3");
  });

  it("matches PyPI names however they are spelled, npm names exactly", () => {
    const django = advisory("PYSEC-TEST-4", "PyPI", "Django", [upTo("4.2.1")]);
    expect(verdict(django, "PyPI", "django", "4.2")).toBe("<4.2.1 → 4.2.1");
    const typing = advisory("PYSEC-TEST-5", "PyPI", "typing_extensions", [upTo("4.0")]);
    expect(verdict(typing, "PyPI", "typing-extensions", "3.10.0.2")).toBe("<4.0 → 4.0");
    expect(verdict(typing, "PyPI", "Typing.Extensions", "3.10.0.2")).toBe("<4.0 → 4.0");
    const lodash = advisory("GHSA-test-0009", "npm", "lodash", [upTo("4.17.21", "SEMVER")]);
    expect(verdict(lodash, "npm", "Lodash", "4.17.20")).toBeNull();
    expect(verdict(lodash, "npm", "lodash", "4.17.20")).toBe("<4.17.21 → 4.17.21");
    expect(verdict(lodash, "PyPI", "lodash", "4.17.20")).toBeNull();
  });

  it("matches a release-scoped record only on that release, a plain one on every release", () => {
    const eleven = advisory("DEBIAN-TEST-2", "Debian:11", "curl", [upTo("7.74.0-1.3+deb11u9")]);
    expect(verdict(eleven, "Debian:12", "curl", "7.74.0-1.3+deb11u1")).toBeNull();
    expect(verdict(eleven, "Debian:11", "curl", "7.74.0-1.3+deb11u1")).toBe(
      "<7.74.0-1.3+deb11u9 → 7.74.0-1.3+deb11u9",
    );
    const plain = advisory("DEBIAN-TEST-3", "Debian", "curl", [upTo("8.0.0-1")]);
    expect(verdict(plain, "Debian:12", "curl", "7.88.1-10+deb12u5")).toBe("<8.0.0-1 → 8.0.0-1");
    expect(verdict(plain, "Ubuntu:22.04", "curl", "7.81.0-1ubuntu1.15")).toBeNull();
  });

  it("treats Ubuntu's :LTS and Alpine's v as spelling", () => {
    const ubuntu = advisory("UBUNTU-TEST-1", "Ubuntu:22.04:LTS", "curl", [upTo("7.81.0-1ubuntu1.16")]);
    expect(verdict(ubuntu, "Ubuntu:22.04", "curl", "7.81.0-1ubuntu1")).toBe(
      "<7.81.0-1ubuntu1.16 → 7.81.0-1ubuntu1.16",
    );
    expect(verdict(ubuntu, "Ubuntu:24.04", "curl", "7.81.0-1ubuntu1")).toBeNull();
    const alpine = advisory("ALPINE-TEST-1", "Alpine:v3.19", "busybox", [upTo("1.36.1-r16")]);
    expect(verdict(alpine, "Alpine:3.19", "busybox", "1.36.1-r15")).toBe("<1.36.1-r16 → 1.36.1-r16");
    expect(verdict(alpine, "Alpine:v3.19", "busybox", "1.36.1_rc1-r20")).toBe("<1.36.1-r16 → 1.36.1-r16");
    expect(verdict(alpine, "Alpine:v3.18", "busybox", "1.36.1-r15")).toBeNull();
  });
});

describe("records that never match", () => {
  it("skips withdrawn records", () => {
    const withdrawn = { withdrawn: "2024-06-01T00:00:00Z" };
    const osv = advisory("GHSA-test-0010", "npm", "e", [semver(introduced("0"))], withdrawn);
    expect(matchAdvisory(osv, "npm", "e", "1.0.0")).toBeNull();
    expect(matchAll([osv], [{ ecosystem: "npm", name: "e", version: "1.0.0" }])[0]?.matches).toEqual([]);
  });

  it("skips entries with no package and records with no affected list", () => {
    const noPackage = record("OSV-TEST-3", [{ ranges: [semver(introduced("0"))] }]);
    expect(matchAdvisory(noPackage, "npm", "e", "1.0.0")).toBeNull();
    const noAffected: OsvRecord = { id: "OSV-TEST-4", modified: "2024-01-01T00:00:00Z" };
    expect(matchAdvisory(noAffected, "npm", "e", "1.0.0")).toBeNull();
  });
});

describe("cannot tell", () => {
  const npmRecord = advisory("GHSA-test-0011", "npm", "f", [upTo("2.0.0", "SEMVER")]);

  it.each(["not-a-version", "", "1.0", "latest", "^1.0.0"])("says unknown for npm version %j", (version) => {
    expect(matchAdvisory(npmRecord, "npm", "f", version)).toBe("unknown");
  });

  it("says unknown for a PyPI or Debian version outside its scheme", () => {
    const py = advisory("PYSEC-TEST-6", "PyPI", "g", [upTo("2.0")]);
    expect(matchAdvisory(py, "PyPI", "g", "1.0-custom build")).toBe("unknown");
    const deb = advisory("DEBIAN-TEST-4", "Debian:12", "g", [upTo("2.0-1")]);
    expect(matchAdvisory(deb, "Debian:12", "g", "weird version")).toBe("unknown");
  });

  it("says unknown when a bound in the record does not parse", () => {
    const osv = advisory("GHSA-test-0012", "npm", "h", [semver(introduced("1.x"), fixed("2.0.0"))]);
    expect(matchAdvisory(osv, "npm", "h", "1.5.0")).toBe("unknown");
  });

  it("says unknown for an ecosystem range it has no ordering for, but reads SEMVER ranges anywhere", () => {
    const maven = advisory("GHSA-test-0013", "Maven", "org.example:lib", [upTo("2.0")]);
    expect(matchAdvisory(maven, "Maven", "org.example:lib", "1.0")).toBe("unknown");
    const go = advisory("GO-TEST-1", "Go", "example.com/mod", [upTo("1.2.3", "SEMVER")]);
    expect(verdict(go, "Go", "example.com/mod", "v1.2.2")).toBe("<1.2.3 → 1.2.3");
  });

  it("still matches an unparsable version listed verbatim, and lets another range decide", () => {
    const osv = record("PYSEC-TEST-7", [pkg("PyPI", "i", [upTo("2.0")], { versions: ["1.0-custom build"] })]);
    expect(verdict(osv, "PyPI", "i", "1.0-custom build")).toBe("=1.0-custom build → none");
    const both = advisory("GHSA-test-0014", "npm", "j", [upTo("garbage", "SEMVER"), upTo("3.0.0", "SEMVER")]);
    expect(verdict(both, "npm", "j", "2.0.0")).toBe("<3.0.0 → 3.0.0");
    expect(matchAdvisory(both, "npm", "j", "3.0.0")).toBe("unknown");
  });
});

describe("severity", () => {
  const severityOf = (extra: Partial<OsvRecord>, affectedExtra: Partial<Affected> = {}) => {
    const osv = record("GHSA-test-0020", [pkg("npm", "s", [semver(introduced("0"))], affectedExtra)], extra);
    const result = matchAdvisory(osv, "npm", "s", "1.0.0");
    return result === null || result === "unknown" ? result : result.severity;
  };
  const scored = (...pairs: [string, string][]) => ({
    severity: pairs.map(([type, score]) => ({ type, score })),
  });
  const v3 = (vector: string) => scored(["CVSS_V3", `CVSS:3.1/${vector}`]);

  it.each([
    ["CRITICAL", "critical"],
    ["HIGH", "high"],
    ["MODERATE", "medium"],
    ["medium", "medium"],
    ["LOW", "low"],
  ])("reads the database's label %s", (label, expected) => {
    expect(severityOf({ database_specific: { severity: label, cwe_ids: ["CWE-79"] } })).toBe(expected);
  });

  it.each([
    ["AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "critical"], // 9.8
    ["AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", "critical"], // 9.1
    ["AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "critical"], // 10.0
    ["AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "high"], // 8.8
    ["AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "high"], // 7.8
    ["AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", "high"], // 7.2
    ["AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N", "medium"], // 6.8, scope changed
    ["AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", "medium"], // 6.1
    ["AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:L/A:N", "medium"], // 4.3
    ["AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:L", "low"], // 3.3
    ["AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", "low"], // 3.1
    ["AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "low"], // 0.0
  ])("scores CVSS 3.1 %s as %s", (vector, expected) => {
    expect(severityOf(v3(vector))).toBe(expected);
  });

  it("prefers the database's label to a vector, and the highest of several vectors", () => {
    expect(
      severityOf({ ...v3("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), database_specific: { severity: "LOW" } }),
    ).toBe("low");
    const low = "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N";
    const high = "CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H";
    expect(severityOf(scored(["CVSS_V3", low], ["CVSS_V3", high]))).toBe("high");
  });

  it("reads the package's own severity when the record has none", () => {
    expect(severityOf({}, { database_specific: { severity: "HIGH" } })).toBe("high");
    expect(severityOf({}, v3("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"))).toBe("critical");
  });

  it.each([
    ["AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "critical"],
    ["AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "high"],
    ["AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", "medium"],
    ["AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", "low"],
  ])("maps CVSS 4.0 %s coarsely to %s", (vector, expected) => {
    expect(severityOf(scored(["CVSS_V4", `CVSS:4.0/${vector}`]))).toBe(expected);
  });

  it("falls back to medium when nothing says otherwise, and reads Ubuntu's priority", () => {
    expect(severityOf({})).toBe("medium");
    expect(severityOf({ database_specific: { severity: "UNKNOWN" } })).toBe("medium");
    expect(severityOf(scored(["CVSS_V3", "CVSS:3.1/AV:N/AC:L"]))).toBe("medium");
    expect(severityOf(scored(["CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"]))).toBe("medium");
    expect(severityOf(scored(["Ubuntu", "negligible"]))).toBe("low");
  });
});

describe("the record schema", () => {
  it("reads a GitHub-style record and keeps what the report needs, whatever else it carries", () => {
    const parsed = OsvRecord.parse({
      schema_version: "1.6.0",
      id: "GHSA-test-0030",
      modified: "2024-05-01T00:00:00Z",
      published: "2024-04-01T00:00:00Z",
      aliases: ["CVE-2099-0001"],
      summary: "Prototype pollution in example",
      severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
      affected: [
        {
          package: { ecosystem: "npm", name: "example", purl: "pkg:npm/example" },
          ranges: [{ type: "ECOSYSTEM", events: [introduced("0"), fixed("1.2.3")], database_specific: {} }],
          database_specific: { source: "https://example.com" },
        },
      ],
      references: [{ type: "ADVISORY", url: "https://example.com/advisory" }],
      credits: [{ name: "someone", type: "FINDER" }],
      database_specific: { severity: "HIGH", github_reviewed: true, nvd_published_at: null, cwe_ids: [] },
    });
    expect(matchAdvisory(parsed, "npm", "example", "1.2.2")).toEqual({
      id: "GHSA-test-0030",
      aliases: ["CVE-2099-0001"],
      summary: "Prototype pollution in example",
      severity: "high",
      fixed: "1.2.3",
      range: "<1.2.3",
    });
  });

  it("takes the summary from the details' first line when there is none", () => {
    const osv = record("PYSEC-TEST-8", [pkg("PyPI", "k", [ecosystem(introduced("0"))])], {
      summary: undefined,
      details: "\nRemote code execution in k.\n\nMore words.",
    });
    const result = matchAdvisory(osv, "PyPI", "k", "1.0");
    expect(result !== null && result !== "unknown" && result.summary).toBe("Remote code execution in k.");
  });

  it("accepts a range type newer than this reader and skips that range", () => {
    const parsed = OsvRecord.parse({
      id: "GHSA-test-0031",
      modified: "2024-05-01T00:00:00Z",
      affected: [
        {
          package: { ecosystem: "npm", name: "future" },
          ranges: [
            { type: "SEMVER_2", events: [introduced("0"), fixed("9.0.0")] },
            { type: "SEMVER", events: [introduced("0"), fixed("1.2.3")] },
          ],
        },
      ],
    });
    expect(verdict(parsed, "npm", "future", "1.2.2")).toBe("<1.2.3 → 1.2.3");
    // The range it cannot read says nothing, neither "affected" nor "cannot tell".
    expect(verdict(parsed, "npm", "future", "5.0.0")).toBeNull();
  });

  it("rejects what is not an OSV record", () => {
    const modified = "2024-01-01T00:00:00Z";
    expect(OsvRecord.safeParse({ modified }).success).toBe(false);
    expect(OsvRecord.safeParse({ id: "X", modified, affected: "npm" }).success).toBe(false);
  });
});

describe("matchAll", () => {
  it("groups matches and undecidable advisories per package, most severe first, in the packages' order", () => {
    const records = [
      record("GHSA-test-0041", [pkg("npm", "m", [upTo("2.0.0", "SEMVER")])], {
        database_specific: { severity: "LOW" },
      }),
      record(
        "GHSA-test-0042",
        [
          pkg("npm", "m", [semver(introduced("1.0.0"), fixed("1.5.0"))]),
          // A second entry for the same package must not double the advisory.
          pkg("npm", "m", [semver(introduced("3.0.0"), fixed("3.1.0"))]),
        ],
        { database_specific: { severity: "CRITICAL" } },
      ),
      advisory("PYSEC-TEST-9", "PyPI", "Some_Pkg", [upTo("1.0")]),
      advisory("GHSA-test-0043", "npm", "n", [upTo("bad", "SEMVER")]),
    ];
    const results = matchAll(records, [
      { ecosystem: "npm", name: "m", version: "1.2.0" },
      { ecosystem: "PyPI", name: "some-pkg", version: "0.9" },
      { ecosystem: "npm", name: "n", version: "1.0.0" },
      { ecosystem: "npm", name: "unrelated", version: "1.0.0" },
    ]);
    expect(results.map((result) => result.package.name)).toEqual(["m", "some-pkg", "n", "unrelated"]);
    expect(results[0]?.matches.map((match) => [match.id, match.severity, match.fixed])).toEqual([
      ["GHSA-test-0042", "critical", "1.5.0"],
      ["GHSA-test-0041", "low", "2.0.0"],
    ]);
    expect(results[1]?.matches.map((match) => match.id)).toEqual(["PYSEC-TEST-9"]);
    expect(results[2]).toMatchObject({ matches: [], undetermined: ["GHSA-test-0043"] });
    expect(results[3]).toMatchObject({ matches: [], undetermined: [] });
  });

  it("merges records that alias each other into one match", () => {
    const pysec = advisory("PYSEC-2099-1", "PyPI", "r", [upTo("2.0")], {
      aliases: ["CVE-2099-1", "GHSA-test-0050"],
      database_specific: { severity: "LOW" },
    });
    // GitHub's copy says 2.0 is still affected: the merged fix is the lowest neither record contradicts.
    const ghsa = advisory("GHSA-test-0050", "PyPI", "r", [upTo("2.1")], {
      aliases: ["CVE-2099-1"],
      database_specific: { severity: "HIGH" },
    });
    // Linked to the others only through the CVE id, and reported first.
    const osv = advisory("OSV-2099-1", "PyPI", "r", [upTo("2.0")], { aliases: ["CVE-2099-1"] });
    const unrelated = advisory("PYSEC-2099-2", "PyPI", "r", [upTo("3.0")], {
      database_specific: { severity: "LOW" },
    });
    // Cannot be evaluated, but it is one of the reported vulnerability's ids: no "cannot tell" for it.
    const unreadable = advisory("PYSEC-2099-3", "PyPI", "r", [upTo("garbage")], {
      aliases: ["GHSA-test-0050"],
    });
    const [result] = matchAll(
      [osv, pysec, unrelated, ghsa, unreadable],
      [{ ecosystem: "PyPI", name: "r", version: "1.0" }],
    );
    expect(result?.matches).toEqual([
      {
        id: "GHSA-test-0050",
        aliases: ["OSV-2099-1", "CVE-2099-1", "PYSEC-2099-1"],
        summary: "GHSA-test-0050 summary",
        severity: "high",
        fixed: "2.1",
        range: "<2.1",
      },
      {
        id: "PYSEC-2099-2",
        aliases: [],
        summary: "PYSEC-2099-2 summary",
        severity: "low",
        fixed: "3.0",
        range: "<3.0",
      },
    ]);
    expect(result?.undetermined).toEqual([]);
    // Without a GHSA id the first record's id leads.
    const [plain] = matchAll([osv, pysec], [{ ecosystem: "PyPI", name: "r", version: "1.0" }]);
    expect(plain?.matches.map((match) => [match.id, match.aliases, match.fixed])).toEqual([
      ["OSV-2099-1", ["CVE-2099-1", "PYSEC-2099-1", "GHSA-test-0050"], "2.0"],
    ]);
  });

  it("matches 10,000 packages against 50,000 records through the index", () => {
    const records = Array.from({ length: 50_000 }, (_, i) =>
      advisory(`GHSA-scale-${i}`, "npm", `pkg-${i % 20_000}`, [upTo(`1.${i % 7}.0`, "SEMVER")]),
    );
    const packages = Array.from({ length: 10_000 }, (_, i) => ({
      ecosystem: "npm",
      name: `pkg-${2 * i}`,
      version: "1.3.0",
    }));
    const results = matchAll(records, packages);
    expect(results).toHaveLength(10_000);
    // pkg-k is named by records k, k + 20,000 and k + 40,000; those whose fix (1.(i % 7).0) is above 1.3.0 match.
    for (const k of [0, 2, 4, 9_998, 10_000, 19_998]) {
      const ids = [k, k + 20_000, k + 40_000]
        .filter((i) => i < 50_000 && i % 7 > 3)
        .map((i) => `GHSA-scale-${i}`)
        .sort();
      expect(results[k / 2]?.matches.map((match) => match.id).sort()).toEqual(ids);
    }
    const total = results.reduce((sum, result) => sum + result.matches.length, 0);
    let expected = 0;
    for (let i = 0; i < 50_000; i++) if ((i % 20_000) % 2 === 0 && i % 7 > 3) expected++;
    expect(total).toBe(expected);
  });
});
