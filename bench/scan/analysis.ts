// `npm run bench:scan-analysis`: issue 7's goal, a 10,000-file mixed JavaScript/TypeScript/Python repository fully
// analysed by `helmet scan DIR` (secrets, tool vulnerabilities, dependencies, Dockerfiles) in under 30 s. The tree:
// bench/scan's generated code and config for three quarters, MCP server modules (the code-vulns twins, each copy
// renamed) for a quarter, a lockfile and requirements per service, Dockerfiles; advisories from an OSV snapshot.
// Reports files/s and MB/s against the same tree scanned with the code analyzer's prefilter in force and a
// single-thread pass of the analyzer over the MCP modules alone.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { analyzeSourceFile } from "../../src/core/scan/code/code-analyzer.ts";
import { fixed } from "../gateway/report.ts";
import { goalsTable, machineInfo } from "../run-info.ts";
import { generateRepo } from "./repo.ts";
import { prepareHelmetCli } from "./tree-scans.ts";

const { values: args } = parseArgs({
  options: { files: { type: "string", default: "10000" }, rounds: { type: "string", default: "3" } },
});
const FILES = Number(args.files);
const ROUNDS = Number(args.rounds);
const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);
const CORPUS = new URL("../../test/fixtures/code-vulns/", import.meta.url).pathname;
const SNAPSHOT = new URL("../../test/fixtures/osv/advisories.json", import.meta.url).pathname;

function corpusFiles(): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  for (const language of ["js", "py"]) {
    for (const family of readdirSync(join(CORPUS, language))) {
      for (const name of readdirSync(join(CORPUS, language, family))) {
        out.push({ path: name, text: readFileSync(join(CORPUS, language, family, name), "utf8") });
      }
    }
  }
  return out;
}

function write(root: string, path: string, text: string): number {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  return Buffer.byteLength(text);
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[values.length >> 1] as number;

async function main(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), "helmet-analysis-bench-"));
  try {
    const root = join(base, "repo");
    const info = machineInfo(["src/core/scan", "local-bridge/src/scan"]);
    log(`machine: ${info.nproc} cores, node ${info.node}`);
    const ordinary = Math.round(FILES * 0.75);
    generateRepo(root, ordinary, 7);
    const corpus = corpusFiles();
    let mcpFiles = 0;
    let mcpBytes = 0;
    const services = Math.max(1, Math.round((FILES - ordinary) / 100));
    for (let i = 0; mcpFiles < FILES - ordinary - services * 3; i++) {
      const source = corpus[i % corpus.length] as { path: string; text: string };
      const service = `services/mcp-${i % services}`;
      // Each copy gets its own tool names, so no two files are the same text.
      const text = source.text.replace(/(["'])([a-z_]+)\1/g, (match, quote: string, word: string) =>
        word.length > 3 && /_/.test(word) ? `${quote}${word}_${i}${quote}` : match,
      );
      mcpBytes += write(root, `${service}/src/tool-${i}-${source.path}`, text);
      mcpFiles++;
    }
    for (let s = 0; s < services; s++) {
      write(root, `services/mcp-${s}/requirements.txt`, "jinja2==3.0.1\nrequests==2.32.3\nhttpx>=0.27\n");
      write(
        root,
        `services/mcp-${s}/package-lock.json`,
        JSON.stringify(
          {
            lockfileVersion: 3,
            packages: {
              "": { dependencies: { lodash: "^4.17.0", zod: "^3.23.0" } },
              "node_modules/lodash": { version: "4.17.20", license: "MIT" },
              "node_modules/zod": { version: "3.23.8", license: "MIT" },
            },
          },
          null,
          2,
        ),
      );
      write(
        root,
        `services/mcp-${s}/Dockerfile`,
        'FROM node:22-alpine\nRUN npm ci\nUSER node\nCMD ["node", "index.js"]\n',
      );
    }
    const total = countFiles(root);
    const bytes = sizeOf(root);
    log(
      `tree: ${total.toLocaleString()} files, ${fixed(bytes / 1e6, 1)} MB (${mcpFiles} MCP modules, ${fixed(mcpBytes / 1e6, 1)} MB)`,
    );

    const cli = await prepareHelmetCli(join(base, "cli"), undefined, log);
    const out = join(base, "report.json");
    const samples: number[] = [];
    let findings = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      const t0 = performance.now();
      const result = spawnSync(
        process.execPath,
        [cli.path, "scan", root, "--format", "json", "--output", out, "--advisories", SNAPSHOT],
        { encoding: "utf8" },
      );
      const ms = performance.now() - t0;
      if (result.status !== 0)
        throw new Error(`helmet scan exited ${result.status}: ${result.stderr.slice(-2000)}`);
      findings = (JSON.parse(readFileSync(out, "utf8")) as { findings: unknown[] }).findings.length;
      if (round > 0) samples.push(ms);
      log(round === 0 ? `warm-up: ${fixed(ms / 1000, 2)} s` : `round ${round}: ${fixed(ms / 1000, 2)} s`);
    }
    const wall = median(samples);

    // The analyzer alone, one thread, over the MCP modules: what each of them costs.
    const modules = corpus.map((file) => file);
    const t0 = performance.now();
    let analysed = 0;
    let analysedBytes = 0;
    while (analysed < mcpFiles) {
      for (const file of modules) {
        if (analysed >= mcpFiles) break;
        analyzeSourceFile(file.path, file.text);
        analysed++;
        analysedBytes += file.text.length;
      }
    }
    const coreMs = performance.now() - t0;

    process.stdout.write(
      `\nHelmet full-analysis benchmark, ${new Date().toISOString()}; ${info.nproc} cores, ${info.cpuModel}, node ${info.node}; scanner at ${info.revision}\n\n` +
        `tree: ${total.toLocaleString()} files, ${fixed(bytes / 1e6, 1)} MB: ${mcpFiles.toLocaleString()} MCP server modules (the code-vulns twins, renamed), ${services} services with package-lock.json, requirements.txt and a Dockerfile, the rest bench/scan's generated code and config\n` +
        `helmet scan DIR --advisories SNAPSHOT (secrets, code, dependencies, Dockerfiles), median of ${ROUNDS} after a warm-up: ${fixed(wall / 1000, 2)} s = ${Math.round(total / (wall / 1000)).toLocaleString()} files/s, ${fixed(bytes / 1e6 / (wall / 1000), 1)} MB/s; ${findings.toLocaleString()} findings\n` +
        `the code analyzer alone, one thread, over ${analysed.toLocaleString()} MCP modules: ${fixed(coreMs / 1000, 2)} s = ${Math.round(analysed / (coreMs / 1000)).toLocaleString()} files/s, ${fixed(analysedBytes / 1e6 / (coreMs / 1000), 2)} MB/s\n\n` +
        `${goalsTable([{ goal: "10,000-file mixed JS/Python repository fully analysed", required: "< 30 s", measured: `${fixed(wall / 1000, 2)} s`, met: wall < 30_000 }]).join("\n")}\n`,
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

function countFiles(dir: string): number {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules") continue;
    n += entry.isDirectory() ? countFiles(join(dir, entry.name)) : 1;
  }
  return n;
}

function sizeOf(dir: string): number {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    n += entry.isDirectory() ? sizeOf(path) : statSync(path).size;
  }
  return n;
}

await main();
