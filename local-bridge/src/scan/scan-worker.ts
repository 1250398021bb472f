// A scan worker (worker_threads), started by parallel-scan.ts: it receives the walk's batches as they are cut and
// scans whichever the shared counter gives it, answering each with what it found. Bundled as dist/scan/scan-worker.js.
import module from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import { scanBatch } from "./file-batch.ts";
import type { WalkedFile } from "./file-walk.ts";
import { claimBatch, type FromWorker, type ToWorker, type WorkerSetup } from "./parallel-scan.ts";

module.enableCompileCache?.();

const setup = workerData as WorkerSetup;
const claims = new Int32Array(setup.claims);
const scanners = new Set(setup.scanners);
const received: WalkedFile[][] = [];
let ended = false;

const answer = (message: FromWorker) => parentPort?.postMessage(message);

parentPort?.on("message", (message: ToWorker) => {
  if ("end" in message) ended = true;
  else received[message.batch] = message.files;
  // Batches arrive in order, so the ones received are the first `received.length`.
  for (
    let index = claimBatch(claims, received.length);
    index !== -1;
    index = claimBatch(claims, received.length)
  ) {
    answer({ batch: index, result: scanBatch(received[index] as WalkedFile[], scanners) });
  }
  if (ended) answer({ idle: true });
});
