// Unpacking uploaded server packages: real-tool archives (fixtures.ts, base64 because binary files cannot be imported
// into workerd) for format coverage, and archives built here (build.ts) for bombs, counts and raw header bytes.
import { describe, expect, it } from "vitest";
import { normalisePath } from "../../src/core/archive/limits.ts";
import {
  UnpackError,
  type Unpacked,
  type UnpackLimits,
  unpackArchive,
} from "../../src/core/archive/unpack.ts";
import { concat, fromBase64, gzip, gzipWithZeros, tar, tarHeader } from "../fixtures/archives/build.ts";
import { archives } from "../fixtures/archives/fixtures.ts";

const MiB = 1024 * 1024;
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
const fixture = (name: keyof typeof archives) => fromBase64(archives[name]);

function fileMap(unpacked: Unpacked): Record<string, string> {
  return Object.fromEntries(unpacked.files.map((file) => [file.path, text(file.bytes)]));
}

async function refusal(data: Uint8Array, limits?: Partial<UnpackLimits>): Promise<UnpackError> {
  const error = await unpackArchive(data, limits).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UnpackError);
  return error as UnpackError;
}

const NPM_TREE = {
  "package/package.json": '{"name":"demo-mcp-server","version":"1.0.0","main":"index.js"}\n',
  "package/index.js": 'import { run } from "./lib/server.js";\nrun();\n',
  "package/lib/server.js": "export function run() {\n  console.error('listening on stdio');\n}\n",
  "package/README.md": "# demo-mcp-server\n\nA tiny MCP server.\n",
};

describe("unpackArchive: formats", () => {
  it("reads an npm-pack tar.gz, keeping the package/ prefix", async () => {
    const unpacked = await unpackArchive(fixture("npmTarGz"));
    expect(unpacked.format).toBe("tar.gz");
    expect(fileMap(unpacked)).toEqual(NPM_TREE);
    expect(unpacked.skipped).toEqual([]);
    expect(unpacked.totalBytes).toBe(Object.values(NPM_TREE).join("").length);
  });

  it("reads the same tree from a zip, ignoring directory entries", async () => {
    const unpacked = await unpackArchive(fixture("npmZip"));
    expect(unpacked.format).toBe("zip");
    expect(fileMap(unpacked)).toEqual(NPM_TREE);
    expect(unpacked.skipped).toEqual([]);
  });

  it("records the hex SHA-256 of the upload", async () => {
    const emptyTar = new Uint8Array(1024);
    const unpacked = await unpackArchive(emptyTar);
    expect(unpacked).toMatchObject({ format: "tar", files: [], skipped: [], totalBytes: 0 });
    expect(unpacked.sha256).toBe("5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef");
  });

  it("applies pax records (long path, UTF-8 name, size) and ignores global headers", async () => {
    const unpacked = await unpackArchive(fixture("paxTar"));
    expect(unpacked.format).toBe("tar");
    expect(fileMap(unpacked)).toEqual({
      [`package/${"deep-directory/".repeat(20)}handler.js`]: "export const deep = true;\n",
      "package/naïve-☃.js": "// unicode name\n",
      "package/sized.txt": "12345",
    });
    expect(unpacked.skipped).toEqual([]);
  });

  it("applies GNU long names and long link targets", async () => {
    const unpacked = await unpackArchive(fixture("gnuLongNameTar"));
    expect(fileMap(unpacked)).toEqual({ [`package/${"long-name-".repeat(15)}.js`]: "// long name\n" });
    expect(unpacked.skipped).toEqual([{ path: "package/link", reason: "symlink" }]);
  });

  it("reads GNU tar's own output, links reported and not followed", async () => {
    const unpacked = await unpackArchive(fixture("gnuTarGz"));
    const files = fileMap(unpacked);
    expect(files[`server/${"n".repeat(120)}.txt`]).toBe("a long name\n");
    // GNU tar stores the second name of a hard-linked file as a link; which one depends on the sort order.
    expect(Object.keys(files).filter((path) => path.endsWith(".py"))).toHaveLength(1);
    expect(unpacked.skipped).toContainEqual({ path: "server/passwd-link", reason: "symlink" });
    expect(unpacked.skipped.filter((entry) => entry.reason === "hardlink")).toHaveLength(1);
  });

  it("reads Info-ZIP's output and skips the stored symlink", async () => {
    const unpacked = await unpackArchive(fixture("infoZip"));
    const files = fileMap(unpacked);
    expect(files["server/src/main.py"]).toBe("print('hello from mcp')\n");
    expect(files["server/hard-link.py"]).toBe("print('hello from mcp')\n");
    expect(unpacked.skipped).toEqual([{ path: "server/passwd-link", reason: "symlink" }]);
  });

  it("reads ZIP64 records and a zip with a stub prepended", async () => {
    expect(fileMap(await unpackArchive(fixture("zip64")))).toEqual({
      "stored.txt": "stored via zip64\n",
      "deflated.txt": "deflated via zip64\n".repeat(20),
    });
    const stub = await unpackArchive(fixture("stubZip"));
    expect(stub.format).toBe("zip");
    expect(fileMap(stub)).toEqual({ "inside.txt": "found through the end record\n" });
  });

  it("reads an old-style (v7) tar found by its header checksum", async () => {
    const unpacked = await unpackArchive(tar([{ name: "old.txt", data: "v7\n", v7: true }]));
    expect(unpacked.format).toBe("tar");
    expect(fileMap(unpacked)).toEqual({ "old.txt": "v7\n" });
  });

  it("skips a GNU sparse file with its map extension blocks and reads the next entry", async () => {
    const extension = new Uint8Array(512); // isextended (byte 504) left 0: the last extension
    const sparse = {
      name: "sparse.img",
      type: "S",
      data: "stored",
      patch: (h: Uint8Array) => h.set([1], 482),
    };
    const archive = tar([
      { ...sparse, extensionBlocks: [extension] },
      { name: "after.txt", data: "after\n" },
    ]);
    const unpacked = await unpackArchive(archive);
    expect(fileMap(unpacked)).toEqual({ "after.txt": "after\n" });
    expect(unpacked.skipped).toEqual([{ path: "sparse.img", reason: "special" }]);
  });
});

