// The local bridge benchmark (issue 4), every figure against a baseline measured in the same run:
//   1. proxy: tools/call echo to server-everything over stdio, straight and through `helmet`, in alternating rounds;
//   2. serve: the same calls over Streamable HTTP through `helmet serve` and through `supergateway --stdio`;
//   3. size: a 1 MiB and a 10 MiB message relayed by `helmet` (linear time means a ratio near 10);
//   4. start-up: spawn to the first relayed byte, through `helmet` and straight.
// `npm run bench:bridge [-- --help]`. Tables on stdout, progress on stderr, raw figures in bench/results/.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { availableParallelism, cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { fixed, signed, table } from "../gateway/report.ts";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "4" },
    calls: { type: "string", default: "1000" },
    "helmet-node": { type: "string", default: process.execPath },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  process.stdout.write(`npm run bench:bridge -- [options]
  --rounds N          alternating rounds per comparison (4)
  --calls N           calls per target per round (1000)
  --helmet-node PATH  the Node that runs helmet (this one; /usr/bin/node to measure Node 20)
`);
  process.exit(0);
}
const ROUNDS = Number(args.rounds);
const CALLS = Number(args.calls);
const HELMET_NODE = String(args["helmet-node"]);
const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const HELMET = root("local-bridge/dist/cli.js");
const EVERYTHING = [
  process.execPath,
  root("node_modules/@modelcontextprotocol/server-everything/dist/index.js"),
  "stdio",
];
const SUPERGATEWAY = root("node_modules/supergateway/dist/index.js");
const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);

const sorted = (values: number[]) => values.toSorted((a, b) => a - b);
const quantile = (values: number[], q: number) => {
  const s = sorted(values);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
};
const median = (values: number[]) => quantile(values, 0.5);

// ---------------------------------------------------------------------------------------------------------------
// A minimal JSON-RPC client over a child's stdio, the same for both targets.

class StdioPeer {
  readonly child: ChildProcess;
  /** The unterminated line so far, in pieces: each chunk is scanned once, so long lines cost linear time. */
  #parts: string[] = [];
  #pending = new Map<number, (line: string) => void>();
  #next = 1;

  constructor(command: string[]) {
    this.child = spawn(command[0] as string, command.slice(1), { stdio: ["pipe", "pipe", "ignore"] });
    this.child.stdout?.setEncoding("utf8");
    this.child.stdout?.on("data", (text: string) => {
      let rest = text;
      let end = rest.indexOf("\n");
      while (end !== -1) {
        this.#parts.push(rest.slice(0, end));
        const line = this.#parts.join("");
        this.#parts = [];
        rest = rest.slice(end + 1);
        end = rest.indexOf("\n");
        const id = /"id":(\d+)/.exec(line.slice(0, 64))?.[1] ?? /"id":(\d+)[,}]/.exec(line.slice(-64))?.[1];
        const waiter = id === undefined ? undefined : this.#pending.get(Number(id));
        if (waiter) {
          this.#pending.delete(Number(id));
          waiter(line);
        }
      }
      if (rest) this.#parts.push(rest);
    });
  }

  request(method: string, params: unknown): Promise<string> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.child.stdin?.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    });
  }

  notify(method: string): void {
    this.child.stdin?.write(`${JSON.stringify({ jsonrpc: "2.0", method })}\n`);
  }

  async initialize(): Promise<void> {
    await this.request("initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "bench", version: "1" },
    });
    this.notify("notifications/initialized");
  }

  async close(): Promise<void> {
    const closed = new Promise((resolve) => this.child.once("close", resolve));
    this.child.stdin?.end();
    setTimeout(() => this.child.kill("SIGKILL"), 5_000).unref();
    await closed;
  }
}

interface Phase {
  target: string;
  latencies: number[];
  elapsedMs: number;
}

