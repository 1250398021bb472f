import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { type Goal, goalsTable, machineInfo, packageVersion } from "../run-info.ts";
import { type CpuDelta, cpuDelta, cpuSnapshot, type Role } from "./cpu.ts";
import { keepAliveAgent } from "./http-client.ts";
import { type PhaseResult, runPhase, type Summary, summarize } from "./load.ts";
import { McpSession, type Target } from "./mcp-client.ts";
import { POLICED_SERVER } from "./policies.ts";
import { descendants, type ProcInfo, procInfo, rssKiB } from "./proc.ts";
import { fixed, mib, signed, table } from "./report.ts";
import { type MemoryRun, type StreamRun, streamOnce, streamWithMemory } from "./sse-bench.ts";
import { type Stack, startStack } from "./stack.ts";

const MiB = 1024 * 1024;

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "4" },
    "phase-ms": { type: "string", default: "3000" },
    "max-calls": { type: "string", default: "200000" },
    "warmup-ms": { type: "string", default: "2000" },
    concurrency: { type: "string", default: "1,32" },
    "sse-mib": { type: "string", default: "10,100,300" },
    "sse-kinds": { type: "string", default: "message,progress" },
    "runtime-port": { type: "boolean", default: false },
    "no-floor": { type: "boolean", default: false },
    "no-policies": { type: "boolean", default: false },
    "no-calls": { type: "boolean", default: false },
    "no-sse": { type: "boolean", default: false },
    echo: { type: "boolean", default: false },
    "deadline-s": { type: "string", default: "600" },
    "quiet-pct": { type: "string", default: "15" },
    "quiet-wait-s": { type: "string", default: "60" },
    help: { type: "boolean", default: false },
  },
});

if (args.help) {
  process.stdout.write(`npm run bench:gateway -- [options]
  --rounds N          alternating measurement rounds per concurrency (4)
  --phase-ms MS       length of one target's phase in a round (3000)
  --max-calls N       cap on calls per phase (200000)
  --warmup-ms MS      warm-up per target and concurrency, not measured (2000)
  --concurrency LIST  lanes (sessions calling in parallel) (1,32)
  --sse-mib LIST      SSE stream sizes in MiB (10,100,300)
  --sse-kinds LIST    notification kinds in the stream: message, progress (message,progress)
  --no-floor          skip the worker-floor target (a pass-through Worker under its own wrangler dev)
  --no-policies       skip the gateway-policed target (the gateway with 200 policies and tool pinning)
  --runtime-port      also measure the diagnostic target that bypasses wrangler's proxy (off by default)
  --no-calls / --no-sse   skip a part
  --echo              copy the gateway's and server-everything's output to stderr
  --deadline-s S      hard limit for the whole run (600)
  --quiet-pct P       before measuring, wait until other processes use < P% of the machine (15)
  --quiet-wait-s S    ... but at most S seconds (60)
`);
  process.exit(0);
}

const int = (name: string, value: string | undefined, min: number): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
};
const intList = (name: string, value: string | undefined): number[] =>
  String(value)
    .split(",")
    .filter((v) => v.trim() !== "")
    .map((v) => int(name, v.trim(), 1));

const config = {
  rounds: int("rounds", args.rounds, 1),
  phaseMs: int("phase-ms", args["phase-ms"], 100),
  maxCalls: int("max-calls", args["max-calls"], 1),
  warmupMs: int("warmup-ms", args["warmup-ms"], 0),
  concurrency: intList("concurrency", args.concurrency),
  sseMiB: intList("sse-mib", args["sse-mib"]),
  sseKinds: String(args["sse-kinds"])
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k === "message" || k === "progress"),
  runtime: Boolean(args["runtime-port"]),
  floor: !args["no-floor"],
  policed: !args["no-policies"],
  calls: !args["no-calls"],
  sse: !args["no-sse"],
  deadlineS: int("deadline-s", args["deadline-s"], 10),
  quietPct: int("quiet-pct", args["quiet-pct"], 1),
  quietWaitS: int("quiet-wait-s", args["quiet-wait-s"], 0),
};

