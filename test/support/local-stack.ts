// Launches a real local stack on 127.0.0.1 for end-to-end tests and benchmarks: the gateway under `wrangler dev`
// (fresh secrets, fresh D1) and the reference MCP server "server-everything". Every wait is bounded, every child
// runs in its own process group, and stop() ends the whole group, so nothing outlives the caller.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type AddressInfo, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";

const HOST = "127.0.0.1";
const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const require = createRequire(import.meta.url);

/** Keeps wrangler and miniflare off the network: no banner update check, telemetry or Request.cf download. */
const QUIET_WRANGLER_ENV = {
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};

// ---------------------------------------------------------------------------------------------------------------
// Tokens

export interface TokenClaims {
  sub: string;
  team: string;
  roles?: string[];
  /** Lifetime: seconds, or a jose time span such as "1h". Default "1h". */
  ttl?: string | number;
}

export interface SignTokenOptions extends TokenClaims {
  secret: string;
  /** Default: JWT_ISSUER in wrangler.toml. */
  issuer?: string;
  /** Default: the first JWT_AUDIENCE in wrangler.toml. */
  audience?: string;
}

/** A var from wrangler.toml's [vars] (simple `NAME = "value"` lines), or undefined. */
function wranglerVar(name: string): string | undefined {
  const toml = readFileSync(join(PROJECT_ROOT, "wrangler.toml"), "utf8");
  return new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, "m").exec(toml)?.[1];
}

const firstOf = (list: string | undefined) => list?.split(",")[0]?.trim() || undefined;

/** Signs an HS256 access token the way the gateway expects it (issuer and audience from wrangler.toml). */
export function signToken(options: SignTokenOptions): Promise<string> {
  const issuer = options.issuer ?? wranglerVar("JWT_ISSUER") ?? "helmet";
  const audience = options.audience ?? firstOf(wranglerVar("JWT_AUDIENCE")) ?? "helmet-gateway";
  return new SignJWT({ team: options.team, roles: options.roles ?? ["member"] })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(options.sub)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(options.ttl ?? "1h")
    .sign(new TextEncoder().encode(options.secret));
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

/** Picks a port that is free on 127.0.0.1 right now (the OS chooses it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The last `limit` characters a child wrote, for error messages. */
class OutputTail {
  #text = "";
  readonly limit: number;
  constructor(limit = 64 * 1024) {
    this.limit = limit;
  }
  append(chunk: Buffer | string): void {
    this.#text = (this.#text + chunk.toString()).slice(-this.limit);
  }
  toString(): string {
    return this.#text;
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/**
 * Last-resort cleanups (kill a process group, delete a temp dir), run if this process exits or is interrupted
 * before stop(). Detached children do not get the terminal's Ctrl-C, so without this they would be orphaned.
 */
const pendingCleanups = new Set<() => void>();
let exitHooksInstalled = false;

function runPendingCleanups(): void {
  for (const cleanup of pendingCleanups) {
    try {
      cleanup();
    } catch {
      // Best effort: the process is going away.
    }
  }
  pendingCleanups.clear();
}

/** Cleans up, then lets the signal do what it would have done had nobody else been listening: exit. */
function onInterrupt(signal: NodeJS.Signals): void {
  runPendingCleanups();
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onInterrupt);
    process.kill(process.pid, signal);
  }
}

/** Registers `cleanup` to run at exit unless the returned function is called first (the normal stop path). */
function atExit(cleanup: () => void): () => void {
  pendingCleanups.add(cleanup);
  if (!exitHooksInstalled) {
    exitHooksInstalled = true;
    process.once("exit", runPendingCleanups);
    process.on("SIGINT", onInterrupt);
    process.on("SIGTERM", onInterrupt);
  }
  return () => pendingCleanups.delete(cleanup);
}

interface Launched {
  child: ChildProcess;
  output: OutputTail;
  exited: Promise<number | null>;
  /** Drops the at-exit kill once the group is known to be gone. */
  forget: () => void;
}

/** Spawns `args` with this Node binary, detached into its own process group, output captured (never blocking). */
function launch(args: string[], env: Record<string, string>, echoOutput: string | null): Launched {
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const forget = atExit(() => killGroup(child, "SIGKILL"));
  const output = new OutputTail();
  const onData = (chunk: Buffer) => {
    output.append(chunk);
    if (echoOutput !== null) process.stderr.write(`[${echoOutput}] ${chunk.toString()}`);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", (error) => {
      output.append(`spawn failed: ${error.message}\n`);
      resolve(null);
    });
  });
  return { child, output, exited, forget };
}