/** CALLS calls on each lane (one session each), the lanes in parallel. */
async function echoPhase(target: string, ...lanes: Array<() => Promise<void>>): Promise<Phase> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    lanes.map(async (call) => {
      for (let i = 0; i < CALLS; i += 1) {
        const t0 = performance.now();
        await call();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { target, latencies, elapsedMs: performance.now() - started };
}

function summarize(phases: Phase[], target: string) {
  const mine = phases.filter((p) => p.target === target);
  const latencies = mine.flatMap((p) => p.latencies);
  const calls = latencies.length;
  const elapsed = mine.reduce((t, p) => t + p.elapsedMs, 0);
  return {
    target,
    callsPerSecond: calls / (elapsed / 1000),
    p50: median(latencies),
    p99: quantile(latencies, 0.99),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 1. proxy mode

/**
 * The floor: the cheapest relay a Node process can be, a child whose stdio is piped straight through, with no
 * parsing. What it costs over direct is what any stdio relay in Node pays on this machine.
 */
const PIPE_FLOOR =
  "const c=require('child_process').spawn(process.argv[1],process.argv.slice(2),{stdio:['pipe','pipe','inherit']});" +
  "process.stdin.pipe(c.stdin);c.stdout.pipe(process.stdout);c.on('exit',s=>process.exit(s??0))";

async function benchProxy() {
  const peers = {
    direct: new StdioPeer(EVERYTHING),
    "node-pipe floor": new StdioPeer([HELMET_NODE, "-e", PIPE_FLOOR, ...EVERYTHING]),
    helmet: new StdioPeer([HELMET_NODE, HELMET, ...EVERYTHING]),
  };
  const targets = Object.keys(peers) as Array<keyof typeof peers>;
  await Promise.all(Object.values(peers).map((peer) => peer.initialize()));
  const echo = (peer: StdioPeer) => async () => {
    const line = await peer.request("tools/call", { name: "echo", arguments: { message: "bench" } });
    if (!line.includes("Echo: bench")) throw new Error(`unexpected answer: ${line.slice(0, 200)}`);
  };
  for (const peer of Object.values(peers)) for (let i = 0; i < 200; i += 1) await echo(peer)();
  const phases: Phase[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    // Rotate the order each round, so drift in the machine's load falls on every target alike.
    const order = targets.map((_, k) => targets[(k + round) % targets.length] as keyof typeof peers);
    for (const target of order) phases.push(await echoPhase(target, echo(peers[target])));
    log(`proxy round ${round + 1}/${ROUNDS} done`);
  }
  await Promise.all(Object.values(peers).map((peer) => peer.close()));
  return {
    direct: summarize(phases, "direct"),
    floor: summarize(phases, "node-pipe floor"),
    helmet: summarize(phases, "helmet"),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 2. serve mode against supergateway

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function post(agent: Agent, port: number, path: string, body: unknown, session?: string) {
  return new Promise<{ status: number; session: string | undefined; text: string }>((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-06-18",
          ...(session ? { "mcp-session-id": session } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          const header = res.headers["mcp-session-id"];
          resolve({
            status: res.statusCode ?? 0,
            session: typeof header === "string" ? header : undefined,
            text,
          });
        });
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited early`);
    const open = await new Promise<boolean>((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: "/", method: "GET" }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on("error", () => resolve(false));
      req.end();
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not listen on ${port}`);
}

async function httpSession(port: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const opened = await post(agent, port, "/mcp", {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
  });
  if (opened.status !== 200 || !opened.session)
    throw new Error(`initialize failed: ${opened.status} ${opened.text}`);
  await post(agent, port, "/mcp", { jsonrpc: "2.0", method: "notifications/initialized" }, opened.session);
  let id = 1;
  return {
    call: async () => {
      const answer = await post(
        agent,
        port,
        "/mcp",
        {
          jsonrpc: "2.0",
          id: id++,
          method: "tools/call",
          params: { name: "echo", arguments: { message: "bench" } },
        },
        opened.session,
      );
      if (answer.status !== 200 || !answer.text.includes("Echo: bench")) {
        throw new Error(`unexpected answer: ${answer.status} ${answer.text.slice(0, 200)}`);
      }
    },
    close: () => agent.destroy(),
  };
}

/** Sessions in parallel in the serve comparison's second part: enough to keep both cores busy. */
const SERVE_LANES = 8;

async function benchServe() {
  const [helmetPort, gatewayPort] = await Promise.all([freePort(), freePort()]);
  const helmet = spawn(HELMET_NODE, [HELMET, "serve", "--port", String(helmetPort), ...EVERYTHING], {
    stdio: "ignore",
  });
  const supergateway = spawn(
    process.execPath,
    [
      SUPERGATEWAY,
      "--stdio",
      EVERYTHING.join(" "),
      "--outputTransport",
      "streamableHttp",
      "--stateful",
      "--port",
      String(gatewayPort),
      "--logLevel",
      "none",
    ],
    { stdio: "ignore" },
  );
  try {
    await Promise.all([
      waitForPort(helmetPort, helmet, "helmet serve"),
      waitForPort(gatewayPort, supergateway, "supergateway"),
    ]);
    const lanes = {
      "helmet serve": await Promise.all(Array.from({ length: SERVE_LANES }, () => httpSession(helmetPort))),
      supergateway: await Promise.all(Array.from({ length: SERVE_LANES }, () => httpSession(gatewayPort))),
    };
    for (const all of Object.values(lanes))
      for (const lane of all) for (let i = 0; i < 50; i += 1) await lane.call();
    const phases: Phase[] = [];
    const parallel: Phase[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const order =
        round % 2 === 0
          ? (["helmet serve", "supergateway"] as const)
          : (["supergateway", "helmet serve"] as const);
      for (const target of order)
        phases.push(await echoPhase(target, (lanes[target][0] as { call: () => Promise<void> }).call));
      for (const target of order)
        parallel.push(await echoPhase(target, ...lanes[target].map((lane) => lane.call)));
      log(`serve round ${round + 1}/${ROUNDS} done`);
    }
    for (const all of Object.values(lanes)) for (const lane of all) lane.close();
    return {
      helmet: summarize(phases, "helmet serve"),
      supergateway: summarize(phases, "supergateway"),
      parallel: {
        helmet: summarize(parallel, "helmet serve"),
        supergateway: summarize(parallel, "supergateway"),
      },
    };
  } finally {
    helmet.kill("SIGTERM");
    supergateway.kill("SIGTERM");
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 3. message size, 4. start-up

/** A stdio server that echoes each line's text, in linear time (it scans only new input for the newline). */
const LINE_ECHO =
  "let parts=[];process.stdin.setEncoding('utf8');process.stdin.on('data',d=>{let i;" +
  "while((i=d.indexOf('\\n'))>=0){parts.push(d.slice(0,i));const m=JSON.parse(parts.join(''));parts=[];" +
  "d=d.slice(i+1);process.stdout.write(JSON.stringify({jsonrpc:'2.0',id:m.id,result:{text:m.params.text}})+'\\n')}" +
  "if(d)parts.push(d)})";

async function benchSize() {
  const row = async (target: "direct" | "helmet") => {
    const command = [process.execPath, "-e", LINE_ECHO];
    const peer = new StdioPeer(target === "direct" ? command : [HELMET_NODE, HELMET, ...command]);
    const timeOf = async (mib: number) => {
      const text = "x".repeat(mib * 1024 * 1024);
      const times: number[] = [];
      for (let i = 0; i < 6; i += 1) {
        const t0 = performance.now();
        const line = await peer.request("big", { text });
        if (line.length < text.length) throw new Error("short answer");
        if (i > 0) times.push(performance.now() - t0);
      }
      return median(times);
    };
    const oneMiBMs = await timeOf(1);
    const tenMiBMs = await timeOf(10);
    await peer.close();
    return { target, oneMiBMs, tenMiBMs, ratio: tenMiBMs / oneMiBMs };
  };
  return { direct: await row("direct"), helmet: await row("helmet") };
}

async function firstByteMs(command: string[]): Promise<number> {
  const t0 = performance.now();
  const child = spawn(command[0] as string, command.slice(1), { stdio: ["pipe", "pipe", "ignore"] });
  const ms = await new Promise<number>((resolve) =>
    child.stdout?.once("data", () => resolve(performance.now() - t0)),
  );
  child.stdin?.end();
  child.kill("SIGKILL");
  return ms;
}

async function benchStartup() {
  const server = [
    process.execPath,
    "-e",
    'process.stdout.write(\'{"jsonrpc":"2.0","method":"ready"}\\n\');setInterval(()=>{},1e3)',
  ];
  const direct: number[] = [];
  const helmet: number[] = [];
  for (let i = 0; i < 10; i += 1) {
    direct.push(await firstByteMs(server));
    helmet.push(await firstByteMs([HELMET_NODE, HELMET, ...server]));
  }
  return { directMs: median(direct), helmetMs: median(helmet) };
}

// ---------------------------------------------------------------------------------------------------------------

const startedAt = new Date();
log(`helmet on ${HELMET_NODE}; ${ROUNDS} rounds x ${CALLS} calls per target`);
const proxy = await benchProxy();
const serve = await benchServe();
const size = await benchSize();
const startup = await benchStartup();

const out: string[] = [];
out.push(
  `Helmet bridge benchmark, ${startedAt.toISOString()}; ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}); ` +
    `node ${process.version}; helmet on ${HELMET_NODE}`,
  "",
  "1. Proxy mode: tools/call echo to server-everything over stdio, one call at a time",
  "",
  table(
    ["target", "calls/s", "p50 ms", "p99 ms"],
    [proxy.direct, proxy.floor, proxy.helmet].map((s) => [
      s.target,
      fixed(s.callsPerSecond, 0),
      fixed(s.p50, 3),
      fixed(s.p99, 3),
    ]),
  ),
  "",
  `helmet/direct throughput ${fixed(proxy.helmet.callsPerSecond / proxy.direct.callsPerSecond, 3)} (goal >= 0.9), ` +
    `added p50 ${signed(proxy.helmet.p50 - proxy.direct.p50, 3)} ms (goal <= 0.1)`,
  `floor/direct throughput ${fixed(proxy.floor.callsPerSecond / proxy.direct.callsPerSecond, 3)}, ` +
    `added p50 ${signed(proxy.floor.p50 - proxy.direct.p50, 3)} ms; helmet/floor throughput ` +
    `${fixed(proxy.helmet.callsPerSecond / proxy.floor.callsPerSecond, 3)}`,
  "",
  "2. Serve mode: the same calls over Streamable HTTP (stateful sessions, keep-alive), one call at a time",
  "",
  table(
    ["target", "calls/s", "p50 ms", "p99 ms"],
    [serve.helmet, serve.supergateway].map((s) => [
      s.target,
      fixed(s.callsPerSecond, 0),
      fixed(s.p50, 3),
      fixed(s.p99, 3),
    ]),
  ),
  "",
  `helmet serve/supergateway throughput ${fixed(serve.helmet.callsPerSecond / serve.supergateway.callsPerSecond, 3)} (goal >= 1.5)`,
  "",
  `The same with ${SERVE_LANES} sessions calling in parallel (both cores busy):`,
  "",
  table(
    ["target", "calls/s", "p50 ms", "p99 ms"],
    [serve.parallel.helmet, serve.parallel.supergateway].map((s) => [
      s.target,
      fixed(s.callsPerSecond, 0),
      fixed(s.p50, 3),
      fixed(s.p99, 3),
    ]),
  ),
  "",
  `helmet serve/supergateway throughput at ${SERVE_LANES} sessions ${fixed(
    serve.parallel.helmet.callsPerSecond / serve.parallel.supergateway.callsPerSecond,
    3,
  )} (goal >= 1.5)`,
  "",
  "3. Message size: one line echoed back by a bare stdio server, median of 5",
  "",
  table(
    ["target", "1 MiB ms", "10 MiB ms", "10 MiB / 1 MiB"],
    [size.direct, size.helmet].map((s) => [
      s.target,
      fixed(s.oneMiBMs, 1),
      fixed(s.tenMiBMs, 1),
      fixed(s.ratio, 2),
    ]),
  ),
  "",
  `linear time: helmet's ratio ${fixed(size.helmet.ratio, 2)} (10 is linear; quadratic would be near 100)`,
  "",
  "4. Start-up: spawn to the first byte a server writes at once, median of 10",
  "",
  `direct ${fixed(startup.directMs, 1)} ms, through helmet ${fixed(startup.helmetMs, 1)} ms ` +
    `(${signed(startup.helmetMs - startup.directMs, 1)} ms; goal: first relayed byte <= 100 ms)`,
);
process.stdout.write(`${out.join("\n")}\n`);
mkdirSync(root("bench/results"), { recursive: true });
const file = root(`bench/results/bridge-${startedAt.toISOString().replaceAll(":", "-")}.json`);
writeFileSync(
  file,
  JSON.stringify({ startedAt, helmetNode: HELMET_NODE, proxy, serve, size, startup }, null, 2),
);
process.stdout.write(`raw figures: ${file}\n`);
