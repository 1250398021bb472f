// Version ordering per scheme: chains that must sort in order (every pair checked both ways), spellings that must
// compare equal, and text that is not a version in the scheme (null, never a throw).
import { describe, expect, it } from "vitest";
import { compareVersions, schemeOfEcosystem, type VersionScheme } from "../../src/core/scan/deps/versions.ts";

function expectAscending(scheme: VersionScheme, chain: readonly string[]): void {
  chain.forEach((a, i) => {
    chain.forEach((b, j) => {
      expect(compareVersions(scheme, a, b), `${a} vs ${b}`).toBe(Math.sign(i - j));
    });
  });
}

function expectEqual(scheme: VersionScheme, spellings: readonly string[]): void {
  for (const a of spellings) {
    for (const b of spellings) expect(compareVersions(scheme, a, b), `${a} vs ${b}`).toBe(0);
  }
}

function expectUnparsable(scheme: VersionScheme, text: string, valid: string): void {
  expect(compareVersions(scheme, text, valid)).toBeNull();
  expect(compareVersions(scheme, valid, text)).toBeNull();
  expect(compareVersions(scheme, text, text)).toBeNull();
}

describe("semver", () => {
  it.each([
    [
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
    ],
    ["0.0.1", "0.1.0", "0.9.9", "0.10.0", "1.0.0", "1.0.1", "1.1.0", "1.10.0", "2.0.0", "10.0.0"],
    ["1.0.0-0", "1.0.0-1", "1.0.0-2", "1.0.0-10", "1.0.0-a", "1.0.0-a.1", "1.0.0-a-b", "1.0.0-b"],
    ["2.0.0-rc.1", "2.0.0", "2.0.1-alpha", "2.0.1"],
    // Past 2^53, where a conversion to Number would tie.
    ["9007199254740992.0.0", "9007199254740993.0.0", "9007199254740994.0.0"],
  ])("orders %s …", (...chain) => {
    expectAscending("semver", chain);
  });

  it("ignores build metadata and tolerates npm's v and = prefixes", () => {
    expectEqual("semver", [
      "1.0.0",
      "1.0.0+build.1",
      "1.0.0+build.2",
      "v1.0.0",
      "=1.0.0",
      "=v1.0.0",
      " 1.0.0 ",
    ]);
    expectEqual("semver", ["1.0.0-rc.1", "1.0.0-rc.1+sha.5114f85", "v1.0.0-rc.1"]);
  });

  it.each([
    "",
    "1",
    "1.0",
    "1.0.0.0",
    "01.0.0",
    "1.00.0",
    "1.0.0-",
    "1.0.0-01",
    "1.0.0-alpha..1",
    "1.0.0+",
    "^1.0.0",
    "~1.0.0",
    "1.0.x",
    "latest",
    "1.0.0 beta",
    "1.0.0_beta",
  ])("cannot compare %j", (text) => {
    expectUnparsable("semver", text, "1.0.0");
  });
});

