// Linux /proc helpers for the benchmark: the process tree under this process, resident memory, listening ports.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  /** R, S, D, Z (zombie: dead, waiting to be reaped) ... */
  state: string;
}

/** The process's /proc/<pid>/stat essentials, or null when there is no such process. */
export function procInfo(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may itself contain spaces or parentheses.
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    return { pid, ppid: Number(fields[1]), comm: stat.slice(open + 1, close), state: fields[0] ?? "?" };
  } catch {
    return null; // gone meanwhile
  }
}

function allProcesses(): ProcInfo[] {
  const list: ProcInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const info = procInfo(Number(entry));
    if (info) list.push(info);
  }
  return list;
}

/** Every process descended from `root` (not `root` itself). */
export function descendants(root: number): ProcInfo[] {
  const all = allProcesses();
  const children = new Map<number, ProcInfo[]>();
  for (const info of all) {
    const siblings = children.get(info.ppid) ?? [];
    siblings.push(info);
    children.set(info.ppid, siblings);
  }
  const found: ProcInfo[] = [];
  const queue = [root];
  for (let guard = 0; queue.length > 0 && guard < 100_000; guard++) {
    const pid = queue.shift() as number;
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

let clockTicks: number | null = null;

/** USER_HZ, the unit of /proc CPU times (100 on practically every Linux). */
export function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8", timeout: 2_000 }).trim());
    } catch {
      clockTicks = Number.NaN;
    }
    if (!Number.isFinite(clockTicks) || clockTicks <= 0) clockTicks = 100;
  }
  return clockTicks;
}

/** CPU time (user + system) the process has used so far, in ms (resolution 1/CLK_TCK s), or null when gone. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command name: state(0) ppid(1) ... utime(11) stime(12).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond();
  } catch {
    return null;
  }
}

/** CPU ms used so far by each thread of `pid`, by thread id. */
export function threadCpuMs(pid: number): Record<string, number> {
  const threads: Record<string, number> = {};
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      threads[tid] = ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond();
    } catch {
      // thread ended
    }
  }
  return threads;
}

/** Resident set size in KiB (VmRSS), or null when the process is gone. */
export function rssKiB(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

/** Socket inodes of TCP sockets in LISTEN state, mapped to their local port. */
function listeningSockets(): Map<string, number> {
  const sockets = new Map<string, number>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (cols.length < 10 || cols[3] !== "0A") continue;
      const port = Number.parseInt(cols[1]?.split(":")[1] ?? "", 16);
      if (Number.isFinite(port) && cols[9]) sockets.set(cols[9], port);
    }
  }
  return sockets;
}

/** TCP ports `pid` is listening on. */
export function listeningPorts(pid: number): number[] {
  const sockets = listeningSockets();
  const ports = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    const port = inode ? sockets.get(inode) : undefined;
    if (port !== undefined) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}
