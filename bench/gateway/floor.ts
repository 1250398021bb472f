// Starts the "worker-floor" target: bench/gateway/floor-worker.ts under `wrangler dev`, started the way
// test/support/local-stack.ts starts the gateway (wrangler's JS entry on this Node, 127.0.0.1, a free port, no
// interactive session, no Request.cf download), each run in its own process group, stopped by killing that group.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/support/local-stack.ts";

const HOST = "127.0.0.1";
const require = createRequire(import.meta.url);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the floor Worker answers on GET / (and on any path it does not forward). */
const FLOOR_BANNER = "helmet bench floor worker";

export interface Floor {
  /** Base URL, e.g. http://127.0.0.1:41235; /mcp/everything and /mcp/sse are forwarded. */
  url: string;
  /** The wrangler process that leads the floor's process group. */
  pid: number;
  output(): string;
  /** Ends the group (SIGTERM, then SIGKILL) and deletes the temporary state. Idempotent. */
  stop(): Promise<void>;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function answersAsFloor(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) });
    return (await response.text()).startsWith(FLOOR_BANNER);
  } catch {
    return false;
  }
}

async function startOnPort(
  port: number,
  upstreams: { everything: string; sse: string },
  options: { timeoutMs: number; echoOutput: boolean },
): Promise<Floor> {
  const wrangler = join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");
  const config = fileURLToPath(new URL("./floor-wrangler.toml", import.meta.url));
  const stateDir = mkdtempSync(join(tmpdir(), "helmet-bench-floor-"));
  const child = spawn(
    process.execPath,
    [
      wrangler,
      "dev",
      "--config",
      config,
      "--ip",
      HOST,
      "--port",
      String(port),
      "--persist-to",
      stateDir,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
      "--var",
      `EVERYTHING_URL:${upstreams.everything}`,
      "--var",
      `SSE_URL:${upstreams.sse}`,
    ],
    {
      env: {
        ...process.env,
        WRANGLER_HIDE_BANNER: "true",
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_SEND_ERROR_REPORTS: "false",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  const onExit = () => killGroup(child, "SIGKILL");
  process.once("exit", onExit);
  let output = "";
  const onData = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-16_384);
    if (options.echoOutput) process.stderr.write(`[floor] ${chunk.toString()}`);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code) => {
      exitCode = code;
      resolve();
    });
    child.once("error", (error) => {
      output += `\nspawn failed: ${error.message}`;
      exitCode = null;
      resolve();
    });
  });
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      if (exitCode === undefined) {
        killGroup(child, "SIGTERM");
        await Promise.race([exited, sleep(5_000)]);
      }
      killGroup(child, "SIGKILL"); // workerd children may outlive wrangler; the group kill reaches them
      await Promise.race([exited, sleep(2_000)]);
      process.removeListener("exit", onExit);
      rmSync(stateDir, { recursive: true, force: true });
      // wrangler bundles into .wrangler/tmp next to the config and empties it at exit; drop the empty folders.
      for (const dir of [".wrangler/tmp", ".wrangler"]) {
        try {
          rmdirSync(fileURLToPath(new URL(`./${dir}`, import.meta.url)));
        } catch {
          // not empty (another run) or not there
        }
      }
    })();
    return stopping;
  };

  const url = `http://${HOST}:${port}`;
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      await stop();
      throw new Error(`the floor's wrangler dev exited (code ${exitCode}) before it was ready:\n${output}`);
    }
    if (await answersAsFloor(url)) return { url, pid: child.pid ?? -1, output: () => output, stop };
    await sleep(200);
  }
  await stop();
  throw new Error(`the floor's wrangler dev was not ready within ${options.timeoutMs} ms:\n${output}`);
}

/** Starts the floor Worker forwarding to `upstreams`; tries another port if the one picked was taken meanwhile. */
export async function startFloor(
  upstreams: { everything: string; sse: string },
  options: { timeoutMs?: number; echoOutput?: boolean } = {},
): Promise<Floor> {
  const settings = { timeoutMs: options.timeoutMs ?? 90_000, echoOutput: options.echoOutput ?? false };
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPort(await freePort(), upstreams, settings);
    } catch (error) {
      const taken = error instanceof Error && /EADDRINUSE|address in use/i.test(error.message);
      if (attempt >= 3 || !taken) throw error;
    }
  }
}
