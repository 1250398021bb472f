// Dependency files read into one package list: each format on a realistic fixture (test/fixtures/lockfiles), the
// cases each format has (scoped names, aliases, peer suffixes, duplicates, git and private sources), and damaged
// files, which must give a problem naming the file and still return what could be read.
import { describe, expect, it } from "vitest";
import {
  type LockedPackage,
  type LockfileKind,
  type LockfileResult,
  lockfileKind,
  parseLockfile,
} from "../../src/core/scan/deps/lockfiles.ts";

const fixtures = import.meta.glob("../fixtures/lockfiles/*", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

/**
 * A fixture by the name its tool gives it, after a variant prefix. JSON and YAML ones end in .fixture so that Biome,
 * which formats those, leaves the bytes (and lines) as npm and pnpm write them.
 */
function fixture(name: string): string {
  const text = fixtures[`../fixtures/lockfiles/${name}`] ?? fixtures[`../fixtures/lockfiles/${name}.fixture`];
  if (text === undefined) throw new Error(`no fixture ${name}`);
  return text;
}

/** The one package of that name (and version), failing the test when there is not exactly one. */
function pick(result: LockfileResult, name: string, version?: string | null): LockedPackage {
  const found = result.packages.filter(
    (pkg) => pkg.name === name && (version === undefined || pkg.version === version),
  );
  expect(found, `${name}@${version}`).toHaveLength(1);
  return found[0] as LockedPackage;
}

const ids = (result: LockfileResult): string[] => result.packages.map((pkg) => `${pkg.name}@${pkg.version}`);

/** Cuts a fixture just after the first occurrence of `marker`, as an interrupted write or upload would. */
function truncated(name: string, marker: string, keep = 0): string {
  const text = fixture(name);
  const at = text.indexOf(marker);
  if (at === -1) throw new Error(`no ${marker} in ${name}`);
  return text.slice(0, at + keep);
}

const npm = (fields: Partial<LockedPackage> & Pick<LockedPackage, "name" | "line">): LockedPackage => ({
  ecosystem: "npm",
  version: null,
  requirement: null,
  direct: false,
  dev: false,
  source: null,
  ...fields,
});

const pypi = (fields: Partial<LockedPackage> & Pick<LockedPackage, "name" | "line">): LockedPackage => ({
  ...npm(fields),
  ecosystem: "PyPI",
});

describe("lockfileKind", () => {
  it.each([
    ["package-lock.json", "package-lock"],
    ["apps/web/npm-shrinkwrap.json", "package-lock"],
    ["C:\\work\\app\\package-lock.json", "package-lock"],
    ["pnpm-lock.yaml", "pnpm-lock"],
    ["yarn.lock", "yarn-lock"],
    ["requirements.txt", "requirements"],
    ["services/api/requirements-dev.txt", "requirements"],
    ["dev-requirements.txt", "requirements"],
    ["requirements/base.txt", "requirements"],
    ["poetry.lock", "poetry-lock"],
    ["uv.lock", "uv-lock"],
    ["Pipfile.lock", "pipfile-lock"],
    ["package.json", "package-json"],
    ["pyproject.toml", "pyproject"],
  ] as const)("%s is %s", (path, kind) => {
    expect(lockfileKind(path)).toBe(kind);
  });

  it.each(["README.md", "package-lock.json.bak", "notes.txt", "requirements.in", "Pipfile", "docs/base.txt"])(
    "%s is not a dependency file",
    (path) => {
      expect(lockfileKind(path)).toBeNull();
    },
  );
});

describe("parseLockfile: any input", () => {
  const kinds: Record<LockfileKind, string> = {
    "package-lock": "package-lock.json",
    "pnpm-lock": "pnpm-lock.yaml",
    "yarn-lock": "yarn.lock",
    requirements: "requirements.txt",
    "poetry-lock": "poetry.lock",
    "uv-lock": "uv.lock",
    "pipfile-lock": "Pipfile.lock",
    "package-json": "package.json",
    pyproject: "pyproject.toml",
  };
  const garbage = [
    "\u0000\u0001\u0002binary\u00ff",
    "42: [",
    "[]",
    "[".repeat(5000),
    "{{{{ not: [valid",
    '"an unterminated string',
  ];

  it.each(Object.entries(kinds))(
    "%s: garbage gives problems naming the file, never an exception",
    (kind, path) => {
      for (const text of garbage) {
        const result = parseLockfile(path, text);
        expect(result.kind).toBe(kind);
        expect(result.problems.length, JSON.stringify(text)).toBeGreaterThan(0);
        for (const problem of result.problems) expect(problem.startsWith(`${path}: `)).toBe(true);
      }
    },
  );

  it("says an empty file is empty", () => {
    expect(parseLockfile("locks/uv.lock", " \n\n")).toEqual({
      kind: "uv-lock",
      packages: [],
      problems: ["locks/uv.lock: the file is empty"],
    });
  });

  it("reads a file with an unknown name by its content, and says so", () => {
    const result = parseLockfile("deps/lock.json", fixture("npm-v3.package-lock.json"));
    expect(result.kind).toBe("package-lock");
    expect(result.packages).toHaveLength(29);
    expect(result.problems).toEqual([
      "deps/lock.json: not a known dependency file name; read as package-lock by its content",
    ]);
  });

  it("ignores a byte-order mark", () => {
    const result = parseLockfile("package-lock.json", `\uFEFF${fixture("npm-v3.package-lock.json")}`);
    expect(result.problems).toEqual([]);
    expect(result.packages).toHaveLength(29);
  });
});

describe("package-lock.json", () => {
  const v3 = parseLockfile("package-lock.json", fixture("npm-v3.package-lock.json"));

  it("reads every installed package of a version 3 lockfile, leaving out the project and its workspace link", () => {
    expect(v3.kind).toBe("package-lock");
    expect(v3.problems).toEqual([]);
    expect(v3.packages).toHaveLength(29);
    expect(ids(v3)).not.toContain("weather-mcp@1.4.0");
    expect(v3.packages.map((pkg) => pkg.name)).not.toContain("@weather/shared");
  });

  it("gives scoped packages their full name, the line of their key, and direct from the root's dependencies", () => {
    expect(pick(v3, "@modelcontextprotocol/sdk")).toEqual(
      npm({ name: "@modelcontextprotocol/sdk", version: "1.12.1", direct: true, line: 40, license: "MIT" }),
    );
    expect(pick(v3, "raw-body")).toEqual(
      npm({ name: "raw-body", version: "3.0.0", direct: false, line: 164, license: "MIT" }),
    );
    // A workspace's dependency, hoisted to the top, is direct too.
    expect(pick(v3, "date-fns")).toMatchObject({ direct: true, line: 91 });
  });

  it("keeps both versions of a package installed twice, nested ones transitive", () => {
    expect(pick(v3, "debug", "4.4.1")).toMatchObject({ direct: true, line: 97 });
    expect(pick(v3, "debug", "2.6.9")).toMatchObject({ direct: false, line: 194 });
    expect(pick(v3, "ms", "2.1.3")).toMatchObject({ line: 151 });
    expect(pick(v3, "ms", "2.0.0")).toMatchObject({ direct: false, line: 203 });
  });

  it("marks dev packages, keeps optional ones as not dev, and names non-registry sources", () => {
    expect(pick(v3, "typescript")).toMatchObject({ dev: true, direct: true });
    expect(pick(v3, "undici-types")).toMatchObject({ dev: true, direct: false });
    expect(pick(v3, "bufferutil")).toMatchObject({ dev: false, direct: true });
    expect(pick(v3, "@acme/telemetry").source).toBe(
      "https://npm.acme.internal/@acme/telemetry/-/telemetry-2.1.0.tgz",
    );
    expect(pick(v3, "left-pad-fork")).toMatchObject({
      version: "1.3.1",
      source: "git+ssh://git@github.com/acme/left-pad.git#5d1f3c0a9e7b2d4f6a8c0e1b3d5f7a9c2e4b6d8f",
    });
  });

  it("reports an alias under the real package name", () => {
    expect(pick(v3, "string-width")).toEqual(
      npm({ name: "string-width", version: "4.2.3", direct: true, line: 221, license: "MIT" }),
    );
  });

  it("treats devOptional packages as needed outside development", () => {
    const lock = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        "": { devDependencies: { chokidar: "^3.6.0" } },
        "node_modules/chokidar": { version: "3.6.0", dev: true },
        "node_modules/fsevents": { version: "2.3.3", devOptional: true, optional: true },
      },
    });
    const result = parseLockfile("package-lock.json", lock);
    expect(result.packages.map((pkg) => [pkg.name, pkg.dev])).toEqual([
      ["chokidar", true],
      ["fsevents", false],
    ]);
  });

  it("reads version 1's nested dependencies, pointing at each entry's line", () => {
    const v1 = parseLockfile("package-lock.json", fixture("npm-v1.package-lock.json"));
    expect(v1.problems).toEqual([]);
    expect(v1.packages).toHaveLength(26);
    expect(pick(v1, "debug", "2.6.9")).toEqual(npm({ name: "debug", version: "2.6.9", line: 120 }));
    expect(pick(v1, "ms", "2.0.0")).toMatchObject({ direct: false, line: 128 });
    expect(pick(v1, "string-width")).toMatchObject({ version: "4.2.3", line: 147 });
    expect(pick(v1, "typescript")).toMatchObject({ dev: true, line: 160 });
  });

  it("infers direct in version 1 only where it can: nothing requires it (true), something does (unknown)", () => {
    const v1 = parseLockfile("package-lock.json", fixture("npm-v1.package-lock.json"));
    expect(pick(v1, "send").direct).toBe(true);
    expect(pick(v1, "@acme/telemetry").direct).toBe(true);
    expect(pick(v1, "zod").direct).toBeNull();
    expect(pick(v1, "debug", "4.4.1").direct).toBeNull();
  });

  it("takes version 1's git specs, written where the version goes, as the source", () => {
    const v1 = parseLockfile("package-lock.json", fixture("npm-v1.package-lock.json"));
    expect(pick(v1, "left-pad-fork")).toEqual(
      npm({
        name: "left-pad-fork",
        version: null,
        requirement: "",
        direct: true,
        line: 84,
        source: "github:acme/left-pad#5d1f3c0a9e7b2d4f6a8c0e1b3d5f7a9c2e4b6d8f",
      }),
    );
  });

  it("reads the complete packages section of a version 2 lockfile, not its version 1 copy", () => {
    const v3doc = JSON.parse(fixture("npm-v3.package-lock.json")) as Record<string, unknown>;
    const v1doc = JSON.parse(fixture("npm-v1.package-lock.json")) as Record<string, unknown>;
    const v2 = JSON.stringify({ ...v3doc, lockfileVersion: 2, dependencies: v1doc.dependencies }, null, 2);
    const result = parseLockfile("npm-shrinkwrap.json", v2);
    expect(result.problems).toEqual([]);
    expect(ids(result)).toEqual(ids(v3));
  });

  it("keeps the packages before the damage in a truncated lockfile and says where it stops", () => {
    const result = parseLockfile(
      "app/package-lock.json",
      truncated("npm-v3.package-lock.json", '"node_modules/raw-body"', 60),
    );
    expect(result.problems).toEqual([
      "app/package-lock.json: not valid JSON: expected a closing quote but found the end of the file (it may be truncated) at line 166, column 8; kept the 17 packages read before it",
    ]);
    expect(result.packages).toHaveLength(17);
    expect(pick(result, "raw-body")).toMatchObject({ version: "3.0.0", line: 164 });
  });

  it("counts only the project and its workspaces as importers, not the targets of file: links", () => {
    const packages = (workspaces: string[] | undefined) => ({
      "": {
        name: "app",
        workspaces,
        dependencies: { lib: "file:../lib", vendored: "file:vendor/vendored", express: "^4.21.0" },
      },
      "../lib": { name: "lib", version: "1.0.0", dependencies: { lodash: "^4.17.0" } },
      "vendor/vendored": { name: "vendored", version: "1.0.0", dependencies: { "left-pad": "^1.3.0" } },
      "packages/web": { name: "web", dependencies: { react: "^18.3.0" } },
      "node_modules/lib": { resolved: "../lib", link: true },
      "node_modules/vendored": { resolved: "vendor/vendored", link: true },
      "node_modules/web": { resolved: "packages/web", link: true },
      "node_modules/lodash": { version: "4.17.21" },
      "node_modules/left-pad": { version: "1.3.0" },
      "node_modules/react": { version: "18.3.1" },
      "node_modules/express": { version: "4.21.2" },
    });
    const direct = (workspaces: string[] | undefined) =>
      Object.fromEntries(
        parseLockfile(
          "package-lock.json",
          JSON.stringify({ lockfileVersion: 3, packages: packages(workspaces) }),
        ).packages.map((pkg) => [pkg.name, pkg.direct]),
      );
    // A linked folder's own dependencies, hoisted to the top, are transitive; a workspace's are direct.
    expect(direct(["packages/*"])).toEqual({ lodash: false, "left-pad": false, react: true, express: true });
    expect(direct(["./packages/**", "!packages/web"])).toMatchObject({ react: false, "left-pad": false });
    // Without a workspaces list, a folder linked from inside the project is taken for one; ../lib never is.
    expect(direct(undefined)).toEqual({ lodash: false, "left-pad": true, react: true, express: true });
  });

  it("points a repeated key at the entry whose value is kept", () => {
    const lock =
      '{\n  "lockfileVersion": 3,\n  "packages": {\n    "node_modules/a": { "version": "1.0.0" },\n    "node_modules/a": { "version": "2.0.0" }\n  }\n}\n';
    expect(parseLockfile("package-lock.json", lock).packages).toEqual([
      npm({ name: "a", version: "2.0.0", line: 5 }),
    ]);
  });

  it("reports entries it cannot use by line and reads the rest", () => {
    const lock =
      '{\n  "lockfileVersion": 3,\n  "packages": {\n    "node_modules/a": 7,\n    "node_modules/b": {},\n    "node_modules/c": { "version": "1.0.0" }\n  }\n}\n';
    const result = parseLockfile("package-lock.json", lock);
    expect(result.problems).toEqual([
      'package-lock.json: line 4: the entry for "node_modules/a" is not an object',
      'package-lock.json: line 5: "node_modules/b" has no version',
    ]);
    expect(ids(result)).toEqual(["c@1.0.0"]);
  });

  it("reads a generated 20,000-package lockfile in one pass with the right lines", () => {
    const packages: Record<string, unknown> = { "": { name: "big", dependencies: { "pkg-0": "^1.0.0" } } };
    for (let index = 0; index < 20_000; index++) {
      packages[`node_modules/pkg-${index}`] = {
        version: `1.0.${index % 7}`,
        resolved: `https://registry.npmjs.org/pkg-${index}/-/pkg-${index}-1.0.${index % 7}.tgz`,
        integrity: "sha512-AAAA",
        dependencies: { [`pkg-${index + 1}`]: "^1.0.0" },
      };
    }
    const text = JSON.stringify({ name: "big", lockfileVersion: 3, packages }, null, 2);
    const result = parseLockfile("package-lock.json", text);
    expect(result.problems).toEqual([]);
    expect(result.packages).toHaveLength(20_000);
    // Each entry spans 8 lines, after the 10 of the header and the root entry.
    expect(result.packages[0]).toMatchObject({ name: "pkg-0", direct: true, line: 11 });
    expect(result.packages[19_999]).toMatchObject({
      name: "pkg-19999",
      direct: false,
      line: 11 + 19_999 * 8,
    });
  });
});