const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function machine() {
  return {
    ...machineInfo(["src", "wrangler.toml"]),
    serverEverything: packageVersion("@modelcontextprotocol/server-everything"),
  };
}

// -----------------------------------------------------------------------------------------------------------------
// Tool calls

interface CallTargets {
  direct: Target;
  floor: Target | null;
  gateway: Target;
  policed: Target | null;
  runtime: Target | null;
}

const FLOOR = "worker-floor";
const POLICED = "gateway-policed";

interface PhaseWithCpu extends PhaseResult {
  cpu: CpuDelta;
}

interface ConcurrencyResult {
  concurrency: number;
  phases: PhaseWithCpu[];
  summaries: Summary[];
  /** Per target: mean CPU ms per call by role, the machine's busy share, each workerd's busiest thread. */
  cpuPerCall: Record<
    string,
    {
      byRole: Record<string, number>;
      othersMs: number;
      machineBusyPct: number;
      busiestThreadPct: Record<string, number>;
    }
  >;
  /** RSS of the gateway's workerd processes before the sessions opened and after the last round. */
  rssKiB: { before: Record<string, number>; after: Record<string, number> };
}

function workerdRss(roles: readonly Role[]): Record<string, number> {
  const kib: Record<string, number> = {};
  for (const role of roles) {
    if (role.name.endsWith("workerd")) kib[`${role.name}:${role.pid}`] = rssKiB(role.pid) ?? 0;
  }
  return kib;
}

function targetsFor(stack: Stack, lanes: number): CallTargets {
  const auth = { authorization: `Bearer ${stack.token}` };
  const make = (label: string, url: string, headers: Record<string, string>): Target => ({
    label,
    url: new URL(url),
    headers,
    agent: keepAliveAgent(lanes),
  });
  return {
    direct: make("direct", stack.everything.url, {}),
    floor: stack.floor ? make(FLOOR, `${stack.floor.url}/mcp/everything`, {}) : null,
    gateway: make("gateway", `${stack.gateway.url}/mcp/everything`, auth),
    policed: config.policed ? make(POLICED, `${stack.gateway.url}/mcp/${POLICED_SERVER}`, auth) : null,
    runtime:
      config.runtime && stack.runtimeUrl
        ? make("gateway-no-wrangler-proxy", `${stack.runtimeUrl}/mcp/everything`, auth)
        : null,
  };
}

async function openSessions(target: Target, lanes: number): Promise<McpSession[]> {
  const sessions = await Promise.all(
    Array.from({ length: lanes }, (_, i) => McpSession.open(target, `${target.label}-c${lanes}-l${i}`)),
  );
  for (const session of sessions) await session.echo(true);
  return sessions;
}

