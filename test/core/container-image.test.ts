// Container image archives (src/core/scan/container/image.ts), built here the way `docker save` and the OCI image
// layout write them: config findings, layers applied with whiteouts, secrets in the final filesystem, and OS
// packages matched against their distribution's advisories.
import { describe, expect, it } from "vitest";
import { unpackArchive } from "../../src/core/archive/unpack.ts";
import { analyzeImage, isImageArchive, osPackages, osRelease } from "../../src/core/scan/container/image.ts";
import type { AdvisorySource } from "../../src/core/scan/deps/dependency-analyzer.ts";
import { tarOf } from "../tar-writer.ts";

const TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ012345";

const DPKG_STATUS = [
  "Package: libssl3",
  "Status: install ok installed",
  "Source: openssl (3.0.11-1~deb12u1)",
  "Version: 3.0.11-1~deb12u1",
  "",
  "Package: bash",
  "Status: install ok installed",
  "Version: 5.2.15-2+b2",
  "",
  "Package: removed-thing",
  "Status: deinstall ok config-files",
  "Version: 1.0",
  "",
].join("\n");

const ADVISORIES: AdvisorySource = {
  description: "test advisories",
  advisoriesFor: async () => [
    {
      id: "DSA-TEST-0001",
      summary: "openssl: buffer overread (test advisory)",
      modified: "2026-01-01T00:00:00Z",
      database_specific: { severity: "HIGH" },
      affected: [
        {
          package: { ecosystem: "Debian:12", name: "openssl" },
          ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "3.0.13-1~deb12u1" }] }],
        },
      ],
    },
  ],
};

const config = (user: string) =>
  JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: {
      User: user,
      Env: ["PATH=/usr/bin", `GITHUB_TOKEN=${TOKEN}`],
      ExposedPorts: { "22/tcp": {}, "8080/tcp": {} },
    },
  });

/** A `docker save` archive: two layers, the second deleting a file and a directory the first added. */
async function dockerSave(user: string): Promise<Uint8Array> {
  const base = await tarOf(
    {
      "etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n',
      "var/lib/dpkg/status": DPKG_STATUS,
      "app/config.js": `module.exports = { token: "${TOKEN}" };\n`,
      "app/old-secrets/key.txt": `GITHUB_TOKEN=${TOKEN}\n`,
      "app/removed.env": `GITHUB_TOKEN=${TOKEN}\n`,
    },
    false,
  );
  const top = await tarOf(
    { "app/.wh.removed.env": "", "app/old-secrets/.wh..wh..opq": "", "app/server.js": "console.log('hi')\n" },
    true,
  );
  return tarOf(
    {
      "manifest.json": JSON.stringify([
        { Config: "config.json", RepoTags: ["acme/mcp:1.0"], Layers: ["l1/layer.tar", "l2/layer.tar.gz"] },
      ]),
      "config.json": config(user),
      "l1/layer.tar": base,
      "l2/layer.tar.gz": top,
    },
    false,
  );
}

describe("analyzeImage", () => {
  it("reports the config, the secrets left in the final filesystem and vulnerable OS packages", async () => {
    const unpacked = await unpackArchive(await dockerSave(""), { maxFileBytes: 64 * 1024 * 1024 });
    expect(isImageArchive(unpacked.files)).toBe(true);
    const result = await analyzeImage("image.tar", unpacked.files, { advisories: ADVISORIES });
    const found = result.detected.map(
      (f) => `${f.ruleId} ${f.location.type === "file" ? f.location.path : ""}`,
    );
    expect(found.sort()).toEqual([
      "container-root-user image.tar!/config",
      "container-secret-in-env image.tar!/config",
      "container-ssh-port image.tar!/config",
      "dep-known-vulnerability image.tar!/var/lib/dpkg/status",
      "secret-github-token image.tar!/app/config.js",
    ]);
    const openssl = result.detected.find((f) => f.ruleId === "dep-known-vulnerability");
    expect(openssl?.description).toContain("openssl@3.0.11-1~deb12u1 (Debian:12)");
    expect(openssl?.description).toContain("Fixed in 3.0.13-1~deb12u1.");
    expect(JSON.stringify(result.detected)).not.toContain(TOKEN);
    expect(result.stats).toMatchObject({ layers: 2, packages: 2 });
  });

  it("reads an OCI layout, and a non-root user raises nothing about root", async () => {
    const layer = await tarOf({ "srv/app.py": "print('ok')\n" }, true);
    const configBytes = new TextEncoder().encode(config("10001:10001"));
    const digest = async (bytes: Uint8Array) =>
      Array.from(
        new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)),
        (b) => b.toString(16).padStart(2, "0"),
      ).join("");
    const layerDigest = await digest(layer);
    const configDigest = await digest(configBytes);
    const manifest = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        config: { digest: `sha256:${configDigest}` },
        layers: [
          { digest: `sha256:${layerDigest}`, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" },
        ],
      }),
    );
    const manifestDigest = await digest(manifest);
    const archive = await tarOf(
      {
        "oci-layout": '{"imageLayoutVersion":"1.0.0"}',
        "index.json": JSON.stringify({ manifests: [{ digest: `sha256:${manifestDigest}` }] }),
        [`blobs/sha256/${manifestDigest}`]: manifest,
        [`blobs/sha256/${configDigest}`]: configBytes,
        [`blobs/sha256/${layerDigest}`]: layer,
      },
      false,
    );
    const unpacked = await unpackArchive(archive, { maxFileBytes: 64 * 1024 * 1024 });
    const result = await analyzeImage("oci.tar", unpacked.files, { advisories: null });
    expect(result.detected.map((f) => f.ruleId).sort()).toEqual([
      "container-secret-in-env",
      "container-ssh-port",
    ]);
    expect(result.stats).toMatchObject({ layers: 1, files: 1 });
  });

  it("refuses an archive whose manifest names a layer it does not hold", async () => {
    const archive = await tarOf(
      { "manifest.json": JSON.stringify([{ Config: "c.json", Layers: ["missing.tar"] }]), "c.json": "{}" },
      false,
    );
    const unpacked = await unpackArchive(archive);
    await expect(analyzeImage("x.tar", unpacked.files, { advisories: null })).rejects.toThrow(
      "manifest.json names a layer the archive does not hold",
    );
  });
});

describe("OS package databases", () => {
  it("names the release OSV uses and reads installed packages by source package", () => {
    expect(osRelease('ID=debian\nVERSION_ID="12"\n')).toBe("Debian:12");
    expect(osRelease('ID=ubuntu\nVERSION_ID="22.04"\n')).toBe("Ubuntu:22.04");
    expect(osRelease("ID=alpine\nVERSION_ID=3.20.3\n")).toBe("Alpine:v3.20");
    expect(osRelease("ID=fedora\nVERSION_ID=40\n")).toBeNull();
    expect(
      osPackages("var/lib/dpkg/status", DPKG_STATUS, "Debian:12").map((p) => [p.name, p.version, p.line]),
    ).toEqual([
      ["openssl", "3.0.11-1~deb12u1", 1],
      ["bash", "5.2.15-2+b2", 6],
    ]);
    const apk = "P:musl\nV:1.2.5-r0\no:musl\n\nP:libcrypto3\nV:3.3.2-r0\no:openssl\n";
    expect(osPackages("lib/apk/db/installed", apk, "Alpine:v3.20").map((p) => [p.name, p.version])).toEqual([
      ["musl", "1.2.5-r0"],
      ["openssl", "3.3.2-r0"],
    ]);
  });
});