describe("package.json", () => {
  const manifest = parseLockfile("package.json", fixture("npm.package.json"));

  it("reads every declared range as a direct dependency, leaving out workspace packages", () => {
    expect(manifest.kind).toBe("package-json");
    expect(manifest.problems).toEqual([]);
    expect(manifest.packages).toHaveLength(12);
    expect(manifest.packages.every((pkg) => pkg.direct === true)).toBe(true);
    expect(manifest.packages.map((pkg) => pkg.name)).not.toContain("@weather/shared");
  });

  it("gives a version only for exact ones, else the range as the requirement", () => {
    expect(pick(manifest, "@modelcontextprotocol/sdk")).toEqual(
      npm({ name: "@modelcontextprotocol/sdk", requirement: "^1.12.0", direct: true, line: 15 }),
    );
    expect(pick(manifest, "debug")).toMatchObject({ version: "4.4.1", requirement: null, line: 17 });
    expect(pick(manifest, "zod", "3.25.67")).toMatchObject({ requirement: null, line: 21 });
    expect(pick(manifest, "eslint")).toMatchObject({ version: null, requirement: "*", dev: true });
    expect(pick(manifest, "typescript")).toMatchObject({ version: null, requirement: "latest", dev: true });
    expect(pick(manifest, "bufferutil")).toMatchObject({ requirement: ">=4.0.9 <5", dev: false, line: 30 });
  });

  it("leaves peerDependencies to the consumer, and reads aliases and sources", () => {
    // zod is also a peer ("^3.23.0", line 33): only the pinned dependency counts, so no unpinned range is reported.
    expect(manifest.packages.filter((pkg) => pkg.name === "zod")).toEqual([
      npm({ name: "zod", version: "3.25.67", direct: true, line: 21 }),
    ]);
    const peersOnly = parseLockfile("package.json", '{ "peerDependencies": { "react": "^18" } }');
    expect(peersOnly).toMatchObject({ packages: [], problems: [] });
    expect(pick(manifest, "string-width")).toMatchObject({ requirement: "^4.2.0", line: 20 });
    expect(pick(manifest, "left-pad-fork")).toMatchObject({
      version: null,
      requirement: "",
      source: "github:acme/left-pad#v1.3.1",
    });
    expect(pick(manifest, "local-fixtures")).toMatchObject({ source: "file:./test/fixtures/pkg", dev: true });
  });

  it("names the line of a syntax error and keeps what came before it", () => {
    const broken = fixture("npm.package.json").replace('"^1.12.0",', '"^1.12.0"');
    const result = parseLockfile("package.json", broken);
    expect(result.problems).toEqual([
      'package.json: not valid JSON: expected "," or "}" but found "\\"" at line 16, column 5; kept the 2 packages read before it',
    ]);
    expect(result.packages.map((pkg) => pkg.name)).toEqual(["@acme/telemetry", "@modelcontextprotocol/sdk"]);
  });

  it("reports sections and ranges of the wrong type", () => {
    const result = parseLockfile(
      "package.json",
      '{\n  "dependencies": ["a"],\n  "devDependencies": { "b": 1 }\n}',
    );
    expect(result.problems).toEqual([
      'package.json: line 2: "dependencies" is not an object',
      'package.json: line 3: devDependencies "b" is not a string',
    ]);
  });
});

