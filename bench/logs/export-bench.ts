// One /api/v1/logs/export download, read as fast as it comes, counting rows by line without parsing them, while the
// resident memory of wrangler's workerd processes is sampled every ~100 ms (VmRSS, split into anonymous memory,
// the heap, and file-backed pages, such as a mapped database file).
import { type Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { memoryOf } from "./workerd-memory.ts";

export interface MemorySample {
  atMs: number;
  rowsSoFar: number;
  /** Per pid: VmRSS, RssAnon, RssFile in KiB. */
  byPid: Record<string, { rss: number; anon: number; file: number }>;
}

export interface ExportRun {
  format: "ndjson" | "csv";
  label: string;
  since: number;
  until: number;
  expectedRows: number;
  rows: number;
  bytes: number;
  status: number;
  complete: boolean;
  /** Why the run is not a valid measurement (wrong count, timeout, error), or null. */
  problem: string | null;
  ms: number;
  firstByteMs: number;
  rowsPerSecond: number;
  mibPerSecond: number;
  /** Rows per second over the first and the last tenth of the rows: a page cost that grows with the offset shows. */
  firstTenthRowsPerSecond: number;
  lastTenthRowsPerSecond: number;
  memory: MemoryVerdictInput;
  samples: MemorySample[];
}

export interface MemoryVerdictInput {
  /** Sums over the workerd processes, KiB: the last sample before the request, the highest during and after. */
  startRss: number;
  peakRss: number;
  startAnon: number;
  peakAnon: number;
  startFile: number;
  peakFile: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Downloads one export and samples memory from `beforeMs` before it until `afterMs` after it. */
export async function exportWithMemory(options: {
  agent: Agent;
  url: URL;
  headers: Record<string, string>;
  format: "ndjson" | "csv";
  label: string;
  since: number;
  until: number;
  expectedRows: number;
  pids: readonly number[];
  intervalMs: number;
  beforeMs: number;
  afterMs: number;
  timeoutMs: number;
}): Promise<ExportRun> {
  const samples: MemorySample[] = [];
  let rows = 0;
  let lines = 0;
  let bytes = 0;
  let requestStarted = Number.NaN;
  const origin = performance.now();
  const sample = () => {
    const byPid: MemorySample["byPid"] = {};
    for (const pid of options.pids) {
      const memory = memoryOf(pid);
      if (memory) byPid[String(pid)] = memory;
    }
    samples.push({ atMs: performance.now() - origin, rowsSoFar: rows, byPid });
  };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      sample();
      await sleep(options.intervalMs);
    }
  })();
  await sleep(options.beforeMs);

  // Time each row arrived at, sampled: enough to tell the rate at the start from the rate at the end.
  const marks: Array<[number, number]> = [];
  const headerLines = options.format === "csv" ? 1 : 0;
  let tail = "";
  let head = "";
  requestStarted = performance.now();
  let firstByteMs = Number.NaN;
  const outcome = await new Promise<{ status: number; error: string | null }>((resolve) => {
    const req = request({
      agent: options.agent,
      host: options.url.hostname,
      port: options.url.port,
      path: options.url.pathname + options.url.search,
      method: "GET",
      headers: options.headers,
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`not complete within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    req.once("error", (error) => {
      clearTimeout(timer);
      resolve({ status: 0, error: error.message });
    });
    req.once("response", (res) => {
      res.on("data", (chunk: Buffer) => {
        if (Number.isNaN(firstByteMs)) firstByteMs = performance.now() - requestStarted;
        bytes += chunk.byteLength;
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
        rows = Math.max(0, lines - headerLines);
        if (head.length < 4_096) head += chunk.subarray(0, 4_096).toString("utf8");
        tail = (tail + chunk.subarray(Math.max(0, chunk.byteLength - 4_096)).toString("utf8")).slice(-4_096);
        const last = marks.at(-1);
        if (!last || performance.now() - requestStarted - last[1] >= 50)
          marks.push([rows, performance.now() - requestStarted]);
      });
      res.once("error", (error) => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, error: error.message });
      });
      res.once("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, error: null });
      });
    });
    req.end();
  });
  const ms = performance.now() - requestStarted;
  marks.push([rows, ms]);
  await sleep(options.afterMs);
  sampling = false;
  await sampler;

  const requestAt = requestStarted - origin;
  const before = samples.filter((s) => s.atMs <= requestAt).at(-1) ?? samples[0];
  const during = samples.filter((s) => s.atMs > requestAt);
  const total = (s: MemorySample | undefined, key: "rss" | "anon" | "file") =>
    s ? Object.values(s.byPid).reduce((sum, m) => sum + m[key], 0) : 0;
  const peak = (key: "rss" | "anon" | "file") =>
    Math.max(total(before, key), ...during.map((s) => total(s, key)));
  const rateBetween = (fromRow: number, toRow: number) => {
    const from = marks.find(([r]) => r >= fromRow);
    const to = marks.find(([r]) => r >= toRow);
    return from && to && to[1] > from[1] ? (to[0] - from[0]) / ((to[1] - from[1]) / 1000) : Number.NaN;
  };
  let problem: string | null = null;
  if (outcome.error) problem = `failed after ${rows} rows: ${outcome.error}`;
  else if (outcome.status !== 200) problem = `HTTP ${outcome.status}: ${head.slice(0, 300)}`;
  else if (rows !== options.expectedRows) problem = `${rows} rows, expected ${options.expectedRows}`;
  else if (options.format === "ndjson" && rows > 0) {
    try {
      const first = JSON.parse(head.slice(0, head.indexOf("\n"))) as { ts: string };
      const lastLine = tail.trimEnd().split("\n").at(-1) ?? "";
      const final = JSON.parse(lastLine) as { ts: string };
      if (Date.parse(first.ts) < options.since || Date.parse(final.ts) >= options.until)
        problem = `rows outside the window (${first.ts} .. ${final.ts})`;
    } catch {
      problem = "the first or last line is not JSON";
    }
  } else if (options.format === "csv" && !head.startsWith("id,ts,")) problem = "no CSV header";
  return {
    format: options.format,
    label: options.label,
    since: options.since,
    until: options.until,
    expectedRows: options.expectedRows,
    rows,
    bytes,
    status: outcome.status,
    complete: outcome.error === null && outcome.status === 200,
    problem,
    ms,
    firstByteMs,
    rowsPerSecond: rows / (ms / 1000),
    mibPerSecond: bytes / 1024 / 1024 / (ms / 1000),
    firstTenthRowsPerSecond: rateBetween(0, rows / 10),
    lastTenthRowsPerSecond: rateBetween((rows * 9) / 10, rows),
    memory: {
      startRss: total(before, "rss"),
      peakRss: peak("rss"),
      startAnon: total(before, "anon"),
      peakAnon: peak("anon"),
      startFile: total(before, "file"),
      peakFile: peak("file"),
    },
    samples,
  };
}