async function measureConcurrency(stack: Stack, lanes: number): Promise<ConcurrencyResult> {
  const targets = targetsFor(stack, lanes);
  const list = [targets.direct, targets.floor, targets.gateway, targets.policed, targets.runtime].filter(
    (t): t is Target => t !== null,
  );
  const rssBefore = workerdRss(stack.roles);
  try {
    const sessions = new Map<string, McpSession[]>();
    for (const target of list) sessions.set(target.label, await openSessions(target, lanes));
    for (const target of list) {
      const warm = await runPhase(sessions.get(target.label) ?? [], {
        maxCalls: config.maxCalls,
        maxMs: config.warmupMs,
        round: -1,
      });
      if (warm.errors > 0) throw new Error(`warm-up of ${target.label} failed: ${warm.firstError}`);
      log(`c=${lanes} warm-up ${target.label}: ${(warm.calls / (warm.elapsedMs / 1000)).toFixed(0)} calls/s`);
    }
    const phases: PhaseWithCpu[] = [];
    for (let round = 0; round < config.rounds; round++) {
      // Rotate the order each round, so drift in the machine's load falls on every target alike.
      const order = list.map((_, i) => list[(i + round) % list.length] as Target);
      for (const target of order) {
        const before = cpuSnapshot(stack.roles);
        const phase = await runPhase(sessions.get(target.label) ?? [], {
          maxCalls: config.maxCalls,
          maxMs: config.phaseMs,
          round,
        });
        const cpu = cpuDelta(before, cpuSnapshot(stack.roles));
        phases.push({ ...phase, cpu });
        log(
          `c=${lanes} round ${round + 1}/${config.rounds} ${target.label}: ${phase.calls} calls, ` +
            `${(phase.calls / (phase.elapsedMs / 1000)).toFixed(0)} calls/s, ${phase.errors} errors`,
        );
      }
    }
    const summaries = list.map((target) => summarize(phases.filter((p) => p.target === target.label)));
    const cpuPerCall: ConcurrencyResult["cpuPerCall"] = {};
    for (const target of list) {
      const mine = phases.filter((p) => p.target === target.label);
      const calls = mine.reduce((sum, p) => sum + p.calls, 0);
      const wall = mine.reduce((sum, p) => sum + p.cpu.wallMs, 0);
      const busy = mine.reduce((sum, p) => sum + p.cpu.machineBusyMs, 0);
      const byRole: Record<string, number> = {};
      for (const p of mine) {
        for (const [role, ms] of Object.entries(p.cpu.byRole)) byRole[role] = (byRole[role] ?? 0) + ms;
      }
      for (const role of Object.keys(byRole)) byRole[role] = (byRole[role] ?? 0) / Math.max(1, calls);
      const busiestThreadPct: Record<string, number> = {};
      for (const p of mine) {
        for (const [role, pct] of Object.entries(p.cpu.busiestThreadPct)) {
          busiestThreadPct[role] = (busiestThreadPct[role] ?? 0) + (pct * p.cpu.wallMs) / wall;
        }
      }
      cpuPerCall[target.label] = {
        byRole,
        othersMs: mine.reduce((sum, p) => sum + p.cpu.othersMs, 0) / Math.max(1, calls),
        machineBusyPct: (100 * busy) / (wall * availableParallelism()),
        busiestThreadPct,
      };
    }
    const rss = { before: rssBefore, after: workerdRss(stack.roles) };
    return { concurrency: lanes, phases, summaries, cpuPerCall, rssKiB: rss };
  } finally {
    for (const target of list) target.agent.destroy();
  }
}

// -----------------------------------------------------------------------------------------------------------------
// SSE

interface SseResult {
  kind: string;
  sizeMiB: number;
  direct: StreamRun;
  /** The same stream through the pass-through floor Worker, or null without the floor. */
  floor: StreamRun | null;
  gateway: MemoryRun;
  /** Diagnostic: the same stream from the gateway's Worker runtime, bypassing wrangler's proxy (no RSS). */
  runtime: StreamRun | null;
}