describe("pnpm-lock.yaml", () => {
  const v9 = parseLockfile("pnpm-lock.yaml", fixture("pnpm-v9.pnpm-lock.yaml"));

  it("reads version 9.0's packages, with direct from the importers and dev worked out from the graph", () => {
    expect(v9.kind).toBe("pnpm-lock");
    expect(v9.problems).toEqual([]);
    expect(v9.packages).toHaveLength(29);
    expect(pick(v9, "@modelcontextprotocol/sdk")).toEqual(
      npm({ name: "@modelcontextprotocol/sdk", version: "1.12.1", direct: true, line: 55 }),
    );
    expect(pick(v9, "@testing-library/react")).toMatchObject({ version: "16.3.0", direct: true, dev: true });
    expect(pick(v9, "@babel/runtime")).toMatchObject({ direct: false, dev: true, line: 51 });
    // Reached from react (production) as well as from dev tools: not dev.
    expect(pick(v9, "loose-envify")).toMatchObject({ direct: false, dev: false });
    // A workspace package's own dependency is direct.
    expect(pick(v9, "zod")).toMatchObject({ direct: true, dev: false });
  });

  it("strips peer suffixes and keeps both versions of a duplicated package", () => {
    expect(pick(v9, "react-dom")).toMatchObject({ version: "18.3.1", direct: true, line: 126 });
    expect(pick(v9, "string-width", "4.2.3")).toMatchObject({ direct: true, dev: false, line: 138 });
    expect(pick(v9, "string-width", "5.1.2")).toMatchObject({ direct: false, dev: true, line: 142 });
    expect(pick(v9, "strip-ansi", "7.1.0").dev).toBe(true);
  });

  it("reads a git dependency's version and tarball, and skips workspace links", () => {
    expect(pick(v9, "left-pad-fork")).toEqual(
      npm({
        name: "left-pad-fork",
        version: "1.3.1",
        direct: true,
        line: 111,
        source: "https://codeload.github.com/acme/left-pad/tar.gz/5d1f3c0a9e7b2d4f6a8c0e1b3d5f7a9c2e4b6d8f",
      }),
    );
    expect(v9.packages.map((pkg) => pkg.name)).not.toContain("@weather/shared");
  });

  it("reads version 6.0: /name@version(peers) keys and dev flags", () => {
    const v6 = parseLockfile("pnpm-lock.yaml", fixture("pnpm-v6.pnpm-lock.yaml"));
    expect(v6.problems).toEqual([]);
    expect(v6.packages).toHaveLength(20);
    expect(pick(v6, "@tanstack/react-query")).toEqual(
      npm({ name: "@tanstack/react-query", version: "5.28.4", direct: true, line: 35 }),
    );
    expect(pick(v6, "@types/react")).toMatchObject({ direct: true, dev: true, line: 48 });
    expect(pick(v6, "csstype")).toMatchObject({ direct: false, dev: true });
    expect(pick(v6, "tiny-utils")).toMatchObject({
      version: "2.0.0",
      direct: true,
      line: 149,
      source: "https://codeload.github.com/acme/tiny-utils/tar.gz/9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c",
    });
  });

  it("reads version 5.x: /name/version_peers keys", () => {
    const v5 = parseLockfile("pnpm-lock.yaml", fixture("pnpm-v5.pnpm-lock.yaml"));
    expect(v5.problems).toEqual([]);
    expect(v5.packages).toHaveLength(14);
    expect(pick(v5, "styled-jsx")).toEqual(
      npm({ name: "styled-jsx", version: "5.1.1", direct: true, line: 84 }),
    );
    expect(pick(v5, "@types/node")).toMatchObject({ version: "18.15.11", direct: true, dev: true, line: 23 });
    expect(pick(v5, "client-only")).toMatchObject({ direct: false, dev: false });
  });

  it("counts peer variants of one version once, needed outside development if any variant is", () => {
    const lock = (firstDev: boolean, secondDev: boolean) =>
      [
        "lockfileVersion: '6.0'",
        "dependencies:",
        "  use-sync:",
        "    specifier: ^1.2.0",
        "    version: 1.2.0(react@18.2.0)",
        "packages:",
        "  /use-sync@1.2.0(react@18.2.0):",
        "    resolution: {integrity: sha512-AAAA}",
        `    dev: ${firstDev}`,
        "  /use-sync@1.2.0(react@17.0.2):",
        "    resolution: {integrity: sha512-AAAA}",
        `    dev: ${secondDev}`,
        "",
      ].join("\n");
    const read = (first: boolean, second: boolean) =>
      parseLockfile("pnpm-lock.yaml", lock(first, second)).packages;
    // Whichever variant comes first, a production variant makes the package production.
    expect(read(true, false)).toEqual([npm({ name: "use-sync", version: "1.2.0", direct: true, line: 7 })]);
    expect(read(false, true)).toEqual([npm({ name: "use-sync", version: "1.2.0", direct: true, line: 7 })]);
    expect(read(true, true)).toEqual([
      npm({ name: "use-sync", version: "1.2.0", direct: true, dev: true, line: 7 }),
    ]);
  });

  it("names the line of a YAML error in a truncated file and keeps the packages before it", () => {
    const result = parseLockfile(
      "pnpm-lock.yaml",
      truncated("pnpm-v9.pnpm-lock.yaml", "'@testing-library/react@16.3.0'", 12),
    );
    expect(result.problems[0]).toBe("pnpm-lock.yaml: not valid YAML at line 59: Missing closing 'quote");
    expect(ids(result)).toEqual(["@babel/runtime@7.27.6", "@modelcontextprotocol/sdk@1.12.1"]);
  });

  it("says when a file cut at a line end leaves an entry empty", () => {
    const result = parseLockfile("pnpm-lock.yaml", truncated("pnpm-v9.pnpm-lock.yaml", "bytes@3.1.2:", 13));
    expect(result.problems).toEqual([
      'pnpm-lock.yaml: line 78: the entry for "bytes@3.1.2" has nothing under it (the file may be truncated)',
    ]);
    expect(result.packages).toHaveLength(6);
  });
});

