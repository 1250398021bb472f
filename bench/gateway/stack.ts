// Starts what the benchmark measures: the gateway (wrangler dev + workerd + local D1) and server-everything through
// the shared launcher, plus the SSE source and the pass-through floor Worker (floor.ts); registers both upstreams
// with the gateway; finds the processes behind each.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  type Everything,
  type Gateway,
  startEverything,
  startGateway,
} from "../../test/support/local-stack.ts";
import type { Role } from "./cpu.ts";
import { type Floor, startFloor } from "./floor.ts";
import { benchPolicies, POLICED_SERVER } from "./policies.ts";
import { commandLine, descendants, listeningPorts } from "./proc.ts";

const HOST = "127.0.0.1";

export interface SseSource {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Starts bench/gateway/sse-source.ts as a child in its own process group; it exits when its stdin closes. */
export function startSseSource(timeoutMs = 15_000): Promise<SseSource> {
  const entry = fileURLToPath(new URL("./sse-source.ts", import.meta.url));
  const child = spawn(process.execPath, [entry, "--max-seconds", "900"], {
    stdio: ["pipe", "pipe", "inherit"],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.once("exit", () => killGroup(child, "SIGKILL"));
  const stop = async () => {
    child.stdin?.end();
    await Promise.race([exited, sleep(2_000)]);
    killGroup(child, "SIGKILL");
    await Promise.race([exited, sleep(2_000)]);
  };
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the SSE source did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the SSE source exited (code ${code}) before it was ready`));
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split("\n")[0];
      if (!text.includes("\n") || line === undefined) return;
      clearTimeout(timer);
      try {
        const { port } = JSON.parse(line) as { port: number };
        resolve({ url: `http://${HOST}:${port}/mcp`, pid: child.pid ?? -1, stop });
      } catch {
        void stop();
        reject(new Error(`the SSE source said: ${line}`));
      }
    });
  });
}

export interface Stack {
  gateway: Gateway;
  everything: Everything;
  sse: SseSource;
  /** The pass-through Worker under its own `wrangler dev`, or null when it was not asked for. */
  floor: Floor | null;
  /** The bearer token every gateway request carries (sub bench, team bench, roles admin). */
  token: string;
  /** The gateway's Worker runtime reached directly, bypassing wrangler's proxy workerd (diagnostic), or null. */
  runtimeUrl: string | null;
  /** Processes by role, for CPU and memory accounting. */
  roles: Role[];
  stop(): Promise<void>;
}

async function post(
  gateway: Gateway,
  token: string,
  path: string,
  body: Record<string, unknown>,
): Promise<void> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  if (response.status !== 201) {
    throw new Error(
      `POST ${path} (${String(body.name)}) failed: HTTP ${response.status} ${await response.text()}`,
    );
  }
}

function register(gateway: Gateway, token: string, name: string, url: string, extra = {}): Promise<void> {
  return post(gateway, token, "/api/v1/servers", {
    name,
    url,
    description: "helmet gateway benchmark",
    ...extra,
  });
}

async function isGatewayRoot(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://${HOST}:${port}/`, { signal: AbortSignal.timeout(2_000) });
    const text = await response.text();
    return response.ok && text.includes("Helmet MCP gateway");
  } catch {
    return false;
  }
}

/**
 * Sorts our descendant processes into roles: wrangler's proxy workerd, the gateway runtime workerd, and so on. The
 * floor's processes are told apart by their process group (its wrangler leads one).
 */
async function findRoles(
  gatewayPort: number,
  sse: SseSource,
  floor: Floor | null,
): Promise<{ roles: Role[]; runtimePort: number | null }> {
  const roles: Role[] = [];
  let runtimePort: number | null = null;
  const floorPids = new Set(floor ? descendants(floor.pid).map((p) => p.pid) : []);
  const floorPort = floor ? Number(new URL(floor.url).port) : -1;
  for (const proc of descendants(process.pid)) {
    const cmd = commandLine(proc.pid);
    if (floorPids.has(proc.pid)) {
      if (proc.comm === "workerd") {
        const proxy = listeningPorts(proc.pid).includes(floorPort);
        roles.push({ name: proxy ? "floor-proxy-workerd" : "floor-workerd", pid: proc.pid });
      } else if (cmd.includes("wrangler-dist/cli.js")) {
        roles.push({ name: "floor-wrangler-node", pid: proc.pid });
      }
    } else if (proc.comm === "workerd") {
      const ports = listeningPorts(proc.pid);
      if (ports.includes(gatewayPort)) {
        roles.push({ name: "wrangler-proxy-workerd", pid: proc.pid });
        continue;
      }
      roles.push({ name: "gateway-workerd", pid: proc.pid });
      // The runtime also listens for its inspector and a debug (capnp) port; only the entry answers GET / as the
      // gateway. (The capnp port logs a warning about the stray HTTP request; it is harmless.)
      for (const port of ports) {
        if (runtimePort === null && (await isGatewayRoot(port))) runtimePort = port;
      }
    } else if (cmd.includes("server-everything")) {
      roles.push({ name: "server-everything", pid: proc.pid });
    } else if (cmd.includes("wrangler-dist/cli.js")) {
      roles.push({ name: "wrangler-node", pid: proc.pid });
    } else if (proc.pid === sse.pid) {
      roles.push({ name: "sse-source", pid: proc.pid });
    }
  }
  return { roles, runtimePort };
}

export async function startStack(options: { echoOutput: boolean; floor: boolean }): Promise<Stack> {
  // The floor needs the upstreams' URLs, so it starts once they are up, while the gateway is still starting.
  const gatewayStart = startGateway({ echoOutput: options.echoOutput });
  const upstreams = Promise.allSettled([
    startEverything({ echoOutput: options.echoOutput }),
    startSseSource(),
  ]);
  const floorStart = upstreams.then(([e, s]) =>
    options.floor && e.status === "fulfilled" && s.status === "fulfilled"
      ? startFloor({ everything: e.value.url, sse: s.value.url }, { echoOutput: options.echoOutput })
      : null,
  );
  const [g, u, f] = await Promise.allSettled([gatewayStart, upstreams, floorStart]);
  const [e, s] = u.status === "fulfilled" ? u.value : [];
  const started = [g, e, s, f];
  const stopStarted = () =>
    Promise.all(started.map((r) => (r?.status === "fulfilled" ? r.value?.stop() : undefined)));
  if (
    g.status !== "fulfilled" ||
    e?.status !== "fulfilled" ||
    s?.status !== "fulfilled" ||
    f.status !== "fulfilled"
  ) {
    await stopStarted();
    const failed = started.find((r) => r?.status === "rejected") as PromiseRejectedResult | undefined;
    throw failed?.reason ?? new Error("the stack did not start");
  }
  const gateway = g.value;
  const everything = e.value;
  const sse = s.value;
  const floor = f.value;
  const stop = async () => {
    await stopStarted();
  };
  try {
    const token = await gateway.mintToken({ sub: "bench", team: "bench", roles: ["admin"], ttl: "2h" });
    await register(gateway, token, "everything", everything.url);
    await register(gateway, token, "sse", sse.url);
    // The same upstream once more, with the full enforcement path on (policies.ts).
    await register(gateway, token, POLICED_SERVER, everything.url, { hide_changed_tools: true });
    for (const policy of benchPolicies()) await post(gateway, token, "/api/v1/policies", policy);
    const { roles, runtimePort } = await findRoles(Number(new URL(gateway.url).port), sse, floor);
    return {
      gateway,
      everything,
      sse,
      floor,
      token,
      runtimeUrl: runtimePort === null ? null : `http://${HOST}:${runtimePort}`,
      roles,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