async function measureSse(stack: Stack): Promise<SseResult[]> {
  const auth = { authorization: `Bearer ${stack.token}` };
  const direct = await McpSession.open(
    { label: "direct", url: new URL(stack.sse.url), headers: {}, agent: keepAliveAgent(1) },
    "sse-direct",
  );
  const gateway = await McpSession.open(
    {
      label: "gateway",
      url: new URL(`${stack.gateway.url}/mcp/sse`),
      headers: auth,
      agent: keepAliveAgent(1),
    },
    "sse-gateway",
  );
  const floor = stack.floor
    ? await McpSession.open(
        { label: FLOOR, url: new URL(`${stack.floor.url}/mcp/sse`), headers: {}, agent: keepAliveAgent(1) },
        "sse-floor",
      )
    : null;
  const runtime =
    config.runtime && stack.runtimeUrl
      ? await McpSession.open(
          {
            label: "gateway-no-wrangler-proxy",
            url: new URL(`${stack.runtimeUrl}/mcp/sse`),
            headers: auth,
            agent: keepAliveAgent(1),
          },
          "sse-runtime",
        )
      : null;
  // The gateway's two workerd processes (the floor's are not part of its memory).
  const memoryRoles: Role[] = stack.roles.filter(
    (r) => r.name === "wrangler-proxy-workerd" || r.name === "gateway-workerd",
  );
  const results: SseResult[] = [];
  try {
    for (const kind of config.sseKinds) {
      // Warm every path (JIT, connections) with a small stream first.
      for (const session of [direct, floor, gateway, runtime].filter((x): x is McpSession => x !== null)) {
        const warm = await streamOnce(session, 2 * MiB, kind, 60_000);
        if (!warm.ok) throw new Error(`SSE warm-up through ${session.target.label} failed: ${warm.detail}`);
      }
      for (const sizeMiB of config.sseMiB) {
        const bytes = sizeMiB * MiB;
        const timeoutMs = Math.max(30_000, sizeMiB * 2_000);
        const straight = await streamOnce(direct, bytes, kind, timeoutMs);
        const floored = floor ? await streamOnce(floor, bytes, kind, timeoutMs) : null;
        await sleep(1_000); // let the gateway's memory settle before the baseline
        const through = await streamWithMemory(gateway, bytes, kind, memoryRoles, {
          intervalMs: 100,
          beforeMs: 500,
          afterMs: 2_000,
          timeoutMs,
        });
        const bypass = runtime ? await streamOnce(runtime, bytes, kind, timeoutMs) : null;
        for (const run of [straight, floored, through.stream, bypass].filter(
          (x): x is StreamRun => x !== null,
        )) {
          if (!run.ok) throw new Error(`SSE ${sizeMiB} MiB through ${run.target} failed: ${run.detail}`);
        }
        log(
          `SSE ${kind} ${sizeMiB} MiB: direct ${straight.mibPerSecond.toFixed(0)} MiB/s, ` +
            (floored ? `floor ${floored.mibPerSecond.toFixed(0)} MiB/s, ` : "") +
            "gateway " +
            `${through.stream.mibPerSecond.toFixed(0)} MiB/s` +
            (bypass ? ` (without wrangler's proxy ${bypass.mibPerSecond.toFixed(0)} MiB/s)` : "") +
            `, workerd RSS ${mib(through.startTotalKiB).toFixed(0)} -> ` +
            `peak ${mib(through.peakTotalKiB).toFixed(0)} -> ${mib(through.endTotalKiB).toFixed(0)} MiB`,
        );
        results.push({ kind, sizeMiB, direct: straight, floor: floored, gateway: through, runtime: bypass });
      }
    }
  } finally {
    direct.target.agent.destroy();
    floor?.target.agent.destroy();
    gateway.target.agent.destroy();
    runtime?.target.agent.destroy();
  }
  return results;
}

// -----------------------------------------------------------------------------------------------------------------
// Reporting

function findSummary(results: ConcurrencyResult[], lanes: number, label: string): Summary | undefined {
  return results.find((r) => r.concurrency === lanes)?.summaries.find((s) => s.target === label);
}

/**
 * Flat memory: the RSS growth while streaming 100 MiB is under 3x the growth at 10 MiB (floored at 4 MiB against
 * noise); memory that grew with the stream would give ~10x. Uses the smallest and largest sizes when 10 and 100
 * were not both run.
 */
function memoryVerdict(sse: SseResult[], kind: string): { ratio: number; met: boolean | null; text: string } {
  const sizes = config.sseMiB;
  const both = sizes.includes(10) && sizes.includes(100);
  const small = sse.find((r) => r.kind === kind && r.sizeMiB === (both ? 10 : Math.min(...sizes)));
  const large = sse.find((r) => r.kind === kind && r.sizeMiB === (both ? 100 : Math.max(...sizes)));
  if (!small || !large || small === large) return { ratio: Number.NaN, met: null, text: "not measured" };
  const ratio = large.gateway.growthKiB / Math.max(small.gateway.growthKiB, 4 * 1024);
  return {
    ratio,
    met: ratio < 3,
    text:
      `growth ${fixed(mib(small.gateway.growthKiB), 1)} MiB at ${small.sizeMiB} MiB, ` +
      `${fixed(mib(large.gateway.growthKiB), 1)} MiB at ${large.sizeMiB} MiB: ${fixed(ratio, 2)}`,
  };
}

type CpuPerCall = ConcurrencyResult["cpuPerCall"][string];