describe("yarn.lock", () => {
  const classic = parseLockfile("yarn.lock", fixture("yarn-classic.yarn.lock"));
  const berry = parseLockfile("yarn.lock", fixture("yarn-berry.yarn.lock"));

  it("reads the classic format, one package per entry whatever its number of patterns", () => {
    expect(classic.kind).toBe("yarn-lock");
    expect(classic.problems).toEqual([]);
    expect(classic.packages).toHaveLength(25);
    expect(pick(classic, "@babel/code-frame")).toEqual(
      npm({ name: "@babel/code-frame", version: "7.22.13", direct: true, line: 10 }),
    );
  });

  it("keeps duplicates and infers direct where nothing depends on a pattern, else leaves it unknown", () => {
    expect(pick(classic, "chalk", "4.1.2")).toMatchObject({ direct: true, line: 60 });
    expect(pick(classic, "chalk", "2.4.2")).toMatchObject({ direct: null, line: 51 });
    expect(pick(classic, "supports-color", "7.2.0").direct).toBeNull();
  });

  it("reads aliases under the real name, and names sources off the public registry", () => {
    expect(pick(classic, "string-width")).toMatchObject({ version: "4.2.3", direct: true, line: 131 });
    expect(pick(classic, "strip-ansi")).toMatchObject({ version: "6.0.1", line: 140 });
    expect(pick(classic, "@acme/telemetry").source).toBe(
      "https://npm.acme.internal/@acme/telemetry/-/telemetry-2.1.0.tgz#5bc660ddd3886a215dfb0bfcd4d6f7ce13c98956",
    );
    expect(pick(classic, "left-pad-fork").source).toBe(
      "https://codeload.github.com/acme/left-pad/tar.gz/5d1f3c0a9e7b2d4f6a8c0e1b3d5f7a9c2e4b6d8f",
    );
    expect(pick(classic, "lodash").source).toBeNull();
  });

  it("reports a truncated classic entry by line and keeps the rest", () => {
    const cut = truncated(
      "yarn-classic.yarn.lock",
      'resolved "https://registry.yarnpkg.com/chalk/-/chalk-4.1.2',
      40,
    );
    const result = parseLockfile("web/yarn.lock", cut);
    expect(result.problems).toEqual([
      "web/yarn.lock: line 62: a quoted value is not closed (the file may be truncated)",
    ]);
    expect(result.packages).toHaveLength(9);
    expect(pick(result, "chalk", "4.1.2").line).toBe(60);
  });

  it("reports a classic entry without a version and does not guess one", () => {
    const lock =
      '# yarn lockfile v1\n\nleft@^1.0.0:\n  resolved "https://registry.yarnpkg.com/left/-/left-1.0.0.tgz"\n\nright@^2.0.0:\n  version "2.0.0"\n';
    const result = parseLockfile("yarn.lock", lock);
    expect(result.problems).toEqual([
      'yarn.lock: line 3: "left@^1.0.0" has no version (the file may be truncated)',
    ]);
    expect(ids(result)).toEqual(["right@2.0.0"]);
  });

  it("reads Berry's YAML, skipping workspaces and patches, with direct from the workspaces' dependencies", () => {
    expect(berry.problems).toEqual([]);
    expect(berry.packages).toHaveLength(22);
    expect(berry.packages.map((pkg) => pkg.name)).not.toContain("weather-app");
    expect(berry.packages.map((pkg) => pkg.name)).not.toContain("@weather/shared");
    expect(pick(berry, "@babel/code-frame")).toEqual(
      npm({ name: "@babel/code-frame", version: "7.24.7", direct: true, line: 8 }),
    );
    expect(pick(berry, "@babel/highlight")).toMatchObject({ direct: false, line: 25 });
    // typescript is wanted through its built-in patch; the patched entry is not counted again.
    expect(pick(berry, "typescript")).toMatchObject({ version: "5.4.5", direct: true, line: 184 });
  });

  it("keeps Berry duplicates, a workspace package's dependencies as direct, and git sources", () => {
    expect(pick(berry, "chalk", "4.1.2")).toMatchObject({ direct: true, line: 75 });
    expect(pick(berry, "chalk", "2.4.2")).toMatchObject({ direct: false, line: 64 });
    expect(pick(berry, "left-pad-fork")).toMatchObject({
      direct: true,
      source: "https://github.com/acme/left-pad.git#commit=5d1f3c0a9e7b2d4f6a8c0e1b3d5f7a9c2e4b6d8f",
    });
  });

  it("keeps a truncated Berry entry's name and version from its key", () => {
    const result = parseLockfile("yarn.lock", truncated("yarn-berry.yarn.lock", '"chalk@npm:^4.1.2":', 40));
    expect(result.problems).toEqual([
      "yarn.lock: not valid YAML at line 77: Implicit map keys need to be followed by map values",
      'yarn.lock: line 75: "chalk@npm:^4.1.2" has no resolution (the file may be truncated)',
    ]);
    expect(pick(result, "chalk", "4.1.2")).toMatchObject({ line: 75, source: null });
  });
});

