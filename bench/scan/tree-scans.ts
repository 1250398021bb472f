// The whole-tree scans, each a child process timed from spawn to exit: Helmet's CLI (`helmet scan DIR --format
// json`) and secretlint's (recommended preset), with what they report read back into one shape of finding.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const ROOT = new URL("../../", import.meta.url).pathname;
const NODE = process.execPath;
export const SECRETLINT_BIN = join(ROOT, "node_modules/secretlint/bin/secretlint.js");

export interface ToolFinding {
  /** Relative to the scanned root, '/'-separated. */
  path: string;
  /** 1-based line; 0-based offset of the finding's start in the file's text (UTF-16 units, as JS strings). */
  line: number;
  offset: number;
  rule: string;
}

export interface ToolRun {
  wallMs: number;
  /** How many findings the tool reported (checked equal across rounds). */
  count: number;
  /** The findings themselves, where the tool's output is read back. */
  findings: ToolFinding[];
  /** Files the tool says it read, when it says. */
  files: number | null;
  bytes: number | null;
  stderr: string;
}

/** What the scanFiles child measured (scan-files-child.ts). */
export interface ScanFilesDetail {
  coldMs: number;
  warmMs: number;
  walkMs: number;
  readFloorMs: number;
  /** readFileSync and scanTextForSecrets, file after file: the same scan without async reads. */
  syncScanMs: number;
  syncFindings: number;
  files: number;
  bytes: number;
  findings: number;
  coldFindings: number;
  walked: number;
  read: number;
  chars: number;
}

export interface HelmetCli {
  path: string;
  /** How the CLI was obtained, for the report. */
  source: string;
}

function run(
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number; ms: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(NODE, args, {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      if (stdout.length < 100_000) stdout += chunk;
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      if (stderr.length < 20_000) stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, ms: performance.now() - t0, stdout, stderr });
    });
  });
}

/**
 * The CLI from the working tree: local-bridge's build (same esbuild entry points and flags) into `dir`, with its
 * dependencies inlined so the bundle runs outside the repository. local-bridge/dist is not touched (it may be stale
 * or in use); `explicit` (--helmet-cli) wins; the prebuilt dist is the fallback when the build fails.
 */