describe("unpackArchive: hostile entries", () => {
  it("keeps tar entries inside the root and reports escapes, links, devices and duplicates", async () => {
    const unpacked = await unpackArchive(fixture("hostileTarGz"));
    expect(fileMap(unpacked)).toEqual({
      "ok.txt": "first\n",
      "pkg/a/b.js": "normalised\n",
      "pkg/c.js": "inner dotdot\n",
      "win/style/path.js": "backslashes\n",
    });
    expect(unpacked.skipped).toEqual([
      { path: "../../etc/passwd", reason: "path_escape" },
      { path: "/etc/passwd", reason: "absolute_path" },
      { path: "C:\\x", reason: "absolute_path" },
      { path: "a/../../escape.txt", reason: "path_escape" },
      { path: "passwd-link", reason: "symlink" },
      { path: "hard-link", reason: "hardlink" },
      { path: "dev/tty", reason: "special" },
      { path: "fifo", reason: "special" },
      { path: "nul\0name.js", reason: "invalid_path" },
      { path: "ok.txt", reason: "duplicate" },
    ]);
  });

  it("keeps zip entries inside the root and reports escapes, symlinks, encryption, methods and duplicates", async () => {
    const unpacked = await unpackArchive(fixture("hostileZip"));
    expect(fileMap(unpacked)).toEqual({ "ok.txt": "first\n" });
    expect(unpacked.skipped).toEqual([
      { path: "../../etc/passwd", reason: "path_escape" },
      { path: "/etc/passwd", reason: "absolute_path" },
      { path: "C:\\x", reason: "absolute_path" },
      { path: "..\\..\\windows.txt", reason: "path_escape" },
      { path: "passwd-link", reason: "symlink" },
      { path: "secret.txt", reason: "encrypted" },
      { path: "bzip2.txt", reason: "unsupported_compression" },
      { path: "ok.txt", reason: "duplicate" },
    ]);
  });

  it.each([
    ["a/./b//c.js", "a/b/c.js"],
    ["./a/../b.js", "b.js"],
    ["a\\b\\c.js", "a/b/c.js"],
    ["a/b/", "a/b"],
  ])("normalises %j to %j", (stored, path) => {
    expect(normalisePath(stored, 1024)).toEqual({ ok: true, path });
  });

  it.each([
    ["..", "path_escape"],
    ["a/../../b", "path_escape"],
    ["/abs", "absolute_path"],
    ["\\\\server\\share\\x", "absolute_path"],
    ["c:x", "absolute_path"],
    ["D:/x", "absolute_path"],
    ["a\0b", "invalid_path"],
    ["./", "invalid_path"],
    ["é".repeat(600), "path_too_long"],
  ])("refuses %j as %s", (stored, reason) => {
    expect(normalisePath(stored, 1024)).toEqual({ ok: false, reason });
  });

  it("skips a GNU long name past the path limit rather than cutting it", async () => {
    const longName = `a/${"./".repeat(3000)}x.js`; // normalises short, but is stored far past the limit
    const archive = tar([
      { name: "././@LongLink", type: "L", data: `${longName}\0` },
      { name: "a/trunc", data: "hidden\n" },
      { name: "b.js", data: "b\n" },
    ]);
    const unpacked = await unpackArchive(archive);
    expect(fileMap(unpacked)).toEqual({ "b.js": "b\n" });
    expect(unpacked.skipped).toEqual([{ path: "a/trunc", reason: "path_too_long" }]);
  });
});