describe("requirements files", () => {
  const plain = parseLockfile("requirements.txt", fixture("requirements.txt"));

  it("reads pins, ranges and bare names, names as written, skipping options and the project itself", () => {
    expect(plain.kind).toBe("requirements");
    // -r and -c files are not followed, and that is not a problem.
    expect(plain.problems).toEqual([]);
    expect(ids(plain)).toEqual([
      "mcp@1.9.4",
      "httpx@null",
      "pydantic@null",
      "Django@null",
      "anyio@null",
      "requests@null",
      "numpy@1.24.4",
      "numpy@1.26.4",
      "uvicorn@0.34.3",
      "typing_extensions@4.14.0",
      "zope.interface@null",
      "weather-utils@null",
      "acme-geo@null",
      "pyproj@3.6.1",
      "tzdata@2024.1",
    ]);
    expect(pick(plain, "mcp")).toEqual(pypi({ name: "mcp", version: "1.9.4", direct: null, line: 8 }));
    expect(pick(plain, "httpx")).toMatchObject({ requirement: ">=0.27,<0.29", direct: null, line: 9 });
    expect(pick(plain, "pydantic").requirement).toBe("~= 2.11");
    expect(pick(plain, "Django").requirement).toBe("==4.2.*");
    expect(pick(plain, "anyio").requirement).toBe("");
    expect(pick(plain, "requests")).toMatchObject({ requirement: ">= 2.8.1, == 2.8.*", line: 13 });
    expect(pick(plain, "zope.interface").requirement).toBe(">=6.0");
  });

  it("keeps marker-split duplicates, hash continuations, and === pins", () => {
    expect(pick(plain, "numpy", "1.24.4").line).toBe(14);
    expect(pick(plain, "numpy", "1.26.4").line).toBe(15);
    expect(pick(plain, "uvicorn")).toMatchObject({ version: "0.34.3", requirement: null, line: 16 });
    expect(pick(plain, "typing_extensions")).toMatchObject({ version: "4.14.0", line: 19 });
  });

  it("records where URL, VCS and file requirements come from", () => {
    expect(pick(plain, "weather-utils")).toEqual(
      pypi({
        name: "weather-utils",
        requirement: "",
        direct: null,
        line: 21,
        source: "git+https://github.com/acme/weather-utils.git@v0.3.1#egg=weather-utils",
      }),
    );
    expect(pick(plain, "acme-geo")).toMatchObject({ source: "git+https://github.com/acme/geo.git@7f3e2a1c" });
    expect(pick(plain, "pyproj")).toMatchObject({
      version: "3.6.1",
      source: "./vendor/pyproj-3.6.1-cp312-cp312-manylinux_2_17_x86_64.whl",
    });
    expect(pick(plain, "tzdata")).toMatchObject({ version: "2024.1", line: 25 });
  });

  it("tells direct from transitive by pip-compile's # via notes", () => {
    const compiled = parseLockfile("requirements.txt", fixture("compiled.requirements.txt"));
    expect(compiled.problems).toEqual([]);
    expect(compiled.packages).toHaveLength(12);
    expect(compiled.packages.filter((pkg) => pkg.direct).map((pkg) => pkg.name)).toEqual(["httpx", "mcp"]);
    expect(pick(compiled, "anyio")).toEqual(
      pypi({ name: "anyio", version: "4.9.0", direct: false, line: 11 }),
    );
    expect(pick(compiled, "httpx").line).toBe(31);
  });

  it("takes the old inline # via style and the project's own metadata as a source of direct ones", () => {
    const text =
      "click==8.1.7  # via flask\nflask==3.0.3  # via -r requirements.in\nrich==14.0.0\n    # via weather (pyproject.toml)\n";
    const result = parseLockfile("requirements.txt", text);
    expect(result.packages.map((pkg) => [pkg.name, pkg.direct])).toEqual([
      ["click", false],
      ["flask", true],
      ["rich", true],
    ]);
  });

  it.each([
    ["requirements-dev.txt", true],
    ["requirements/test.txt", true],
    ["tests/requirements.txt", true],
    ["requirements/base.txt", false],
    ["requirements.txt", false],
    ["requirements-prod.txt", false],
    ["docs/requirements.txt", true],
    ["requirements/dev.txt", true],
    // A folder's name says nothing unless it is one that only holds development files.
    ["services/dev-portal/requirements.txt", false],
    ["test-harness/requirements.txt", false],
    ["dev/requirements.txt", false],
  ])("%s: dev is %s", (path, dev) => {
    expect(parseLockfile(path, "pytest==8.4.1\n").packages[0]?.dev).toBe(dev);
  });

  it("reads the version of an archive named by a name @ URL requirement, as for a bare URL", () => {
    const text = [
      "requests @ https://files.example.com/requests-2.31.0-py3-none-any.whl",
      "typing-extensions @ https://files.example.com/typing_extensions-4.14.0-py3-none-any.whl",
      "other @ https://files.example.com/requests-2.31.0.tar.gz",
      "https://files.example.com/requests-2.31.0-py3-none-any.whl",
    ].join("\n");
    const result = parseLockfile("requirements.txt", text);
    expect(result.problems).toEqual([]);
    expect(result.packages.map((pkg) => [pkg.name, pkg.version, pkg.requirement])).toEqual([
      ["requests", "2.31.0", null],
      ["typing-extensions", "4.14.0", null],
      // The archive belongs to another package: nothing says which version of "other" this is.
      ["other", null, ""],
      ["requests", "2.31.0", null],
    ]);
  });

  it("skips local folders as it skips -e .", () => {
    const text =
      ".\n./libs/foo\n.[dev]\n../sibling\nfile:///srv/project\n-e .\nflask==3.0.3\n./dist/pkg-1.0.0-py3-none-any.whl\n";
    const result = parseLockfile("requirements.txt", text);
    expect(result.problems).toEqual([]);
    expect(ids(result)).toEqual(["flask@3.0.3", "pkg@1.0.0"]);
  });

  it("continues a # via note only with indented lines, never with a stray comment", () => {
    const text = [
      "requests==2.32.3",
      "# Security pins below",
      "urllib3==2.2.2",
      "    # via",
      "    #   requests",
      "    #   -r requirements.in",
      "# see the wiki",
      "flask==3.0.3",
      "    # via -r requirements.in",
      "# TODO: drop when upstream fixes it",
      "",
    ].join("\n");
    const result = parseLockfile("requirements.txt", text);
    expect(result.packages.map((pkg) => [pkg.name, pkg.direct])).toEqual([
      // No note of its own: unknown, not transitive because of the comment after it.
      ["requests", null],
      ["urllib3", true],
      ["flask", true],
    ]);
  });

  it("reports each unreadable line by number and reads the others", () => {
    const text =
      "flask==\n==2.0\nrequests>=2.0,\ndjango (>=3.2\nok-package==1.0\nfoo[bar==1.0\nname @ not-a-url\n";
    const result = parseLockfile("requirements.txt", text);
    expect(result.problems).toEqual([
      'requirements.txt: line 1: not a requirement ("==" is not a version clause like ">=1.0"): flask==',
      "requirements.txt: line 2: not a requirement (it does not start with a package name): ==2.0",
      "requirements.txt: line 3: not a requirement (a version clause is empty): requests>=2.0,",
      'requirements.txt: line 4: not a requirement ("(>=3.2" is not a version clause like ">=1.0"): django (>=3.2',
      "requirements.txt: line 6: not a requirement (its extras are not closed with ]): foo[bar==1.0",
      'requirements.txt: line 7: not a requirement ("not-a-url" after @ is not a URL): name @ not-a-url',
    ]);
    expect(ids(result)).toEqual(["ok-package@1.0"]);
  });

  it("reads Windows line endings the same way", () => {
    const crlf = parseLockfile("requirements.txt", fixture("requirements.txt").replaceAll("\n", "\r\n"));
    expect(crlf).toEqual(plain);
  });
});

