// The file scan's work sharing (local-bridge/src/scan/parallel-scan.ts), run from source against real worker
// threads: every batch is merged exactly once when a worker cannot start, and when one claims a batch and dies.
import { randomInt } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BatchResult } from "../../local-bridge/src/scan/file-batch.ts";
import { type WalkedFile, walkFiles } from "../../local-bridge/src/scan/file-walk.ts";
import { scanInParallel } from "../../local-bridge/src/scan/parallel-scan.ts";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const fakeGithubToken = () =>
  `ghp_${Array.from({ length: 36 }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join("")}`;

const FILES = 1_400;
let dir: string;
let root: string;
const planted: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "helmet-parallel-scan-"));
  root = join(dir, "tree");
  for (let i = 0; i < FILES; i++) {
    const path = `d${i % 9}/f${String(i).padStart(4, "0")}.txt`;
    const secret = i % 50 === 0;
    if (secret) planted.push(path);
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), secret ? `GITHUB_TOKEN=${fakeGithubToken()}\n` : `line ${i}\n`);
  }
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the parallel scan over the tree; what was merged, batch by batch. */
async function scanTree(files: Iterable<WalkedFile>, options: Parameters<typeof scanInParallel>[2]) {
  const merged: BatchResult[] = [];
  await scanInParallel(files, (batch) => merged.push(batch), options);
  const found = merged.flatMap((batch) =>
    batch.detected.map((finding) => (finding.location.type === "file" ? finding.location.path : "")),
  );
  return { files: merged.reduce((sum, batch) => sum + batch.files, 0), found: found.sort() };
}

const walk = () => walkFiles({ root, exclude: null, skip: () => {} });

describe("scanInParallel", () => {
  it("scans every batch on this thread when no worker can start", async () => {
    const missing = pathToFileURL(join(dir, "no-such-worker.js"));
    const result = await scanTree(walk(), { workerScript: missing, workers: 2 });
    expect(result.files).toBe(FILES);
    expect(result.found).toEqual([...planted].sort());
  });

  it("scans here the batch a worker claimed and never answered for", async () => {
    // A worker that takes the first batch it is sent, says so, and dies without answering.
    const marker = join(dir, "claimed");
    const script = join(dir, "dying-worker.mjs");
    writeFileSync(
      script,
      [
        'import { writeFileSync } from "node:fs";',
        'import { parentPort, workerData } from "node:worker_threads";',
        "const claims = new Int32Array(workerData.claims);",
        'parentPort.once("message", () => {',
        "  Atomics.add(claims, 0, 1);",
        `  writeFileSync(${JSON.stringify(marker)}, "1");`,
        "  process.exit(3);",
        "});",
      ].join("\n"),
    );
    // A walk that, once the worker has started, waits for it to claim before listing more (a slow disk, say).
    function* slowWalk(): Generator<WalkedFile> {
      let listed = 0;
      for (const file of walk()) {
        yield file;
        if (++listed === 1_001) {
          const sleeper = new Int32Array(new SharedArrayBuffer(4));
          for (let waited = 0; !existsSync(marker) && waited < 20_000; waited += 10)
            Atomics.wait(sleeper, 0, 0, 10);
        }
      }
    }
    const result = await scanTree(slowWalk(), { workerScript: pathToFileURL(script), workers: 1 });
    expect(existsSync(marker)).toBe(true);
    expect(result.files).toBe(FILES);
    expect(result.found).toEqual([...planted].sort());
  });
});
