// The gateway under `wrangler dev` on a D1 the benchmark prepared itself: migrations applied into a persist dir of
// its own (seeded in between by seed.ts), then `wrangler dev --persist-to` on that dir, launched like
// test/support/local-stack.ts does it (own process group, fresh secrets in an env file, nothing off loopback).
// Wrangler runs from a copy of the Worker's source taken at the start, so an edit to src/ during the run neither
// reloads the Worker mid-measurement (which cuts a streaming export) nor changes what is measured.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, signToken } from "../../test/support/local-stack.ts";
import { descendants, listeningPorts, type ProcInfo, procInfo } from "../gateway/proc.ts";

const HOST = "127.0.0.1";
const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WRANGLER = join(
  dirname(createRequire(import.meta.url).resolve("wrangler/package.json")),
  "bin",
  "wrangler.js",
);
/** Keeps wrangler and miniflare off the network and non-interactive. */
const QUIET_ENV = {
  CI: "1",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface GatewayState {
  /** The copy of the Worker's source wrangler runs from. */
  workerDir: string;
  persistDir: string;
  envFile: string;
  jwtSecret: string;
}

/** Copies what wrangler builds the Worker from into `dir` (node_modules linked, not copied). */
function snapshotWorker(dir: string): void {
  for (const entry of ["src", "migrations", "wrangler.toml", "tsconfig.json", "package.json"]) {
    cpSync(join(PROJECT_ROOT, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
}

export interface Launched {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

/** Runs wrangler with `args` in its own process group; its output is kept (the last 64 KiB) for error messages. */
export function launch(cwd: string, args: string[], echo: boolean): Launched {
  const child = spawn(process.execPath, [WRANGLER, ...args], {
    cwd,
    env: { ...process.env, ...QUIET_ENV },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const killAtExit = () => killGroup(child, "SIGKILL");
  process.once("exit", killAtExit);
  let text = "";
  const onData = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-65_536);
    if (echo) process.stderr.write(`[wrangler] ${chunk.toString()}`);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      process.removeListener("exit", killAtExit);
      resolve(code);
    });
    child.once("error", (error) => {
      text += `spawn failed: ${error.message}\n`;
      resolve(null);
    });
  });
  return { child, output: () => text, exited };
}

export async function terminate(launched: Launched, graceMs: number): Promise<void> {
  if (launched.child.exitCode === null && launched.child.signalCode === null) {
    killGroup(launched.child, "SIGTERM");
    await Promise.race([launched.exited, sleep(graceMs)]);
  }
  // workerd may outlive wrangler; the group kill reaches it.
  killGroup(launched.child, "SIGKILL");
  await Promise.race([launched.exited, sleep(graceMs)]);
}

/**
 * Waits (bounded) until every process of `list` has exited, so the D1 file is free once stop() resolves: the group
 * kill reaches workerd at once, but a process with gigabytes resident takes a moment to go. Zombies count as gone.
 */
async function waitGone(list: readonly ProcInfo[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const alive = list.filter((p) => {
      const now = procInfo(p.pid);
      return now !== null && now.comm === p.comm && now.state !== "Z";
    });
    if (alive.length === 0) return;
    await sleep(100);
  }
}

/**
 * Copies the Worker's source to `dir/worker`, writes fresh secrets to an env file and applies the migrations to a
 * local D1 under `dir/state`.
 */
export async function prepareState(dir: string, timeoutMs = 120_000): Promise<GatewayState> {
  const jwtSecret = randomBytes(32).toString("base64url");
  const workerDir = join(dir, "worker");
  snapshotWorker(workerDir);
  const envFile = join(dir, "gateway.env");
  const persistDir = join(dir, "state");
  const vars = {
    JWT_SECRET: jwtSecret,
    ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    ALLOW_PRIVATE_UPSTREAMS: "true",
    ALLOW_HTTP_UPSTREAMS: "true",
  };
  writeFileSync(
    envFile,
    `${Object.entries(vars)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n")}\n`,
    { mode: 0o600 },
  );
  const migrate = launch(
    workerDir,
    ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir],
    false,
  );
  const outcome = await Promise.race([migrate.exited, sleep(timeoutMs).then(() => "timeout" as const)]);
  await terminate(migrate, 2_000);
  if (outcome !== 0) {
    throw new Error(
      `wrangler d1 migrations apply failed (${String(outcome)}):\n${migrate.output().slice(-4_000)}`,
    );
  }
  return { workerDir, persistDir, envFile, jwtSecret };
}

export interface RunningGateway {
  url: string;
  /** wrangler's Node process (the leader of the process group). */
  pid: number;
  /** The workerd processes under wrangler: its proxy and the Worker runtime (which also holds the local D1). */
  workerd(): Array<{ pid: number; role: "proxy" | "runtime" }>;
  mintToken(claims: { sub: string; team: string; roles: string[] }): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `wrangler dev` on `state` on a free loopback port and waits until the Worker answers. */
export async function startGateway(
  state: GatewayState,
  echo: boolean,
  timeoutMs = 120_000,
): Promise<RunningGateway> {
  const port = await freePort();
  const launched = launch(
    state.workerDir,
    [
      "dev",
      "--ip",
      HOST,
      "--port",
      String(port),
      "--env-file",
      state.envFile,
      "--persist-to",
      state.persistDir,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    echo,
  );
  const url = `http://${HOST}:${port}`;
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void launched.exited.then((code) => {
    exitCode = code;
  });
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(
        `wrangler dev exited (${exitCode}) before it was ready:\n${launched.output().slice(-4_000)}`,
      );
    }
    if (Date.now() > deadline) {
      await terminate(launched, 2_000);
      throw new Error(
        `wrangler dev was not ready within ${timeoutMs} ms:\n${launched.output().slice(-4_000)}`,
      );
    }
    try {
      const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      break;
    } catch {
      await sleep(200);
    }
  }
  // The proxy can answer before the Worker runtime is up: ready means three authenticated answers in a row.
  const token = await signToken({
    sub: "readiness",
    team: "readiness",
    roles: ["viewer"],
    secret: state.jwtSecret,
  });
  for (let ok = 0; ok < 3; ) {
    if (exitCode !== undefined || Date.now() > deadline) {
      await terminate(launched, 2_000);
      throw new Error(`wrangler dev did not answer /api/v1/me:\n${launched.output().slice(-4_000)}`);
    }
    try {
      const response = await fetch(`${url}/api/v1/me`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(5_000),
      });
      await response.body?.cancel();
      ok = response.status === 200 ? ok + 1 : 0;
    } catch {
      ok = 0;
      await sleep(200);
    }
  }
  const pid = launched.child.pid ?? -1;
  let stopping: Promise<void> | null = null;
  return {
    url,
    pid,
    workerd: () =>
      descendants(pid)
        .filter((p) => p.comm === "workerd")
        .map((p) => ({ pid: p.pid, role: listeningPorts(p.pid).includes(port) ? "proxy" : "runtime" })),
    mintToken: (claims) => signToken({ ...claims, secret: state.jwtSecret, ttl: "2h" }),
    output: launched.output,
    stop: () => {
      stopping ??= (async () => {
        const children = descendants(pid);
        await terminate(launched, 5_000);
        await waitGone(children, 15_000);
      })();
      return stopping;
    },
  };
}