/** Resolves after `ms`; an unref'd timer, so a deadline left pending never keeps the process alive. */
const sleep = (ms: number) => delay(ms, undefined, { ref: false });

/** Ends a launched process group: SIGTERM, up to `graceMs` for the leader to exit, then SIGKILL for everyone. */
async function terminate({ child, exited, forget }: Launched, graceMs: number): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    killGroup(child, "SIGTERM");
    await Promise.race([exited, sleep(graceMs)]);
  }
  // Grandchildren (workerd, esbuild) may outlive the leader; the group kill reaches them too.
  killGroup(child, "SIGKILL");
  await Promise.race([exited, sleep(graceMs)]);
  forget();
}

/** Polls `probe` until it returns true; fails when the process exits first or `timeoutMs` passes. */
async function waitUntil(
  what: string,
  launched: Launched,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void launched.exited.then((code) => {
    exitCode = code;
  });
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new StartupError(`${what} exited (code ${exitCode}) before it was ready`, launched.output);
    }
    if (await probe()) return;
    await sleep(200);
  }
  throw new StartupError(`${what} was not ready within ${timeoutMs} ms`, launched.output);
}

export class StartupError extends Error {
  override name = "StartupError";
  readonly output: string;
  constructor(message: string, output: OutputTail) {
    const text = output.toString().trim();
    super(
      text ? `${message}. Its output ended with:\n${text.slice(-8_000)}` : `${message}; it wrote nothing.`,
    );
    this.output = text;
  }
}

const portInUse = (error: unknown) =>
  error instanceof StartupError && /EADDRINUSE|already in use|address in use/i.test(error.output);

/** Runs a launcher on a fresh free port, trying again on another port if the chosen one was taken meanwhile. */
async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt >= attempts || !portInUse(error)) throw error;
    }
  }
}

async function httpAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Runs a short command to completion, bounded; rejects with its output when it fails. */
async function runToCompletion(what: string, args: string[], env: Record<string, string>, timeoutMs: number) {
  const launched = launch(args, env, null);
  const timedOut = sleep(timeoutMs).then(() => "timeout" as const);
  const outcome = await Promise.race([launched.exited, timedOut]);
  if (outcome === "timeout") {
    await terminate(launched, 2_000);
    throw new StartupError(`${what} did not finish within ${timeoutMs} ms`, launched.output);
  }
  killGroup(launched.child, "SIGKILL"); // anything it left behind
  launched.forget();
  if (outcome !== 0) throw new StartupError(`${what} failed (exit code ${outcome})`, launched.output);
}

