// Scanning a walk's files on every core: the walk's files are cut into batches as they come, and this thread and
// scan workers (scan-worker.ts, one per further core) take them in turn from one shared counter, so no thread waits
// for another to hand it work and all finish together. Workers start while the walk is still running and scan its
// first batches while this thread walks the rest.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type BatchResult, scanBatch } from "./file-batch.ts";
import type { WalkedFile } from "./file-walk.ts";
import { ALL_SCANNERS, type Scanner } from "./scanners.ts";

/** What this thread tells a scan worker: a batch of the walk (numbered from 0, in order), or that the walk ended. */
export type ToWorker = { batch: number; files: WalkedFile[] } | { end: number };
/** What a scan worker answers: a scanned batch, or that it found none left to claim after the walk ended. */
export type FromWorker = { batch: number; result: BatchResult } | { idle: true };
/** A worker's `workerData`: the shared counter, element 0 the next batch nobody has claimed. */
export interface WorkerSetup {
  claims: SharedArrayBuffer;
  scanners: Scanner[];
}

/** Files per batch: big enough that a message costs little, small enough to keep every thread busy to the end. */
const BATCH_FILES = 200;
/** Workers start once the walk has listed this many files: below it a worker's start-up costs more than it saves. */
const PARALLEL_FROM_FILES = 1_000;
const MAX_WORKERS = 7;

/**
 * Claims the next batch for the caller when `available` batches exist: its number, or -1 when every available batch
 * is claimed. Safe between threads (compare-and-swap on the shared counter).
 */
export function claimBatch(claims: Int32Array, available: number): number {
  for (;;) {
    const next = Atomics.load(claims, 0);
    if (next >= available) return -1;
    if (Atomics.compareExchange(claims, 0, next, next + 1) === next) return next;
  }
}

export interface ParallelOptions {
  /** The worker's script: the bundle's scan-worker.js beside this file unless a test names another. */
  workerScript?: URL;
  /** How many workers to start: one per further core (at most 7) unless set. */
  workers?: number;
  /** What each file is scanned for (all by default). */
  scanners?: ReadonlySet<Scanner>;
}

/** A started scan worker. */
interface Helper {
  worker: Worker;
  /** Settles when the worker has said it is idle after the walk ended, or has stopped (crashed, or never ran). */
  finished: Promise<void>;
}

/**
 * Scans every file of `files` (a walk, consumed here) with this thread and up to one worker per further core;
 * `merge` receives each batch's result once, in no particular order. A batch a worker did not finish (it could not
 * run, or it crashed) is scanned by this thread.
 */
export async function scanInParallel(
  files: Iterable<WalkedFile>,
  merge: (batch: BatchResult) => void,
  options: ParallelOptions = {},
): Promise<void> {
  const {
    workerScript = new URL("./scan-worker.js", import.meta.url),
    workers = Math.min(MAX_WORKERS, availableParallelism() - 1),
    scanners = ALL_SCANNERS,
  } = options;
  const claims = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const batches: WalkedFile[][] = [];
  const done: boolean[] = [];
  let settled = 0;
  let walked = false;
  let allSettled = () => {};
  const settle = (index: number, result: BatchResult) => {
    if (done[index]) return;
    done[index] = true;
    merge(result);
    settled += 1;
    if (walked && settled === batches.length) allSettled();
  };
  const helpers: Helper[] = [];
  const send = (message: ToWorker) => {
    for (const { worker } of helpers) worker.postMessage(message);
  };

  let listed = 0;
  let current: WalkedFile[] = [];
  const close = () => {
    batches.push(current);
    send({ batch: batches.length - 1, files: current });
    current = [];
  };
  for (const file of files) {
    current.push(file);
    listed += 1;
    if (current.length === BATCH_FILES) close();
    if (listed === PARALLEL_FROM_FILES) {
      for (let i = 0; i < workers; i++) {
        const setup = { claims: claims.buffer as SharedArrayBuffer, scanners: [...scanners] };
        const helper = startHelper(workerScript, setup, settle);
        if (!helper) break;
        for (const [index, batch] of batches.entries()) {
          helper.worker.postMessage({ batch: index, files: batch } satisfies ToWorker);
        }
        helpers.push(helper);
      }
    }
  }
  if (current.length > 0) close();
  walked = true;
  send({ end: batches.length });

  // This thread scans too, yielding between batches so worker answers and the progress line get their turn.
  for (
    let index = claimBatch(claims, batches.length);
    index !== -1;
    index = claimBatch(claims, batches.length)
  ) {
    settle(index, scanBatch(batches[index] as WalkedFile[], scanners));
    if (helpers.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  // Every batch is claimed: wait for the workers' last answers, or for the workers to stop without giving them.
  if (settled < batches.length) {
    const answered = new Promise<void>((resolve) => {
      allSettled = resolve;
    });
    await Promise.race([answered, Promise.all(helpers.map((helper) => helper.finished))]);
  }
  await Promise.all(helpers.map(({ worker }) => worker.terminate()));
  batches.forEach((batch, index) => {
    if (!done[index]) settle(index, scanBatch(batch, scanners));
  });
}

/** A scan worker, or null when none can start here. */
function startHelper(
  script: URL,
  setup: WorkerSetup,
  settle: (index: number, result: BatchResult) => void,
): Helper | null {
  let worker: Worker;
  try {
    worker = new Worker(script, { workerData: setup });
  } catch {
    return null;
  }
  const finished = new Promise<void>((resolve) => {
    worker.on("message", (message: FromWorker) => {
      if ("idle" in message) resolve();
      else settle(message.batch, message.result);
    });
    // A worker that cannot run (its script missing when running from source) or crashed leaves its claims here.
    worker.once("error", () => resolve());
    worker.once("exit", () => resolve());
  });
  return { worker, finished };
}
