// What every benchmark records about its run (the machine, the versions, the commit measured) and how it prints
// its goals, shared by bench/gateway and bench/logs.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { table } from "./gateway/report.ts";

const ROOT = new URL("..", import.meta.url);

export function packageVersion(name: string): string {
  try {
    const url = new URL(`node_modules/${name}/package.json`, ROOT);
    return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** The commit measured, marked when any of `paths` (what the bench measures) differs from it. */
export function gitRevision(paths: readonly string[]): string {
  const git = (...gitArgs: string[]) =>
    execFileSync("git", gitArgs, { cwd: ROOT, encoding: "utf8", timeout: 5_000 }).trim();
  try {
    const head = git("rev-parse", "--short", "HEAD");
    return git("status", "--porcelain", "--", ...paths) === "" ? head : `${head} (src modified)`;
  } catch {
    return "unknown";
  }
}

/** The machine and the software the run measured. */
export function machineInfo(revisionPaths: readonly string[]) {
  return {
    nproc: availableParallelism(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: Number((totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    wrangler: packageVersion("wrangler"),
    workerd: packageVersion("workerd"),
    loadavgAtStart: loadavg().map((v) => Number(v.toFixed(2))),
    revision: gitRevision(revisionPaths),
  };
}

export interface Goal {
  goal: string;
  required: string;
  measured: string;
  met: boolean | null;
}

/** The goals block that ends every bench's report. */
export function goalsTable(goals: readonly Goal[]): string[] {
  return [
    "Goals:",
    "",
    table(
      ["goal", "required", "measured", "verdict"],
      goals.map((g) => [
        g.goal,
        g.required,
        g.measured,
        g.met === null ? "not measured" : g.met ? "MET" : "NOT MET",
      ]),
    ),
  ];
}