/** Processes grouped by what they do, whichever wrangler stack (gateway's or floor's) they belong to. */
const CPU_LAYERS = [
  { name: "load gen", roles: ["self"] },
  { name: "server-everything", roles: ["server-everything"] },
  { name: "sse-source", roles: ["sse-source"] },
  { name: "wrangler (Node)", roles: ["wrangler-node", "floor-wrangler-node"] },
  { name: "proxy workerd", roles: ["wrangler-proxy-workerd", "floor-proxy-workerd"] },
  { name: "Worker workerd", roles: ["gateway-workerd", "floor-workerd"] },
] as const;
const THREAD_LAYERS = CPU_LAYERS.slice(-2);

/** One target against another, round by round: what `label` costs on top of `reference`. */
function comparison(calls: ConcurrencyResult[], label: string, reference: string, title: string): string[] {
  const rows = calls.flatMap((r) => {
    const base = r.summaries.find((s) => s.target === reference);
    const measured = r.summaries.find((s) => s.target === label);
    if (!base || !measured) return [];
    const perRound = measured.roundCallsPerSecond.map((v, i) => v / (base.roundCallsPerSecond[i] ?? v));
    return [
      [
        r.concurrency,
        fixed(measured.callsPerSecond / base.callsPerSecond, 3),
        `${fixed(Math.min(...perRound), 2)}-${fixed(Math.max(...perRound), 2)}`,
        signed(measured.p50Ms - base.p50Ms, 3),
        signed(measured.p99Ms - base.p99Ms, 3),
      ],
    ];
  });
  if (rows.length === 0) return [];
  return [
    title,
    "",
    table(
      ["conc", `throughput ${label}/${reference}`, "rounds min-max", "added p50 ms", "added p99 ms"],
      rows,
    ),
    "",
  ];
}