describe("unpackArchive: limits", () => {
  it("counts the real output of a zip entry, not the size the directory declares", async () => {
    const lying = fixture("lyingSizeZip");
    const whole = await unpackArchive(lying);
    expect(fileMap(whole)["big.txt"]).toBe("a".repeat(65536));
    const capped = await unpackArchive(lying, { maxFileBytes: 1024 });
    expect(fileMap(capped)).toEqual({ "small.txt": "small\n" });
    expect(capped.skipped).toEqual([{ path: "big.txt", reason: "too_large" }]);
    expect(fileMap(await unpackArchive(fixture("overstatedSizeZip")))).toEqual({ "small.txt": "small\n" });
  });

  it("skips a tar file over maxFileBytes and reads the rest", async () => {
    const archive = tar([
      { name: "big.bin", data: new Uint8Array(4096) },
      { name: "small.txt", data: "small\n" },
    ]);
    const unpacked = await unpackArchive(archive, { maxFileBytes: 1000 });
    expect(fileMap(unpacked)).toEqual({ "small.txt": "small\n" });
    expect(unpacked.skipped).toEqual([{ path: "big.bin", reason: "too_large" }]);
  });

  it("stops a 1 GiB gzip bomb at the limit, without expanding it", async () => {
    const header = tarHeader({ name: "bomb.bin" }, 1024 * MiB);
    const bomb = await gzipWithZeros(header, 1024 * MiB);
    expect(bomb.byteLength).toBeLessThan(2 * MiB);
    const error = await refusal(bomb);
    expect(["expansion_ratio", "too_large"]).toContain(error.code);
    expect(error.message).toMatch(/expands past \d+(\.\d)? MiB/);
    // Inflating all 1 GiB takes seconds; with an 8 MiB limit, stopping takes milliseconds. (Memory stays small too:
    // the decompressor hands out 4-16 KiB pieces on demand, and nothing keeps the pieces of a too-large file.)
    const started = Date.now();
    expect((await refusal(bomb, { maxTotalBytes: 8 * MiB })).code).toBe("too_large");
    expect(Date.now() - started).toBeLessThan(1500);
  }, 60_000);

  it("refuses archives that expand too far for their size, or past maxTotalBytes", async () => {
    const zeros = await gzipWithZeros(tarHeader({ name: "zeros.bin" }, 8 * MiB), 8 * MiB);
    expect((await refusal(zeros)).code).toBe("expansion_ratio");
    const wordy = await gzip(tar([{ name: "a.txt", data: "word ".repeat(100_000) }]));
    expect((await refusal(wordy, { maxTotalBytes: 100_000, maxExpansionRatio: 10_000 })).code).toBe(
      "too_large",
    );
    // Within the ratio floor (1 MiB) a small, very compressible archive is fine.
    expect(fileMap(await unpackArchive(wordy))["a.txt"]).toHaveLength(500_000);
  });

  it("refuses an upload over maxArchiveBytes before reading it", async () => {
    const error = await refusal(new Uint8Array(2048), { maxArchiveBytes: 1024 });
    expect(error.code).toBe("too_large");
    expect(error.message).toBe("the archive is 2 KiB; the limit is 1 KiB");
  });

  it("refuses too many files, in tar and in zip", async () => {
    const entries = Array.from({ length: 30 }, (_, i) => ({ name: `f${i}.txt`, data: "x" }));
    expect((await refusal(tar(entries), { maxFiles: 20 })).code).toBe("too_many_files");
    const error = await refusal(fixture("manyFilesZip"), { maxFiles: 20 });
    expect(error.code).toBe("too_many_files");
    expect(error.message).toMatch(/more than 20 files/);
    expect((await unpackArchive(fixture("manyFilesZip"), { maxFiles: 30 })).files).toHaveLength(30);
  });

  it("refuses nonsensical limits as a programming error", async () => {
    await expect(unpackArchive(new Uint8Array(1024), { maxFiles: -1 })).rejects.toThrow(/maxFiles/);
  });
});