describe("PEP 440", () => {
  it.each([
    [
      "1.0.dev0",
      "1.0a1.dev1",
      "1.0a1",
      "1.0a2.post1",
      "1.0a2.post2",
      "1.0a10",
      "1.0b1",
      "1.0rc1.dev0",
      "1.0rc1",
      "1.0",
      "1.0+local",
      "1.0.post1.dev0",
      "1.0.post1",
      "1.0.post2",
      "1.0.1",
      "1.1.dev0",
      "1.1",
    ],
    ["1.0", "1.0.1", "1.0.10", "1.1", "1.9", "1.10", "2", "2.0.0.1", "10"],
    ["2.0", "2013.10", "0!2014.1", "1!0.1", "1!1.0.dev0", "1!1.0", "2!0.0.1"],
    ["1.0", "1.0+abc", "1.0+abc.1", "1.0+abc.2", "1.0+abd", "1.0+1", "1.0+2", "1.0+10", "1.0+10.a"],
    ["0.9", "1.0a1", "1.0a1+ubuntu1", "1.0a1+ubuntu2", "1.0"],
  ])("orders %s …", (...chain) => {
    expectAscending("pep440", chain);
  });

  it.each([
    ["1.0", "1.0.0", "1.0.0.0", "v1.0", "V1.0", "0!1.0", " 1.0 ", "01.00"],
    ["1.0a1", "1.0alpha1", "1.0-a1", "1.0.a.1", "1.0_ALPHA_1", "1.0a01", "1.0.0a1"],
    ["1.0b0", "1.0b", "1.0beta", "1.0-beta"],
    ["1.0rc1", "1.0c1", "1.0pre1", "1.0preview1", "1.0-rc-1", "1.0RC1"],
    ["1.0.post1", "1.0-1", "1.0post1", "1.0.rev1", "1.0-r1", "1.0_post_1", "1.0.POST1"],
    ["1.0.post0", "1.0.post", "1.0-post", "1.0rev"],
    ["1.0.dev0", "1.0dev", "1.0-dev", "1.0_DEV_0"],
    ["1.0+ubuntu-1", "1.0+ubuntu_1", "1.0+UBUNTU.1", "1.0.0+ubuntu.1"],
  ])("normalises %s …", (...spellings) => {
    expectEqual("pep440", spellings);
  });

  it("keeps a dev release of a local or pre-release apart from the release", () => {
    // "+dev1" is a local label, not a dev release: it sorts after 1.0.
    expect(compareVersions("pep440", "1.0+dev1", "1.0")).toBe(1);
    expect(compareVersions("pep440", "1.0.dev1", "1.0")).toBe(-1);
  });

  it.each([
    "",
    "latest",
    "1.0.",
    "1..0",
    ".1",
    "1.0+",
    "1.0++1",
    "1.0a1a2",
    "1.0.post1.post2",
    "1.0.dev1.dev2",
    "1!",
    "-1.0",
    "1.0+local version",
    "1.0-beta-local",
    "french toast",
    "1.*",
  ])("cannot compare %j", (text) => {
    expectUnparsable("pep440", text, "1.0");
  });
});

describe("Debian (dpkg)", () => {
  it.each([
    [
      "1.0~~",
      "1.0~~a",
      "1.0~",
      "1.0~beta1",
      "1.0~rc1",
      "1.0",
      "1.0-1",
      "1.0-1ubuntu1",
      "1.0-2",
      "1.0a",
      "1.0+dfsg",
      "1.0.1",
      "1.1",
      "1:0.9",
      "2:0.1",
    ],
    ["2.36-9+deb12u4", "2.36-9+deb12u7", "2.36-9+deb12u10", "2.37-1"],
    ["1.1.1f-1ubuntu2", "1.1.1f-1ubuntu2.16", "1.1.1f-1ubuntu2.20", "1.1.1g-1"],
    ["1.2", "1.9", "1.10", "1.10a", "1.10+b1", "1.10.1"],
    ["7.88.1-10+deb12u5", "7.88.1-10+deb12u5+b1", "7.88.1-10+deb12u6"],
    ["2.0", "1:0.9", "1:2.0~rc1", "1:2.0"],
  ])("orders %s …", (...chain) => {
    expectAscending("debian", chain);
  });

  it("reads epochs, a missing revision as 0, and digit runs by value", () => {
    expectEqual("debian", ["1.0", "0:1.0", "1.0-0", "1.00", "01.0"]);
    expectEqual("debian", ["1:2.3-4", "01:2.3-4", "1:2.3-04"]);
  });

  it("splits the revision at the last hyphen and accepts colons after an epoch", () => {
    expect(compareVersions("debian", "1:2.0-beta-1", "1:2.0-beta-2")).toBe(-1);
    expect(compareVersions("debian", "1:2.0:3-1", "1:2.0:2-1")).toBe(1);
  });

  it.each(["", "latest", "a1.0", "1.0-", "x:1.0", ":1.0", "1:", "1.0 1", "1.0_1", "1.0-1_2", "1.0-1:2"])(
    "cannot compare %j",
    (text) => {
      expectUnparsable("debian", text, "1.0-1");
    },
  );
});

