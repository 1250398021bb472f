// CPU accounting per process role, so a phase can say where its CPU time went (ms of CPU per call), and how busy
// the whole machine was (other sessions' processes included).
import { readFileSync } from "node:fs";
import { cpuMs, threadCpuMs, ticksPerSecond } from "./proc.ts";

export interface Role {
  name: string;
  pid: number;
}

export interface CpuSnapshot {
  /** CPU ms used so far by each role ("self" is this process). */
  byRole: Record<string, number>;
  /** Per thread CPU ms of the workerd roles (a Worker isolate runs on one thread: this shows saturation). */
  threads: Record<string, Record<string, number>>;
  /** Whole-machine busy CPU ms so far (all cores), from /proc/stat. */
  machineBusyMs: number;
  at: number;
}

export interface CpuDelta {
  wallMs: number;
  byRole: Record<string, number>;
  /** Sum of byRole. */
  oursMs: number;
  machineBusyMs: number;
  /** Busy CPU time of everything else on the machine (other users of the 2 cores). */
  othersMs: number;
  /** For each workerd role: CPU of its busiest thread over the wall time, in % of one core. */
  busiestThreadPct: Record<string, number>;
}

function machineBusyMs(): number {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    const ticks = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
    return (ticks * 1000) / ticksPerSecond();
  } catch {
    return Number.NaN;
  }
}

export function cpuSnapshot(roles: readonly Role[]): CpuSnapshot {
  const usage = process.cpuUsage();
  const byRole: Record<string, number> = { self: (usage.user + usage.system) / 1000 };
  const threads: Record<string, Record<string, number>> = {};
  for (const role of roles) {
    byRole[role.name] = (byRole[role.name] ?? 0) + (cpuMs(role.pid) ?? 0);
    if (role.name.endsWith("workerd")) threads[`${role.name}:${role.pid}`] = threadCpuMs(role.pid);
  }
  return { byRole, threads, machineBusyMs: machineBusyMs(), at: performance.now() };
}

export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuDelta {
  const byRole: Record<string, number> = {};
  let oursMs = 0;
  for (const [name, ms] of Object.entries(after.byRole)) {
    const used = Math.max(0, ms - (before.byRole[name] ?? 0));
    byRole[name] = used;
    oursMs += used;
  }
  const machine = after.machineBusyMs - before.machineBusyMs;
  const wallMs = after.at - before.at;
  const busiestThreadPct: Record<string, number> = {};
  for (const [key, threads] of Object.entries(after.threads)) {
    let busiest = 0;
    for (const [tid, ms] of Object.entries(threads)) {
      busiest = Math.max(busiest, ms - (before.threads[key]?.[tid] ?? 0));
    }
    busiestThreadPct[key.split(":")[0] ?? key] = (100 * busiest) / wallMs;
  }
  return {
    wallMs,
    byRole,
    oursMs,
    machineBusyMs: machine,
    othersMs: Math.max(0, machine - oursMs),
    busiestThreadPct,
  };
}