function render(calls: ConcurrencyResult[], sse: SseResult[], goals: Goal[]): string {
  const out: string[] = [];
  if (calls.length > 0) {
    out.push(
      `Tool calls (tools/call echo via server-everything): ${config.rounds} rounds x ${config.phaseMs} ms per target, order rotated each round`,
      "",
      table(
        ["conc", "target", "calls", "calls/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"],
        calls.flatMap((r) =>
          r.summaries.map((s) => [
            r.concurrency,
            s.target,
            s.calls,
            fixed(s.callsPerSecond, 0),
            fixed(s.p50Ms, 3),
            fixed(s.p90Ms, 3),
            fixed(s.p99Ms, 3),
            fixed(s.maxMs, 1),
            s.errors,
          ]),
        ),
      ),
      "",
      table(
        [
          "conc",
          "compared with direct",
          "throughput ratio",
          "rounds min-max",
          "added p50 ms",
          "added p99 ms",
        ],
        calls.flatMap((r) => {
          const direct = r.summaries.find((s) => s.target === "direct");
          if (!direct) return [];
          return r.summaries
            .filter((s) => s !== direct)
            .map((s) => {
              const perRound = s.roundCallsPerSecond.map((v, i) => v / (direct.roundCallsPerSecond[i] ?? v));
              return [
                r.concurrency,
                s.target,
                fixed(s.callsPerSecond / direct.callsPerSecond, 3),
                `${fixed(Math.min(...perRound), 2)}-${fixed(Math.max(...perRound), 2)}`,
                signed(s.p50Ms - direct.p50Ms, 3),
                signed(s.p99Ms - direct.p99Ms, 3),
              ];
            });
        }),
      ),
      "",
      ...comparison(
        calls,
        "gateway",
        FLOOR,
        "Gateway compared with worker-floor (what the gateway adds on top of the local platform):",
      ),
      ...comparison(
        calls,
        POLICED,
        "gateway",
        "Gateway with 200 policies, tool pinning and judged results, compared with the gateway without policies:",
      ),
      "CPU per call (ms of CPU time per completed call, by layer; each wrangler layer adds up the gateway's and the",
      "floor's process of that kind, and the stack not being called uses next to nothing):",
      "",
    );
    const perCall = calls.flatMap((r) => Object.values(r.cpuPerCall));
    const sum = (c: CpuPerCall, roles: readonly string[]) =>
      roles.reduce((t, role) => t + (c.byRole[role] ?? 0), 0);
    const busiest = (c: CpuPerCall, roles: readonly string[]) =>
      Math.max(0, ...roles.map((role) => c.busiestThreadPct[role] ?? 0));
    // Layers that did no work during the calls (the SSE source) are left out.
    const layers = CPU_LAYERS.filter((layer) => perCall.some((c) => sum(c, layer.roles) >= 0.01));
    out.push(
      table(
        [
          "conc",
          "target",
          ...layers.map((layer) => layer.name),
          "other procs",
          "machine busy %",
          ...THREAD_LAYERS.map((layer) => `${layer.name} busiest thread %`),
        ],
        calls.flatMap((r) =>
          Object.entries(r.cpuPerCall).map(([label, c]) => [
            r.concurrency,
            label,
            ...layers.map((layer) => fixed(sum(c, layer.roles), 3)),
            fixed(c.othersMs, 3),
            fixed(c.machineBusyPct, 0),
            ...THREAD_LAYERS.map((layer) => fixed(busiest(c, layer.roles), 0)),
          ]),
        ),
      ),
      "",
      "workerd RSS before the sessions opened -> after the last round (MiB):",
      ...calls.map(
        (r) =>
          `  c=${r.concurrency}: ` +
          Object.keys(r.rssKiB.before)
            .map(
              (key) =>
                `${key} ${fixed(mib(r.rssKiB.before[key] ?? 0), 0)} -> ${fixed(mib(r.rssKiB.after[key] ?? 0), 0)}`,
            )
            .join(", "),
      ),
      "",
    );
  }
  if (sse.length > 0) {
    const anyFloor = sse.some((r) => r.floor !== null);
    const anyRuntime = sse.some((r) => r.runtime !== null);
    out.push(
      "SSE streams (tools/call answered with ~64 KiB notifications, then the result), consumed as fast as possible;",
      "RSS = VmRSS summed over the gateway's workerd processes (wrangler's proxy + the Worker runtime), every ~100 ms;",
      "floor = the pass-through Worker; no-proxy = the gateway's Worker runtime reached directly, bypassing",
      "wrangler's proxy (diagnostic, with --runtime-port):",
      "",
      table(
        [
          "kind",
          "MiB",
          "direct MiB/s",
          ...(anyFloor ? ["floor MiB/s"] : []),
          "gateway MiB/s",
          "gateway/direct",
          ...(anyFloor ? ["gateway/floor"] : []),
          ...(anyRuntime ? ["no-proxy MiB/s"] : []),
          "RSS start MiB",
          "RSS peak MiB",
          "RSS end MiB",
          "peak growth MiB",
        ],
        sse.map((r) => [
          r.kind,
          r.sizeMiB,
          fixed(r.direct.mibPerSecond, 0),
          ...(anyFloor ? [r.floor ? fixed(r.floor.mibPerSecond, 0) : "n/a"] : []),
          fixed(r.gateway.stream.mibPerSecond, 0),
          fixed(r.gateway.stream.mibPerSecond / r.direct.mibPerSecond, 3),
          ...(anyFloor
            ? [r.floor ? fixed(r.gateway.stream.mibPerSecond / r.floor.mibPerSecond, 3) : "n/a"]
            : []),
          ...(anyRuntime ? [r.runtime ? fixed(r.runtime.mibPerSecond, 0) : "n/a"] : []),
          fixed(mib(r.gateway.startTotalKiB), 1),
          fixed(mib(r.gateway.peakTotalKiB), 1),
          fixed(mib(r.gateway.endTotalKiB), 1),
          fixed(mib(r.gateway.growthKiB), 1),
        ]),
      ),
      "",
      "Per process (start / peak / end RSS, MiB):",
      ...sse.map(
        (r) =>
          `  ${r.kind} ${r.sizeMiB} MiB: ` +
          Object.keys(r.gateway.startKiB)
            .map(
              (key) =>
                `${key} ${fixed(mib(r.gateway.startKiB[key] ?? 0), 0)} / ${fixed(mib(r.gateway.peakKiB[key] ?? 0), 0)} / ${fixed(mib(r.gateway.endKiB[key] ?? 0), 0)}`,
            )
            .join(", "),
      ),
      "",
    );
  }
  out.push(...goalsTable(goals));
  return out.join("\n");
}