/** Makes `stop` safe to call any number of times, concurrently or not. */
function once(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | null = null;
  return () => {
    stopping ??= stop();
    return stopping;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The gateway

export interface GatewayOptions {
  /** Extra Worker vars written to the env file, e.g. `{ SERVER_CACHE_TTL_MS: "0" }`. They override wrangler.toml. */
  vars?: Record<string, string>;
  /** Bound on migrations plus `wrangler dev` start-up. Default 90 s. */
  startupTimeoutMs?: number;
  /** Copy the gateway's output to this process's stderr (for debugging). Default false. */
  echoOutput?: boolean;
}

export interface Gateway {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** The HS256 secret the gateway verifies tokens with. */
  jwtSecret: string;
  /** Signs an access token this gateway accepts. */
  mintToken(claims: TokenClaims): Promise<string>;
  /** The last output wrangler and the Worker wrote (console.error from the Worker lands here). */
  output(): string;
  /** Ends wrangler and its children and deletes the temporary env file and database. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the gateway with `wrangler dev` on a free port of 127.0.0.1, with new secrets and an empty local D1
 * (migrations applied) in a temporary directory. The env file makes wrangler ignore any .dev.vars, so a
 * developer's local settings never leak into the run.
 */
export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const timeoutMs = options.startupTimeoutMs ?? 90_000;
  const deadline = Date.now() + timeoutMs;
  const remaining = () => Math.max(1_000, deadline - Date.now());
  const vars: Record<string, string> = {
    JWT_SECRET: randomBytes(32).toString("base64url"),
    ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    ALLOW_PRIVATE_UPSTREAMS: "true",
    ALLOW_HTTP_UPSTREAMS: "true",
    ...options.vars,
  };
  for (const [name, value] of Object.entries(vars)) {
    if (/[\r\n"'#]/.test(value))
      throw new Error(`gateway var ${name}: quotes, '#' and newlines are not supported`);
  }
  const jwtSecret = vars.JWT_SECRET ?? "";
  const dir = mkdtempSync(join(tmpdir(), "helmet-gateway-"));
  const envFile = join(dir, "gateway.env");
  const persistDir = join(dir, "state");
  const lines = Object.entries(vars).map(([name, value]) => `${name}=${value}`);
  writeFileSync(envFile, `${lines.join("\n")}\n`, { mode: 0o600 });
  const forgetDir = atExit(() => rmSync(dir, { recursive: true, force: true }));
  const removeDir = () => {
    rmSync(dir, { recursive: true, force: true });
    forgetDir();
  };
  const wrangler = join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");

  try {
    // stdin is not a terminal, so wrangler applies the migrations without asking.
    await runToCompletion(
      "wrangler d1 migrations apply",
      [wrangler, "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir],
      QUIET_WRANGLER_ENV,
      remaining(),
    );
  } catch (error) {
    removeDir();
    throw error;
  }

  const start = async (port: number): Promise<Gateway> => {
    const launched = launch(
      [
        wrangler,
        "dev",
        "--ip",
        HOST,
        "--port",
        String(port),
        "--env-file",
        envFile,
        "--persist-to",
        persistDir,
        "--show-interactive-dev-session=false",
        "--log-level",
        "warn",
      ],
      QUIET_WRANGLER_ENV,
      options.echoOutput ? "gateway" : null,
    );
    const url = `http://${HOST}:${port}`;
    try {
      await waitUntil("wrangler dev", launched, () => httpAnswers(`${url}/`), remaining());
    } catch (error) {
      await terminate(launched, 2_000);
      throw error;
    }
    return {
      url,
      jwtSecret,
      mintToken: (claims) =>
        signToken({
          ...claims,
          secret: jwtSecret,
          issuer: vars.JWT_ISSUER,
          audience: firstOf(vars.JWT_AUDIENCE),
        }),
      output: () => launched.output.toString(),
      stop: once(async () => {
        await terminate(launched, 5_000);
        removeDir();
      }),
    };
  };

  try {
    return await onFreePort(start);
  } catch (error) {
    removeDir();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// server-everything

export interface EverythingOptions {
  /** Bound on start-up. Default 30 s. */
  startupTimeoutMs?: number;
  /** Copy the server's output to this process's stderr (for debugging). Default false. */
  echoOutput?: boolean;
}

export interface Everything {
  /** Its Streamable HTTP endpoint, http://127.0.0.1:<port>/mcp. */
  url: string;
  output(): string;
  /** Ends the server. Idempotent. */
  stop(): Promise<void>;
}

/** Starts @modelcontextprotocol/server-everything (Streamable HTTP) on a free port. */
export async function startEverything(options: EverythingOptions = {}): Promise<Everything> {
  const entry = join(
    dirname(require.resolve("@modelcontextprotocol/server-everything/package.json")),
    "dist",
    "index.js",
  );
  return onFreePort(async (port) => {
    const launched = launch(
      [entry, "streamableHttp"],
      { PORT: String(port) },
      options.echoOutput ? "everything" : null,
    );
    try {
      await waitUntil(
        "server-everything",
        launched,
        () => tcpAccepts(port),
        options.startupTimeoutMs ?? 30_000,
      );
    } catch (error) {
      await terminate(launched, 2_000);
      throw error;
    }
    return {
      url: `http://${HOST}:${port}/mcp`,
      output: () => launched.output.toString(),
      stop: once(() => terminate(launched, 5_000)),
    };
  });
}
