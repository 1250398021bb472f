// A scan worker (worker_threads): receives batches of files from file-scan.ts and answers each with what it found.
// Bundled as dist/scan-worker.js.
import module from "node:module";
import { parentPort } from "node:worker_threads";
import { scanBatch } from "./file-batch.ts";
import type { WalkedFile } from "./file-walk.ts";

module.enableCompileCache?.();

parentPort?.on("message", (batch: WalkedFile[]) => {
  parentPort?.postMessage(scanBatch(batch));
});