describe("poetry.lock", () => {
  const lock = parseLockfile("poetry.lock", fixture("poetry.lock"));

  it("reads every package with the line of its [[package]] header", () => {
    expect(lock.kind).toBe("poetry-lock");
    expect(lock.problems).toEqual([]);
    expect(lock.packages).toHaveLength(18);
    expect(pick(lock, "anyio")).toEqual(pypi({ name: "anyio", version: "4.9.0", direct: null, line: 31 }));
    expect(pick(lock, "typing-extensions").line).toBe(234);
  });

  it("marks packages only in non-main groups dev, and packages nothing depends on direct", () => {
    expect(pick(lock, "pytest")).toMatchObject({ dev: true, direct: true, line: 201 });
    expect(pick(lock, "colorama")).toMatchObject({ dev: true, direct: null });
    expect(pick(lock, "pydantic")).toMatchObject({ dev: false, direct: true });
    expect(pick(lock, "pydantic-core")).toMatchObject({ dev: false, direct: null });
  });

  it("names git and private index sources", () => {
    expect(pick(lock, "weather-utils")).toMatchObject({
      version: "0.3.1",
      source: "git+https://github.com/acme/weather-utils.git@3c9d2e1f0a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
    });
    expect(pick(lock, "acme-geo")).toMatchObject({ source: "https://pypi.acme.internal/simple", line: 3 });
  });

  it("reads Poetry 1's category field", () => {
    const old =
      '[[package]]\nname = "pytest"\nversion = "7.4.4"\ncategory = "dev"\noptional = false\n\n[[package]]\nname = "requests"\nversion = "2.31.0"\ncategory = "main"\n';
    const result = parseLockfile("poetry.lock", old);
    expect(result.packages.map((pkg) => [pkg.name, pkg.dev, pkg.line])).toEqual([
      ["pytest", true, 1],
      ["requests", false, 7],
    ]);
  });

  it("keeps the packages before the damage in a truncated file", () => {
    const result = parseLockfile("poetry.lock", truncated("poetry.lock", 'name = "pydantic-core"', 60));
    expect(result.problems).toEqual([
      "poetry.lock: not valid TOML at line 190: unfinished string; kept the 13 packages read before it",
    ]);
    expect(result.packages.at(-1)).toMatchObject({ name: "pydantic", line: 170 });
  });
});

