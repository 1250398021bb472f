// `npm run bench:scan`: the performance of secret scanning (issue 6). A generated repository; the core's
// throughput on its clean text in memory against trivial passes; Helmet's CLI and secretlint over the whole tree in
// the same run; recall and false positives of both on the rule test strings. Figures are ratios to baselines
// measured in the same run; nothing here asserts a timing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { fixed } from "../gateway/report.ts";
import { goalsTable, machineInfo, packageVersion } from "../run-info.ts";
import { measureRecall, summarizeRecall } from "./recall.ts";
import { generateRepo, type Repo } from "./repo.ts";
import { goalsOf, type Results, render, type TreeTiming } from "./report.ts";
import { measurePasses, measureRuleCosts, median } from "./throughput.ts";
import { evaluateTree } from "./tree-eval.ts";
import {
  prepareHelmetCli,
  runHelmet,
  runScanFilesChild,
  runSecretlint,
  type ScanFilesDetail,
  SECRETLINT_CONFIG,
  secretlintFiles,
  type ToolRun,
} from "./tree-scans.ts";

const { values: args } = parseArgs({
  options: {
    files: { type: "string", default: "10000" },
    rounds: { type: "string", default: "3" },
    "core-rounds": { type: "string", default: "5" },
    seed: { type: "string", default: "1" },
    "helmet-cli": { type: "string" },
    "no-secretlint-json": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (args.help) {
  process.stdout.write(`npm run bench:scan -- [options]
  --files N              files to scan in the generated repository (10000; at least 500); 1000 for a quick run
  --rounds N             whole-tree rounds, each timing every tool once, order rotated (3)
  --core-rounds N        rounds of the in-memory passes over the clean text (5)
  --seed N               seed of the generated repository (1)
  --helmet-cli PATH      the helmet CLI to time (default: local-bridge/src/cli.ts bundled now by esbuild)
  --no-secretlint-json   do not also time secretlint with --format json (its report embeds every file's text)
  --keep                 keep the temporary directory (repository, cases, reports) and print its path
`);
  process.exit(0);
}

const number = (name: string, value: string | undefined, min: number): number => {
  const n = Number(value);
  if (Number.isInteger(n) && n >= min) return n;
  process.stderr.write(`bench:scan: --${name} must be an integer >= ${min} (--help lists the options)\n`);
  process.exit(2);
};

const config = {
  // Every rule's positive and some negatives need a file of their own.
  files: number("files", args.files, 500),
  rounds: number("rounds", args.rounds, 1),
  coreRounds: number("core-rounds", args["core-rounds"], 1),
  seed: number("seed", args.seed, 0),
  secretlintJson: !args["no-secretlint-json"],
};

const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);

async function main(): Promise<void> {
  const startedAt = new Date();
  const t0 = performance.now();
  const info = machineInfo(["src/core", "local-bridge/src"]);
  log(
    `machine: ${info.nproc} cores (${info.cpuModel}), node ${info.node}, load ${info.loadavgAtStart.join(" ")}`,
  );
  const base = mkdtempSync(join(tmpdir(), "helmet-scan-bench-"));
  const cleanup = () => {
    if (args.keep) log(`kept ${base}`);
    else rmSync(base, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      cleanup();
      process.exit(130);
    });
  try {
    const results = await measure(base);
    const goals = goalsOf(results);
    const secretlintVersion = packageVersion("secretlint");
    const presetVersion = packageVersion("@secretlint/secretlint-rule-preset-recommend");
    process.stdout.write(
      `\nHelmet secret-scan benchmark, ${startedAt.toISOString()}, ${fixed((performance.now() - t0) / 1000, 0)} s\n` +
        `machine: ${info.nproc} cores (nproc), ${info.cpuModel}, ${info.memoryGiB} GiB; node ${info.node}; ` +
        `secretlint ${secretlintVersion}, preset-recommend ${presetVersion}; load average at start ` +
        `${info.loadavgAtStart.join(" ")}, at end ${loadavg()
          .map((v) => v.toFixed(2))
          .join(
            " ",
          )}; scanner at ${info.revision}\n\n${render(results).join("\n")}\n${goalsTable(goals).join("\n")}\n`,
    );
    const resultsDir = new URL("../results/", import.meta.url);
    mkdirSync(resultsDir, { recursive: true });
    const file = new URL(`scan-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`, resultsDir);
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          startedAt: startedAt.toISOString(),
          machine: {
            ...info,
            loadavgAtEnd: loadavg().map((v) => Number(v.toFixed(2))),
            secretlint: secretlintVersion,
            preset: presetVersion,
          },
          config,
          ...results,
          goals,
        },
        null,
        1,
      )}\n`,
    );
    process.stdout.write(`raw figures: ${file.pathname}\n`);
  } finally {
    cleanup();
  }
}

async function measure(base: string): Promise<Results> {
  const root = join(base, "repo");
  const g0 = performance.now();
  log(`generating ${config.files} files (seed ${config.seed})`);
  const repo = generateRepo(root, config.files, config.seed);
  const generateMs = performance.now() - g0;
  const bytes = sum(repo.scanned.map((f) => f.bytes));
  log(`generated ${fixed(bytes / 1e6, 1)} MB in ${fixed(generateMs / 1000, 1)} s`);
  const texts = new Map(repo.scanned.map((f) => [f.path, f.text]));
  const textOf = (path: string) => texts.get(path);

  const rcFile = join(base, "secretlintrc.json");
  writeFileSync(rcFile, JSON.stringify(SECRETLINT_CONFIG));
  const helmetConfig = join(base, "helmet-scan.json");
  writeFileSync(helmetConfig, JSON.stringify({ exclude: { paths: repo.harnessFiles } }));
  const out = (name: string) => join(base, name);

  log("building the helmet CLI");
  const cli = await prepareHelmetCli(join(base, "cli"), args["helmet-cli"], log);

  log(`in-memory passes over ${repo.clean.length} clean files`);
  const passes = measurePasses(repo.clean, config.coreRounds, log);
  log("per-rule costs");
  const ruleCosts = measureRuleCosts(repo.clean);

  log("start-up on a one-file directory");
  const tiny = join(base, "tiny");
  mkdirSync(tiny);
  writeFileSync(
    join(tiny, "README.md"),
    "# tiny\n\nA one-file directory: what each tool costs before it reads anything.\n".repeat(12),
  );
  const startupH: number[] = [];
  const startupS: number[] = [];
  for (let i = 0; i < 3; i++) {
    startupH.push(
      (await runHelmet(cli, tiny, out("tiny-helmet.json"), helmetConfig, () => undefined)).wallMs,
    );
    startupS.push(
      (await runSecretlint(tiny, out("tiny-secretlint.txt"), rcFile, "unix", () => undefined)).wallMs,
    );
  }

  const tools: Array<{ tool: string; run: () => Promise<ToolRun> }> = [
    { tool: "helmet", run: () => runHelmet(cli, root, out("helmet.json"), helmetConfig, textOf) },
    { tool: "secretlint", run: () => runSecretlint(root, out("secretlint.txt"), rcFile, "unix", textOf) },
  ];
  // A diagnostic, not compared: where the CLI's time goes besides the scan itself.
  const listFile = out("scanned-files.txt");
  writeFileSync(listFile, `${repo.scanned.map((f) => f.path).join("\n")}\n`);
  const details: ScanFilesDetail[] = [];
  tools.push({
    tool: "helmet scanFiles, one thread, warm (diagnostic)",
    run: async () => {
      const result = await runScanFilesChild(root, repo.harnessFiles, listFile);
      details.push(result.detail);
      return result;
    },
  });
  if (config.secretlintJson)
    tools.push({
      tool: "secretlint --format json",
      run: () => runSecretlint(root, out("secretlint.json"), rcFile, "json", textOf),
    });

  log("whole tree: warm-up run of each tool (unmeasured, its findings evaluated)");
  const warm = new Map<string, ToolRun>();
  for (const t of tools) warm.set(t.tool, await t.run());
  const helmetWarm = warm.get("helmet") as ToolRun;
  const secretlintWarm = warm.get("secretlint") as ToolRun;
  const listed = await secretlintFiles(root);
  const expected = new Set(repo.scanned.map((f) => f.path));
  const listedSet = new Set(listed);

  const samples = new Map(tools.map((t) => [t.tool, [] as number[]]));
  for (let round = 0; round < config.rounds; round++) {
    for (let k = 0; k < tools.length; k++) {
      const t = tools[(k + round) % tools.length] as (typeof tools)[number];
      const result = await t.run();
      const reference = warm.get(t.tool) as ToolRun;
      if (result.count !== reference.count)
        throw new Error(`${t.tool} reported ${result.count} findings, ${reference.count} in its warm-up`);
      samples.get(t.tool)?.push(result.wallMs);
      log(`round ${round + 1}/${config.rounds}: ${t.tool} ${fixed(result.wallMs / 1000, 2)} s`);
    }
  }
  const tree: TreeTiming[] = tools.map((t) => {
    const ms = samples.get(t.tool) ?? [];
    return {
      tool: t.tool,
      samplesMs: ms,
      medianMs: median(ms),
      findings: (warm.get(t.tool) as ToolRun).count,
    };
  });

  log("recall on the rule test strings");
  const casesDir = join(base, "cases");
  mkdirSync(casesDir);
  const recall = await measureRecall(casesDir, rcFile, out("cases-secretlint.json"));

  return {
    repo: {
      seed: config.seed,
      files: repo.scanned.length,
      bytes,
      byKind: byKind(repo),
      largest: Math.max(...repo.scanned.map((f) => f.bytes)),
      skipped: ["vendored", "lockfile", "binary"].map((reason) => {
        const files = repo.skipped.filter((s) => s.reason === reason);
        return { reason, files: files.length, bytes: sum(files.map((f) => f.bytes)) };
      }),
      planted: {
        positives: repo.planted.filter((p) => p.label === "positive").length,
        negatives: repo.planted.filter((p) => p.label === "negative").length,
      },
      cleanFiles: repo.clean.length,
      cleanBytes: sum(repo.clean.map((f) => f.bytes)),
      generateMs,
    },
    passes,
    ruleCosts,
    startup: { helmetMs: median(startupH), secretlintMs: median(startupS) },
    selection: {
      helmetFiles: helmetWarm.files,
      helmetBytes: helmetWarm.bytes,
      secretlintFiles: listed.length,
      expected: expected.size,
      notListedBySecretlint: [...expected].filter((p) => !listedSet.has(p)),
      listedOnlyBySecretlint: listed.filter((p) => !expected.has(p)),
      listedBinary: listed.filter((p) => repo.skipped.some((s) => s.path === p && s.reason === "binary"))
        .length,
    },
    tree,
    // The warm-up's detail is left out: the medians are over the measured rounds.
    scanFiles: scanFilesMedians(details.slice(1)),
    treeEval: {
      helmet: evaluateTree(repo, helmetWarm.findings),
      secretlint: evaluateTree(repo, secretlintWarm.findings),
    },
    recall: { summary: summarizeRecall(recall.cases), cases: recall.cases },
    helmetCli: cli.source,
  };
}

function byKind(repo: Repo): Results["repo"]["byKind"] {
  const kinds = new Map<string, { files: number; bytes: number }>();
  for (const f of repo.scanned) {
    const k = kinds.get(f.kind) ?? { files: 0, bytes: 0 };
    k.files++;
    k.bytes += f.bytes;
    kinds.set(f.kind, k);
  }
  return [...kinds].map(([kind, k]) => ({ kind, ...k })).sort((a, b) => b.bytes - a.bytes);
}

function scanFilesMedians(details: readonly ScanFilesDetail[]): Results["scanFiles"] {
  if (details.length === 0) return null;
  const of = (key: "coldMs" | "warmMs" | "walkMs" | "readFloorMs" | "syncScanMs") =>
    median(details.map((d) => d[key]));
  return {
    coldMs: of("coldMs"),
    warmMs: of("warmMs"),
    walkMs: of("walkMs"),
    readFloorMs: of("readFloorMs"),
    syncScanMs: of("syncScanMs"),
  };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
