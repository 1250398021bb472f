// What passed through the bridge in one interval: requests answered, errors, latency percentiles and bytes each
// way. Memory is bounded: at most MAX_PENDING requests are timed at once and MAX_SAMPLES latencies kept per
// interval (beyond that, a uniform sample of them).

const MAX_PENDING = 10_000;
const MAX_SAMPLES = 10_000;

export interface MetricsSnapshot {
  intervalMs: number;
  calls: number;
  errors: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  bytesIn: number;
  bytesOut: number;
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

type Message = { id?: unknown; method?: unknown; error?: unknown; result?: unknown };

export class ProxyMetrics {
  readonly #now: () => number;
  #pending = new Map<string, number>();
  #samples: number[] = [];
  #seen = 0;
  #calls = 0;
  #errors = 0;
  #bytesIn = 0;
  #bytesOut = 0;
  #since: number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.#since = now();
  }

  /** A message from the client, `bytes` long: a request starts its timer. */
  fromClient(message: unknown, bytes: number): void {
    this.#bytesIn += bytes;
    const { id, method } = (message ?? {}) as Message;
    if (typeof method !== "string" || (typeof id !== "string" && typeof id !== "number")) return;
    if (this.#pending.size >= MAX_PENDING) return;
    this.#pending.set(String(id), this.#now());
  }

  /** A message from the server: a response stops its request's timer; an error (or an isError result) counts. */
  fromServer(message: unknown, bytes: number): void {
    this.#bytesOut += bytes;
    const { id, method, error, result } = (message ?? {}) as Message;
    if (typeof method === "string" || (typeof id !== "string" && typeof id !== "number")) return;
    const started = this.#pending.get(String(id));
    if (started === undefined) return;
    this.#pending.delete(String(id));
    this.#calls += 1;
    if (error !== undefined || (result as { isError?: unknown } | undefined)?.isError === true)
      this.#errors += 1;
    this.#sample(this.#now() - started);
  }

  /** The figures since the last snapshot; starts the next interval. */
  snapshot(): MetricsSnapshot {
    const now = this.#now();
    const sorted = this.#samples.toSorted((a, b) => a - b);
    const out: MetricsSnapshot = {
      intervalMs: now - this.#since,
      calls: this.#calls,
      errors: this.#errors,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      p99Ms: percentile(sorted, 99),
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
    };
    this.#samples = [];
    this.#seen = 0;
    this.#calls = 0;
    this.#errors = 0;
    this.#bytesIn = 0;
    this.#bytesOut = 0;
    this.#since = now;
    return out;
  }

  #sample(ms: number): void {
    this.#seen += 1;
    if (this.#samples.length < MAX_SAMPLES) {
      this.#samples.push(ms);
      return;
    }
    // Reservoir sampling keeps every latency of the interval equally likely to be kept.
    const slot = Math.floor(Math.random() * this.#seen);
    if (slot < MAX_SAMPLES) this.#samples[slot] = ms;
  }
}

const ms = (value: number | null) => (value === null ? "-" : `${value.toFixed(1)} ms`);

/** One log line for a snapshot. */
export function formatMetrics(snapshot: MetricsSnapshot): string {
  return (
    `metrics (${Math.round(snapshot.intervalMs / 1000)} s): ${snapshot.calls} calls, ${snapshot.errors} errors, ` +
    `p50 ${ms(snapshot.p50Ms)}, p95 ${ms(snapshot.p95Ms)}, p99 ${ms(snapshot.p99Ms)}, ` +
    `${snapshot.bytesIn} bytes in, ${snapshot.bytesOut} bytes out`
  );
}