export async function prepareHelmetCli(
  dir: string,
  explicit: string | undefined,
  log: (t: string) => void,
): Promise<HelmetCli> {
  if (explicit) return { path: explicit, source: `${explicit} (--helmet-cli)` };
  mkdirSync(dir, { recursive: true });
  const esbuild = join(ROOT, "node_modules/.bin/esbuild");
  const common = ["--bundle", "--format=esm", "--platform=node", "--target=node20", "--log-level=warning"];
  // Bundled CommonJS dependencies call require(); an ESM bundle needs one defined.
  const banner = `--banner:js=import { createRequire as __helmetBenchRequire } from "node:module"; const require = __helmetBenchRequire(import.meta.url);`;
  const build = (args: string[]) =>
    new Promise<void>((resolve, reject) =>
      execFile(esbuild, args, { cwd: join(ROOT, "local-bridge"), timeout: 120_000 }, (error, _out, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(),
      ),
    );
  try {
    await build(["src/cli.ts", "--splitting", `--outdir=${dir}`, ...common, banner]);
    await build([
      "src/scan/run-scan.ts",
      "src/scan/scan-worker.ts",
      "--splitting",
      `--outdir=${join(dir, "scan")}`,
      ...common,
      banner,
    ]);
    return {
      path: join(dir, "cli.js"),
      source: "local-bridge/src/cli.ts bundled from the working tree by esbuild",
    };
  } catch (error) {
    const dist = join(ROOT, "local-bridge/dist/cli.js");
    if (!existsSync(dist)) throw error;
    log(`building the CLI failed, using the prebuilt ${dist}: ${(error as Error).message.split("\n")[0]}`);
    return {
      path: dist,
      source: `local-bridge/dist/cli.js, prebuilt ${statSync(dist).mtime.toISOString()} (the build failed)`,
    };
  }
}

interface HelmetReport {
  findings: Array<{
    ruleId: string;
    location: { type: string; path?: string; line?: number; column?: number };
  }>;
  stats?: { files?: number; bytes?: number };
}

/** `helmet scan ROOT --format json --output OUT --config CONFIG`. */
export async function runHelmet(
  cli: HelmetCli,
  root: string,
  out: string,
  config: string,
  textOf: (path: string) => string | undefined,
): Promise<ToolRun> {
  // Offline: the generated lockfile's packages are not what this bench measures, and it must not need the network.
  const args = [
    cli.path,
    "scan",
    root,
    "--format",
    "json",
    "--output",
    out,
    "--config",
    config,
    "--advisories",
    "offline",
    // Like for like: secretlint looks for secrets only (bench:scan-analysis times every scanner).
    "--scanners",
    "secrets",
  ];
  const result = await run(args, root, 600_000);
  if (result.code !== 0) throw new Error(`helmet scan exited ${result.code}: ${result.stderr.slice(-2_000)}`);
  const report = JSON.parse(readFileSync(out, "utf8")) as HelmetReport;
  // Secrets only: what secretlint looks for. The tree's manifests also get dependency findings (unpinned ranges),
  // which this comparison leaves out.
  const findings = report.findings.flatMap((f) => {
    if (!f.ruleId.startsWith("secret-")) return [];
    const { path, line, column } = f.location;
    if (f.location.type !== "file" || path === undefined || line === undefined || column === undefined)
      return [];
    return [{ path, line, offset: offsetOf(textOf(path), line, column - 1), rule: f.ruleId }];
  });
  return {
    wallMs: result.ms,
    count: findings.length,
    findings,
    files: report.stats?.files ?? null,
    bytes: report.stats?.bytes ?? null,
    stderr: result.stderr,
  };
}

/**
 * local-bridge's scanFiles in a process of its own (scan-files-child.ts): cold, then warm, then the walk alone and a
 * plain readFileSync of the tree's files. `listFile` lists the files to read, one a line. The run's time is the warm
 * scan's; the rest is in `detail`.
 */
export async function runScanFilesChild(
  root: string,
  excludePaths: readonly string[],
  listFile: string,
): Promise<ToolRun & { detail: ScanFilesDetail }> {
  const script = new URL("./scan-files-child.ts", import.meta.url).pathname;
  const result = await run([script, root, JSON.stringify(excludePaths), listFile], root, 600_000);
  if (result.code !== 0)
    throw new Error(`scan-files-child exited ${result.code}: ${result.stderr.slice(-2_000)}`);
  const detail = JSON.parse(result.stdout) as ScanFilesDetail;
  if (detail.coldFindings !== detail.findings || detail.syncFindings !== detail.findings)
    throw new Error(
      `scanFiles found ${detail.coldFindings} findings cold, ${detail.findings} warm, ${detail.syncFindings} read in a loop`,
    );
  return {
    wallMs: detail.warmMs,
    count: detail.findings,
    findings: [],
    files: detail.files,
    bytes: detail.bytes,
    stderr: result.stderr,
    detail,
  };
}

/** The recommended preset, nothing else. */
export const SECRETLINT_CONFIG = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend" }] };

/**
 * `secretlint "**\/*" --format unix --output OUT` in ROOT. unix lists every message with its place and rule; json
 * would also embed every file's full text in the report (a cost of the format, not of the scan).
 */
export async function runSecretlint(
  root: string,
  out: string,
  rcFile: string,
  format: "unix" | "json",
  textOf: (path: string) => string | undefined,
): Promise<ToolRun> {
  const args = [SECRETLINT_BIN, "**/*", "--format", format, "--output", out, "--secretlintrc", rcFile];
  const result = await run([...args, "--no-color", "--no-terminalLink"], root, 600_000);
  if (result.code !== 0) throw new Error(`secretlint exited ${result.code}: ${result.stderr.slice(-2_000)}`);
  const real = realpathSync(root);
  const text = readFileSync(out, "utf8");
  const findings =
    format === "json" ? fromSecretlintJson(text, real) : fromSecretlintUnix(text, real, textOf);
  return {
    wallMs: result.ms,
    count: findings.length,
    findings,
    files: null,
    bytes: null,
    stderr: result.stderr,
  };
}

// /abs/path:LINE:COL: [messageId] message [Error/parent > @secretlint/secretlint-rule-x]; COL is 0-based.
const UNIX_LINE = /^(.+?):(\d+):(\d+): \[(\w+)\] .*\[\w+\/(?:.* > )?(@secretlint\/[\w-]+)\]$/;

function fromSecretlintUnix(text: string, root: string, textOf: (path: string) => string | undefined) {
  const findings: ToolFinding[] = [];
  for (const line of text.split("\n")) {
    const m = UNIX_LINE.exec(line);
    if (!m) continue;
    const path = relative(root, m[1] as string).replaceAll("\\", "/");
    const lineNo = Number(m[2]);
    findings.push({
      path,
      line: lineNo,
      offset: offsetOf(textOf(path), lineNo, Number(m[3])),
      rule: `${(m[5] as string).replace("@secretlint/secretlint-rule-", "")}/${m[4]}`,
    });
  }
  return findings;
}

interface SecretlintResult {
  filePath: string;
  messages: Array<{
    ruleId: string;
    messageId: string;
    range: [number, number];
    loc: { start: { line: number } };
  }>;
}

export function fromSecretlintJson(text: string, root: string): ToolFinding[] {
  return (JSON.parse(text) as SecretlintResult[]).flatMap((result) =>
    result.messages.map((m) => ({
      path: relative(root, result.filePath).replaceAll("\\", "/"),
      line: m.loc.start.line,
      offset: m.range[0],
      rule: `${m.ruleId.replace("@secretlint/secretlint-rule-", "")}/${m.messageId}`,
    })),
  );
}

/** The files secretlint would read in `root`, from its own search (unmeasured): to check both read the same. */
export async function secretlintFiles(root: string): Promise<string[]> {
  const url = pathToFileURL(join(ROOT, "node_modules/secretlint/module/search.js")).href;
  const { searchFiles } = (await import(url)) as {
    searchFiles: (
      patterns: string[],
      options: { cwd: string; ignoreFilePath?: string; respectGitignore?: boolean },
    ) => Promise<{ ok: boolean; items: string[] }>;
  };
  const real = realpathSync(root);
  const { items } = await searchFiles(["**/*"], {
    cwd: real,
    ignoreFilePath: ".secretlintignore",
    respectGitignore: true,
  });
  return items.map((item) => relative(real, item).replaceAll("\\", "/"));
}

/** The offset of (line, 0-based column) in `text`; -1 when the text is unknown. */
function offsetOf(text: string | undefined, line: number, column: number): number {
  if (text === undefined) return -1;
  let at = 0;
  for (let i = 1; i < line; i++) {
    at = text.indexOf("\n", at) + 1;
    if (at === 0) return -1;
  }
  return at + column;
}