describe("uv.lock", () => {
  const lock = parseLockfile("uv.lock", fixture("uv.lock"));

  it("reads every package but the project itself", () => {
    expect(lock.kind).toBe("uv-lock");
    expect(lock.problems).toEqual([]);
    expect(lock.packages).toHaveLength(25);
    expect(lock.packages.map((pkg) => pkg.name)).not.toContain("weather-mcp");
    expect(pick(lock, "httpx")).toEqual(pypi({ name: "httpx", version: "0.28.1", direct: true, line: 72 }));
  });

  it("takes direct from the project's dependencies and dev from its dev groups", () => {
    expect(pick(lock, "pytest")).toMatchObject({ direct: true, dev: true, line: 217 });
    expect(pick(lock, "iniconfig")).toMatchObject({ direct: false, dev: true });
    // An extra's dependencies are needed at run time.
    expect(pick(lock, "rich")).toMatchObject({ direct: true, dev: false });
    // Shared by rich and pytest: not dev.
    expect(pick(lock, "pygments")).toMatchObject({ direct: false, dev: false });
    expect(pick(lock, "anyio")).toMatchObject({ direct: false, dev: false, line: 18 });
  });

  it("keeps both versions of a package split by markers, and names git sources", () => {
    expect(pick(lock, "numpy", "2.2.6")).toMatchObject({ direct: true, line: 140 });
    expect(pick(lock, "numpy", "2.3.1")).toMatchObject({ direct: true, line: 152 });
    expect(pick(lock, "weather-utils")).toMatchObject({
      source:
        "git+https://github.com/acme/weather-utils.git?rev=v0.3.1#3c9d2e1f0a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
      line: 312,
    });
    expect(pick(lock, "certifi").source).toBeNull();
  });

  it("names a private index as the source", () => {
    const text =
      'version = 1\n\n[[package]]\nname = "acme-geo"\nversion = "0.4.2"\nsource = { registry = "https://pypi.acme.internal/simple" }\n';
    expect(parseLockfile("uv.lock", text).packages).toEqual([
      pypi({
        name: "acme-geo",
        version: "0.4.2",
        direct: null,
        line: 3,
        source: "https://pypi.acme.internal/simple",
      }),
    ]);
  });

  it("keeps the packages before the damage in a truncated file", () => {
    const result = parseLockfile("uv.lock", truncated("uv.lock", 'name = "mcp"', 120));
    expect(result.problems).toEqual([
      "uv.lock: not valid TOML at line 122: expected comma or end of structure; kept the 10 packages read before it",
    ]);
    expect(result.packages.at(-1)).toMatchObject({ name: "markdown-it-py", line: 105 });
  });
});

describe("Pipfile.lock", () => {
  const lock = parseLockfile("Pipfile.lock", fixture("Pipfile.lock"));

  it("reads default and develop, a package in both once, without the project itself", () => {
    expect(lock.kind).toBe("pipfile-lock");
    expect(lock.problems).toEqual([]);
    expect(lock.packages).toHaveLength(13);
    expect(pick(lock, "certifi")).toEqual(
      pypi({ name: "certifi", version: "2025.6.15", direct: null, dev: false, line: 41 }),
    );
    expect(pick(lock, "pytest")).toMatchObject({ version: "8.4.1", dev: true, line: 133 });
    expect(lock.packages.map((pkg) => pkg.name)).not.toContain("weather-mcp");
  });

  it("names git sources and private indexes", () => {
    expect(pick(lock, "weather-utils")).toMatchObject({
      version: null,
      requirement: "",
      source: "git+https://github.com/acme/weather-utils.git@3c9d2e1f0a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
    });
    expect(pick(lock, "acme-geo")).toMatchObject({
      version: "0.4.2",
      source: "https://pypi.acme.internal/simple",
    });
    expect(pick(lock, "httpx").source).toBeNull();
  });

  it("keeps the packages before the damage in a truncated file", () => {
    const result = parseLockfile("Pipfile.lock", truncated("Pipfile.lock", '"develop"', 40));
    expect(result.problems).toEqual([
      "Pipfile.lock: not valid JSON: expected a quoted key but found the end of the file (it may be truncated) at line 101, column 7; kept the 9 packages read before it",
      'Pipfile.lock: line 100: "certifi" has no version (the file may be truncated)',
    ]);
    expect(result.packages).toHaveLength(9);
    expect(result.packages.filter((pkg) => pkg.dev)).toEqual([]);
  });
});

describe("pyproject.toml", () => {
  const pep621 = parseLockfile("pyproject.toml", fixture("pep621.pyproject.toml"));
  const poetry = parseLockfile("pyproject.toml", fixture("poetry.pyproject.toml"));

  it("reads PEP 621 dependencies and extras as direct, pinned only by ==", () => {
    expect(pep621.kind).toBe("pyproject");
    expect(pep621.problems).toEqual([]);
    expect(pep621.packages).toHaveLength(13);
    expect(pick(pep621, "httpx")).toEqual(
      pypi({ name: "httpx", requirement: ">=0.27,<0.29", direct: true, line: 13 }),
    );
    expect(pick(pep621, "mcp")).toMatchObject({ version: "1.9.4", requirement: null, line: 14 });
    expect(pick(pep621, "numpy", "2.2.6").line).toBe(16);
    expect(pick(pep621, "numpy", null)).toMatchObject({ requirement: "==2.3.*", line: 17 });
    expect(pick(pep621, "weather-utils")).toMatchObject({
      source: "git+https://github.com/acme/weather-utils.git@v0.3.1",
      line: 18,
    });
    // `cli = ["rich>=13", "typer===0.16.0"]` is one line.
    expect(pick(pep621, "typer")).toMatchObject({ version: "0.16.0", dev: false, line: 23 });
  });

  it("reads PEP 735 groups and uv's dev-dependencies as dev, skipping group includes", () => {
    expect(pick(pep621, "pytest-asyncio")).toMatchObject({ version: "1.0.0", dev: true, line: 31 });
    expect(pick(pep621, "ruff")).toMatchObject({ requirement: ">=0.12", dev: true, line: 35 });
    expect(pick(pep621, "mypy")).toMatchObject({ dev: true, line: 39 });
    expect(pep621.packages.map((pkg) => pkg.name)).not.toContain("hatchling");
  });

  it("reads Poetry's tables: bare versions pin, python is not a package, groups other than main are dev", () => {
    expect(poetry.problems).toEqual([]);
    expect(poetry.packages).toHaveLength(12);
    expect(poetry.packages.map((pkg) => pkg.name)).not.toContain("python");
    expect(pick(poetry, "requests")).toEqual(
      pypi({ name: "requests", requirement: "^2.32", direct: true, line: 10 }),
    );
    expect(pick(poetry, "pydantic")).toMatchObject({ version: "2.11.7", requirement: null, line: 11 });
    expect(pick(poetry, "ruamel.yaml")).toMatchObject({ version: "0.18.14", line: 12 });
    expect(pick(poetry, "black")).toMatchObject({ version: "25.1.0", dev: true, line: 24 });
    expect(pick(poetry, "mkdocs")).toMatchObject({ dev: true, line: 30 });
  });

  it("reads Poetry's multiple constraints, git, path and table forms", () => {
    expect(poetry.packages.filter((pkg) => pkg.name === "numpy").map((pkg) => pkg.requirement)).toEqual([
      "<2.0",
      "^2.1",
    ]);
    expect(pick(poetry, "slack-sdk")).toMatchObject({ requirement: "~3.35", line: 17 });
    expect(pick(poetry, "weather-utils").source).toBe("git+https://github.com/acme/weather-utils.git@v0.3.1");
    expect(pick(poetry, "acme-geo")).toMatchObject({ source: "../acme-geo", line: 19 });
    expect(pick(poetry, "anything")).toMatchObject({ version: null, requirement: "*" });
  });

  it("reports an unreadable requirement by line and keeps the others", () => {
    const text = '[project]\nname = "x"\ndependencies = [\n    "good==1.0",\n    "bad>=",\n]\n';
    const result = parseLockfile("pyproject.toml", text);
    expect(result.problems).toEqual([
      'pyproject.toml: line 5: not a requirement (">=" is not a version clause like ">=1.0"): bad>=',
    ]);
    expect(ids(result)).toEqual(["good@1.0"]);
  });

  it("gives one-line arrays, inline tables and names that prefix others their own lines", () => {
    const text = [
      "[project]",
      'name = "x"',
      'dependencies = ["httpx>=0.27", "mcp==1.9.4", "rich"]',
      'optional-dependencies = { cli = ["rich>=13"], web = [',
      '  "pkg10>=1",',
      '  "pkg1; python_version < \\"3.13\\"",',
      "] }",
      "",
      "[tool.poetry.dependencies]",
      'numpy = [{ version = "<2.0", python = "<3.12" },',
      '  { version = "^2.1", python = ">=3.12" }]',
      "",
    ].join("\n");
    const result = parseLockfile("pyproject.toml", text);
    expect(result.problems).toEqual([]);
    expect(result.packages.map((pkg) => `${pkg.name}:${pkg.line}`)).toEqual([
      "httpx:3",
      "mcp:3",
      "rich:3",
      "rich:4",
      "pkg10:5",
      "pkg1:6",
      "numpy:10",
      "numpy:11",
    ]);
  });

  it("keeps the tables before a syntax error", () => {
    const result = parseLockfile("pyproject.toml", truncated("pep621.pyproject.toml", '"ruff>=0.12"', 4));
    expect(result.problems).toEqual([
      "pyproject.toml: not valid TOML at line 35: unfinished string; kept the 9 packages read before it",
    ]);
    expect(result.packages.map((pkg) => pkg.name)).toContain("typer");
  });
});