function goalsOf(calls: ConcurrencyResult[], sse: SseResult[]): Goal[] {
  const goals: Goal[] = [];
  const d1 = findSummary(calls, 1, "direct");
  const g1 = findSummary(calls, 1, "gateway");
  const added = d1 && g1 ? g1.p50Ms - d1.p50Ms : Number.NaN;
  goals.push({
    goal: "added p50 latency, concurrency 1",
    required: "<= 1 ms",
    measured: `${fixed(added, 3)} ms`,
    met: Number.isFinite(added) ? added <= 1 : null,
  });
  const d32 = findSummary(calls, 32, "direct");
  const g32 = findSummary(calls, 32, "gateway");
  const ratio = d32 && g32 ? g32.callsPerSecond / d32.callsPerSecond : Number.NaN;
  goals.push({
    goal: "throughput vs direct, concurrency 32",
    required: ">= 0.5x",
    measured: `${fixed(ratio, 3)}x`,
    met: Number.isFinite(ratio) ? ratio >= 0.5 : null,
  });
  // The same two rules against the floor instead of server-everything: not the goals, a reference for what the
  // gateway's own code costs once the local platform's share is set aside.
  const f1 = findSummary(calls, 1, FLOOR);
  const f32 = findSummary(calls, 32, FLOOR);
  if (f1 && g1) {
    const overFloor = g1.p50Ms - f1.p50Ms;
    goals.push({
      goal: "reference: added p50 over worker-floor, c=1",
      required: "<= 1 ms",
      measured: `${fixed(overFloor, 3)} ms`,
      met: overFloor <= 1,
    });
  }
  if (f32 && g32) {
    const ofFloor = g32.callsPerSecond / f32.callsPerSecond;
    goals.push({
      goal: "reference: throughput vs worker-floor, c=32",
      required: ">= 0.5x",
      measured: `${fixed(ofFloor, 3)}x`,
      met: ofFloor >= 0.5,
    });
  }
  for (const kind of config.sseKinds) {
    const verdict = memoryVerdict(sse, kind);
    goals.push({
      goal: `flat memory, SSE (${kind})`,
      required: "growth(100 MiB) / max(growth(10 MiB), 4 MiB) < 3",
      measured: verdict.text,
      met: verdict.met,
    });
  }
  return goals;
}

// -----------------------------------------------------------------------------------------------------------------
// Main

/**
 * Other sessions may share the machine: waits (bounded) until processes that are not ours use under
 * `maxPct` of the machine's CPU over a 2 s window, so the figures are not taken in someone else's storm.
 */
async function waitForQuiet(roles: readonly Role[], maxPct: number, maxWaitMs: number) {
  const started = performance.now();
  let othersPct = Number.NaN;
  while (performance.now() - started < maxWaitMs) {
    const before = cpuSnapshot(roles);
    await sleep(2_000);
    const delta = cpuDelta(before, cpuSnapshot(roles));
    othersPct = (100 * delta.othersMs) / (delta.wallMs * availableParallelism());
    if (othersPct < maxPct) break;
    log(`other processes use ${othersPct.toFixed(0)}% of the machine; waiting for quiet`);
  }
  return { waitedMs: Math.round(performance.now() - started), othersPct: Number(othersPct.toFixed(1)) };
}

/**
 * Waits (bounded) until every process in `spawned` is gone. Processes whose parent died are re-parented away
 * from this process, so they are followed by pid (and name, against pid reuse), not by the tree. Zombies count
 * as gone: they have exited and only wait for their new parent to reap them.
 */