describe("Alpine (apk)", () => {
  it.each([
    [
      "1.2.3_alpha",
      "1.2.3_alpha2",
      "1.2.3_beta",
      "1.2.3_pre1",
      "1.2.3_rc1",
      "1.2.3_rc1-r1",
      "1.2.3",
      "1.2.3-r1",
      "1.2.3-r10",
      "1.2.3_cvs",
      "1.2.3_svn",
      "1.2.3_git20240101",
      "1.2.3_hg",
      "1.2.3_p1",
      "1.2.3_p2",
      "1.2.3a",
      "1.2.3b-r1",
      "1.2.4",
    ],
    ["1.2.3_rc1", "1.2.3", "1.2.3-r1", "1.2.3_p1"],
    ["1.05", "1.1", "1.9", "1.10", "2"],
    ["1.2", "1.2.0", "1.2.1", "1.2.12.1", "1.2.13"],
    ["0.1.0_alpha_pre2", "0.1.0_alpha", "0.1.0_alpha2", "0.1.3_alpha"],
    ["1.0.0_pre20191002222144-r0", "1.0.0_pre20210530193627-r0", "1.0.0"],
    ["1.0~1234-r0", "1.0~1234-r1", "1.0~2345-r0"],
    ["3.1.4-r0", "3.1.4-r1", "3.1.4-r2", "3.1.5-r0", "20050718-r1"],
  ])("orders %s …", (...chain) => {
    expectAscending("alpine", chain);
  });

  it("sorts a missing revision before r0 and a bare suffix before its number 0, as apk-tools does", () => {
    expectAscending("alpine", ["1.2.3", "1.2.3-r0", "1.2.3-r1"]);
    expectAscending("alpine", ["1.0_p", "1.0_p0", "1.0_p0-r0", "1.0_p1"]);
    expectAscending("alpine", ["1.0_rc", "1.0_rc0", "1.0"]);
  });

  it("compares a later component with a leading zero as text, as apk-tools does, and the first as a number", () => {
    expectAscending("alpine", ["8.2.0", "8.2.001", "8.2.0015", "8.2.002", "8.2.1"]);
    expectAscending("alpine", ["1.0", "1.00", "1.000", "1.01", "1.1"]);
    expectAscending("alpine", ["1.05", "1.050", "1.1"]);
    expectEqual("alpine", ["1.0", "01.0", "001.0"]);
  });

  it.each([
    "",
    "1.0bc",
    "0.1a1",
    "1.2.3-rc1",
    "1.2.3_foo",
    "0.1-r",
    "0.1-r2_pre1",
    "v1.2.3",
    "1.2.3~",
    "1.2.3~xyz",
    "-r1",
    "1.0_",
    ".1",
  ])("cannot compare %j", (text) => {
    expectUnparsable("alpine", text, "1.2.3-r0");
  });
});

describe("schemeOfEcosystem", () => {
  it.each([
    ["npm", "semver"],
    ["PyPI", "pep440"],
    ["pypi", "pep440"],
    ["Debian", "debian"],
    ["Debian:12", "debian"],
    ["Ubuntu:22.04", "debian"],
    ["Ubuntu:Pro:18.04:LTS", "debian"],
    ["Alpine", "alpine"],
    ["Alpine:v3.19", "alpine"],
    ["Wolfi", "alpine"],
    ["Maven", null],
    ["Go", null],
    ["crates.io", null],
    ["", null],
  ])("%s uses %s", (ecosystem, scheme) => {
    expect(schemeOfEcosystem(ecosystem)).toBe(scheme);
  });
});