describe("hostile input: bounded work and sane answers", () => {
  // Linked to each other, 14,000 entries of one name make 196 million edges: gigabytes, and a timeout.
  it("links 14,000 uv.lock entries of one name through one node, not to each other", () => {
    const entries = Array.from(
      { length: 14_000 },
      (_, i) => `[[package]]\nname = "a"\nversion = "1.0.${i}"\ndependencies = [{ name = "a" }]\n`,
    );
    const member =
      '[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { editable = "." }\ndependencies = [{ name = "a" }]\n';
    const result = parseLockfile("uv.lock", ["version = 1\n", member, ...entries].join("\n"));
    expect(result.problems).toEqual([]);
    expect(result.packages).toHaveLength(14_000);
    expect(result.packages.every((pkg) => pkg.direct === true && !pkg.dev)).toBe(true);
    expect(result.packages.at(-1)).toMatchObject({ version: "1.0.13999", line: 9 + 13_999 * 5 });
  });

  it("joins a requirement continued over 40,000 --hash lines once", () => {
    const hash = `    --hash=sha256:${"0".repeat(64)}`;
    const lines = [
      "uvicorn==0.34.3 \\",
      ...Array.from({ length: 40_000 }, () => `${hash} \\`),
      hash,
      "anyio==4.9.0",
    ];
    const result = parseLockfile("requirements.txt", lines.join("\n"));
    expect(result.problems).toEqual([]);
    expect(result.packages.map((pkg) => `${pkg.name}@${pkg.version}:${pkg.line}`)).toEqual([
      "uvicorn@0.34.3:1",
      "anyio@4.9.0:40003",
    ]);
  });

  it("reads a requirement line with 200,000 spaces in it in one pass", () => {
    const result = parseLockfile("requirements.txt", `flask${" ".repeat(200_000)}==3.0.3 --hash=sha256:00\n`);
    expect(result.problems).toEqual([]);
    expect(ids(result)).toEqual(["flask@3.0.3"]);
  });

  it("finds the lines of 16,000 Poetry dependencies and 16,000 PEP 621 items in one pass", () => {
    const count = 16_000;
    const poetry = Array.from({ length: count }, (_, i) => `pkg-${i} = "^1.${i}"`);
    const pep621 = Array.from({ length: count }, (_, i) => `  "dep-${i}>=1.${i}",`);
    const text = [
      "[project]",
      'name = "x"',
      "dependencies = [",
      ...pep621,
      "]",
      "[tool.poetry.dependencies]",
      ...poetry,
    ];
    const result = parseLockfile("pyproject.toml", text.join("\n"));
    expect(result.problems).toEqual([]);
    expect(result.packages).toHaveLength(2 * count);
    expect(pick(result, "dep-15999").line).toBe(3 + count);
    expect(pick(result, "pkg-0").line).toBe(count + 6);
    expect(pick(result, "pkg-15999").line).toBe(2 * count + 5);
  });

  it.each([
    ["requirements.txt", "=\n".repeat(2_000_000)],
    ["yarn.lock", "=\n".repeat(2_000_000)],
    [
      "package-lock.json",
      `{"lockfileVersion":3,"packages":{${Array.from({ length: 200_000 }, (_, i) => `"node_modules/p${i}":1`).join(",")}}}`,
    ],
  ])("%s: keeps the first problems of hundreds of thousands and counts the rest", (path, text) => {
    const result = parseLockfile(path, text);
    expect(result.packages).toEqual([]);
    expect(result.problems).toHaveLength(51);
    expect(result.problems.at(-1)).toMatch(/^\S+: …and \d+ more problems$/);
    const more = Number(/(\d+) more/.exec(result.problems.at(-1) ?? "")?.[1]);
    expect(50 + more).toBe(path === "package-lock.json" ? 200_000 : 2_000_000);
  });

  it.each([
    ["flow collections", `lockfileVersion: '9.0'\npackages: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`],
    ["block mappings", Array.from({ length: 5_000 }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n")],
  ])("says YAML nested thousands deep (%s) is nested too deeply", (_, text) => {
    for (const path of ["pnpm-lock.yaml", "yarn.lock"]) {
      const result = parseLockfile(path, path === "yarn.lock" ? `__metadata:\n  version: 8\n${text}` : text);
      expect(result.problems.join("\n")).toContain("nested too deeply");
      expect(result.problems.join("\n")).not.toMatch(/call stack|stack overflow/i);
    }
  });
});
