// Resident memory of wrangler's workerd processes, from /proc: VmRSS split into anonymous memory (the heaps, SQLite's
// page cache) and file-backed pages (mapped binaries and files).
import { readFileSync } from "node:fs";

export interface ProcessMemory {
  rss: number;
  anon: number;
  file: number;
}

/** A process's memory in KiB, or null when it is gone. */
export function memoryOf(pid: number): ProcessMemory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1] ?? 0);
    return { rss: field("VmRSS"), anon: field("RssAnon"), file: field("RssFile") };
  } catch {
    return null;
  }
}

/** VmRSS summed over `pids`, in KiB. */
export function totalRssKiB(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (memoryOf(pid)?.rss ?? 0), 0);
}

export interface MemorySpan {
  startKiB: number;
  peakKiB: number;
  endKiB: number;
}

/** Samples the summed VmRSS of `pids` every `intervalMs` until the returned function is called. */
export function watchMemory(pids: readonly number[], intervalMs = 250): () => MemorySpan {
  const startKiB = totalRssKiB(pids);
  let peakKiB = startKiB;
  const timer = setInterval(() => {
    peakKiB = Math.max(peakKiB, totalRssKiB(pids));
  }, intervalMs);
  return () => {
    clearInterval(timer);
    const endKiB = totalRssKiB(pids);
    return { startKiB, peakKiB: Math.max(peakKiB, endKiB), endKiB };
  };
}