describe("unpackArchive: damaged and foreign input", () => {
  it("reports truncated archives as corrupt", async () => {
    const tarGz = fixture("npmTarGz");
    expect((await refusal(tarGz.subarray(0, tarGz.byteLength >> 1))).code).toBe("corrupt");
    const plain = tar([{ name: "a.txt", data: "x".repeat(2000) }]);
    const cut = await refusal(plain.subarray(0, 1024));
    expect(cut.code).toBe("corrupt");
    expect(cut.message).toMatch(/cut short inside the entry "a.txt"/);
    const zip = fixture("npmZip");
    expect((await refusal(zip.subarray(0, zip.byteLength - 40))).code).toBe("corrupt");
  });

  it("reports damaged headers and contents as corrupt", async () => {
    const plain = tar([{ name: "a.txt", data: "hello" }]);
    plain[0] = 0x62; // the name changes, the checksum does not
    expect((await refusal(plain)).message).toMatch(/checksum/);
    const zip = fixture("lyingSizeZip").slice();
    const dataStart = 30 + "small.txt".length;
    zip[dataStart] = (zip[dataStart] ?? 0) ^ 0xff;
    expect((await refusal(zip)).code).toBe("corrupt");
  });

  it("refuses what is not an archive as unsupported_format", async () => {
    let seed = 42;
    const random = Uint8Array.from({ length: 4096 }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed >> 16;
    });
    expect((await refusal(random)).code).toBe("unsupported_format");
    expect((await refusal(new Uint8Array())).code).toBe("unsupported_format");
    const gzippedText = await gzip(new TextEncoder().encode("just some text, no tar in here\n".repeat(40)));
    expect((await refusal(gzippedText)).code).toBe("unsupported_format");
  });

  it("treats zip damage before the central directory as corrupt, not foreign", async () => {
    const zip = fixture("npmZip");
    const headless = concat([zip.subarray(0, 4), new Uint8Array(100)]);
    expect((await refusal(headless)).code).toBe("corrupt");
  });
});