async function waitForGone(spawned: readonly ProcInfo[], timeoutMs: number): Promise<ProcInfo[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = [...spawned, ...descendants(process.pid)].filter((p) => {
      const now = procInfo(p.pid);
      return now !== null && now.comm === p.comm && now.state !== "Z";
    });
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await sleep(200);
  }
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const info = machine();
  log(
    `machine: ${info.nproc} cores (${info.cpuModel}), node ${info.node}, load ${info.loadavgAtStart.join(" ")}`,
  );
  const t0 = performance.now();
  const stack = await startStack({ echoOutput: Boolean(args.echo), floor: config.floor });
  log(
    `stack up in ${((performance.now() - t0) / 1000).toFixed(1)} s: gateway ${stack.gateway.url}` +
      (stack.floor ? `, floor ${stack.floor.url}` : ""),
  );
  log(`processes: ${stack.roles.map((r) => `${r.name}=${r.pid}`).join(", ")}`);

  let stopping: Promise<void> | null = null;
  const stopStack = () => {
    stopping ??= stack.stop();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping`);
    void stopStack().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const watchdog = setTimeout(() => {
    log(`the run passed its ${config.deadlineS} s deadline: stopping`);
    void stopStack().finally(() => process.exit(2));
  }, config.deadlineS * 1000);

  const calls: ConcurrencyResult[] = [];
  const sse: SseResult[] = [];
  let failure: unknown = null;
  let quiet = { waitedMs: 0, othersPct: Number.NaN };
  let spawned: ProcInfo[] = descendants(process.pid);
  try {
    quiet = await waitForQuiet(stack.roles, config.quietPct, config.quietWaitS * 1000);
    log(
      `machine load from other processes before measuring: ${quiet.othersPct}% (waited ${quiet.waitedMs} ms)`,
    );
    // SSE first, while the workerd processes are fresh: the call phases leave their heaps large.
    if (config.sse) sse.push(...(await measureSse(stack)));
    if (config.calls) {
      for (const lanes of config.concurrency) calls.push(await measureConcurrency(stack, lanes));
    }
  } catch (error) {
    failure = error;
  } finally {
    clearTimeout(watchdog);
    spawned = [...spawned, ...descendants(process.pid)];
    await stopStack();
  }
  const left = await waitForGone(spawned, 10_000);
  for (const proc of left) {
    try {
      process.kill(proc.pid, "SIGKILL"); // ours: started by this run
    } catch {
      // gone
    }
  }
  const leftovers = [...new Set(left.map((p) => `${p.comm}:${p.pid}`))];
  if (failure) throw failure;

  const goals = goalsOf(calls, sse);
  const report = render(calls, sse, goals);
  process.stdout.write(
    `\nHelmet gateway benchmark, ${startedAt.toISOString()}\n` +
      `machine: ${info.nproc} cores (nproc), ${info.cpuModel}, ${info.memoryGiB} GiB; node ${info.node}; ` +
      `wrangler ${info.wrangler}, workerd ${info.workerd}; load average at start ${info.loadavgAtStart.join(" ")}; ` +
      `other processes' CPU before measuring ${quiet.othersPct}% of the machine; gateway at ${info.revision}\n\n` +
      `${report}\n\n` +
      `processes left after stop: ${leftovers.length === 0 ? "none" : leftovers.join(", ")}\n`,
  );

  const resultsDir = new URL("../results/", import.meta.url);
  mkdirSync(resultsDir, { recursive: true });
  const file = new URL(`gateway-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`, resultsDir);
  const round3 = (v: number) => Math.round(v * 1000) / 1000;
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        machine: { ...info, loadavgAtEnd: loadavg().map((v) => Number(v.toFixed(2))), quiet },
        config,
        roles: stack.roles,
        calls: calls.map((r) => ({
          concurrency: r.concurrency,
          summaries: r.summaries,
          cpuPerCall: r.cpuPerCall,
          phases: r.phases.map((p) => ({ ...p, latenciesMs: p.latenciesMs.map(round3) })),
        })),
        sse,
        goals,
        leftovers,
      },
      null,
      1,
    )}\n`,
  );
  process.stdout.write(`raw figures: ${file.pathname}\n`);
  const errors = calls.flatMap((r) => r.summaries).reduce((sum, s) => sum + s.errors, 0);
  return errors > 0 || leftovers.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
