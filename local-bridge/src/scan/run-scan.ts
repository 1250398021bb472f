// `helmet scan`: reads the config, scans the target (files, a saved tools file, a server by URL or by command),
// builds the ScanReport, writes it in the chosen format, and answers with the exit status: 0 clean (or below
// --fail-on), 1 an open finding at or above --fail-on, 2 a usage, config or connection error.
import { access, constants, writeFile } from "node:fs/promises";
import { basename, dirname, extname, resolve } from "node:path";
import type { ServerDefinitions } from "../../../src/core/scan/definition-analyzer.ts";
import { analyzeServer } from "../../../src/core/scan/definition-analyzer.ts";
import type { AdvisorySource } from "../../../src/core/scan/deps/dependency-analyzer.ts";
import {
  atLeast,
  type Detected,
  type Finding,
  fingerprinted,
  summarize,
} from "../../../src/core/scan/finding.ts";
import { renderReport } from "../../../src/core/scan/formats/index.ts";
import { summaryLine } from "../../../src/core/scan/formats/table.ts";
import { isActive, type ScanReport } from "../../../src/core/scan/scan-report.ts";
import { serverNameOf, VERSION } from "../options.ts";
import { advisorySource, checkAdvisorySetting, versionSource } from "./dependency-scan.ts";
import { scanFiles } from "./file-scan.ts";
import { readImageArchive } from "./image-scan.ts";
import type { LiveTarget } from "./live-server.ts";
import { byteSize, count, Progress } from "./progress.ts";
import { loadScanConfig, type ScanConfig } from "./scan-config.ts";
import { ScanError } from "./scan-error.ts";
import type { ScanFlags } from "./scan-options.ts";
import { SCANNERS } from "./scanners.ts";
import { skippedText } from "./skip-rules.ts";
import { readToolsFile } from "./tools-file.ts";

export interface ScanIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: Readonly<Record<string, string | undefined>>;
}

interface Scanned {
  target: ScanReport["target"];
  detected: Detected[];
  stats: NonNullable<ScanReport["stats"]>;
  /** What was scanned, in a line for stderr. */
  note: string;
}

/** A URL's server name when --server-name does not say: the last path segment that is not a transport's. */
function serverNameOfUrl(url: URL): string {
  const segments = url.pathname.split("/").filter((s) => s !== "" && !/^(?:mcp|sse|v\d+)$/i.test(s));
  return segments.at(-1) ?? url.hostname;
}

function definitionCounts(definitions: Omit<ServerDefinitions, "server">): { count: number; text: string } {
  const parts: string[] = [];
  const add = (n: number | undefined, one: string, many: string) => {
    if (n !== undefined) parts.push(`${count(n)} ${n === 1 ? one : many}`);
  };
  add(definitions.tools?.length, "tool", "tools");
  add(definitions.prompts?.length, "prompt", "prompts");
  add(definitions.resources?.length, "resource", "resources");
  add(definitions.resourceTemplates?.length, "resource template", "resource templates");
  if (definitions.instructions !== undefined) parts.push("the server's instructions");
  const total =
    (definitions.tools?.length ?? 0) +
    (definitions.prompts?.length ?? 0) +
    (definitions.resources?.length ?? 0) +
    (definitions.resourceTemplates?.length ?? 0);
  return { count: total, text: parts.length > 0 ? parts.join(", ") : "nothing listed" };
}

async function scanTarget(flags: ScanFlags, config: ScanConfig, io: ScanIo): Promise<Scanned> {
  const { target } = flags;
  const warn = (text: string) => io.stderr.write(`helmet: ${text}\n`);
  switch (target.kind) {
    case "files": {
      const image = await readImageArchive(target.path);
      if (image) {
        const [{ analyzeImage }, { AdvisoryError }] = await Promise.all([
          import("../../../src/core/scan/container/image.ts"),
          import("../../../src/core/scan/deps/osv-source.ts"),
        ]);
        const advisories = await advisorySource(
          flags.advisories ?? configAdvisories(flags, config) ?? "osv",
          io.env,
        );
        const name = basename(target.path);
        let result: Awaited<ReturnType<typeof analyzeImage>>;
        try {
          result = await analyzeImage(name, image, { advisories });
        } catch (error) {
          if (error instanceof AdvisoryError)
            throw new ScanError(
              `could not check the image's packages against advisories (${error.message}); pass --advisories FILE or --advisories offline`,
            );
          throw new ScanError(`${name} is not an image Helmet can read: ${(error as Error).message}`);
        }
        for (const note of result.notes) warn(note);
        const { layers, files, packages } = result.stats;
        return {
          target: { kind: "files", name: target.path.replaceAll("\\", "/") },
          detected: result.detected,
          stats: { files },
          note: `scanned image ${name}: ${count(layers)} ${layers === 1 ? "layer" : "layers"}, ${count(files)} ${files === 1 ? "file" : "files"}, ${count(packages)} OS ${packages === 1 ? "package" : "packages"}`,
        };
      }
      const state = { files: 0, bytes: 0 };
      const progress = new Progress(
        io.stderr,
        () => `scanning: ${count(state.files)} files, ${byteSize(state.bytes)}`,
      );
      try {
        const setting = flags.advisories ?? configAdvisories(flags, config) ?? "osv";
        await checkAdvisorySetting(setting);
        // Loaded by the scan only if the tree has dependency files; kept here for the summary line.
        const loaded: { advisories: AdvisorySource | null } = { advisories: null };
        const loadAdvisories = async () => {
          loaded.advisories = await advisorySource(setting, io.env);
          return loaded.advisories;
        };
        const result = await scanFiles(
          target.path,
          config.exclude?.paths ?? [],
          (now) => {
            state.files = now.files;
            state.bytes = now.bytes;
          },
          {
            scanners: new Set(flags.scanners ?? config.scanners ?? SCANNERS),
            advisories: loadAdvisories,
            allowedLicenses: config.licenses?.allow,
            versions: versionSource(setting, io.env),
          },
        );
        for (const note of result.notes) warn(note);
        const deps = result.dependencies;
        const depsNote =
          deps.files > 0
            ? `; ${count(deps.packages)} ${deps.packages === 1 ? "package" : "packages"} in ${count(deps.files)} dependency ${deps.files === 1 ? "file" : "files"}${loaded.advisories ? ` checked against the ${loaded.advisories.description}` : ""}`
            : "";
        const skipped = Object.values(result.skipped).reduce((sum, n) => sum + n, 0);
        const skippedNote = skipped > 0 ? `; skipped ${count(skipped)}: ${skippedText(result.skipped)}` : "";
        return {
          target: { kind: "files", name: target.path.replaceAll("\\", "/") },
          detected: result.detected,
          stats: { files: result.files, bytes: result.bytes, skipped },
          note: `scanned ${count(result.files)} ${result.files === 1 ? "file" : "files"} (${byteSize(result.bytes)})${skippedNote}${depsNote}`,
        };
      } finally {
        progress.stop();
      }
    }
    case "tools": {
      const server = flags.serverName ?? basename(target.file, extname(target.file));
      const definitions = await readToolsFile(target.file, server);
      const listed = definitionCounts(definitions);
      return {
        target: { kind: "tools", name: target.file.replaceAll("\\", "/") },
        detected: analyzeServer(definitions),
        stats: { definitions: listed.count },
        note: `scanned ${listed.text} from ${target.file}`,
      };
    }
    case "url":
    case "stdio": {
      // The MCP SDK client is loaded for a live scan only (its own chunk): a file scan starts without it.
      const { liveTargetName, readLiveServer } = await import("./live-server.ts");
      const live: LiveTarget = target;
      const state = { text: "connecting" };
      const progress = new Progress(io.stderr, () => `scanning ${liveTargetName(live)}: ${state.text}`);
      try {
        const { serverName, ...definitions } = await readLiveServer(live, {
          timeoutMs: flags.timeoutMs,
          warn,
          onProgress: (counts) => {
            state.text = Object.entries(counts)
              .filter(([, n]) => n > 0)
              .map(([key, n]) => `${count(n)} ${key}`)
              .join(", ");
          },
        });
        // The name the server gives itself is what it is analyzed under (a look-alike name is a finding); ours
        // (serve/proxy's) only when it gives none.
        const server =
          flags.serverName ??
          serverName ??
          (target.kind === "url" ? serverNameOfUrl(target.url) : serverNameOf(target.command));
        const listed = definitionCounts(definitions);
        return {
          target: { kind: target.kind, name: liveTargetName(live) },
          detected: analyzeServer({ server, ...definitions }),
          stats: { definitions: listed.count },
          note: `scanned ${listed.text} from ${server}`,
        };
      } finally {
        progress.stop();
      }
    }
  }
}

/** The config's advisories setting; a snapshot path in it is relative to the config file. */
function configAdvisories(flags: ScanFlags, config: ScanConfig): string | undefined {
  const setting = config.advisories;
  if (setting === undefined || setting === "osv" || setting === "offline" || flags.config === null)
    return setting;
  return resolve(dirname(flags.config), setting);
}

/** Runs `helmet scan`; the exit status. */
export async function runScan(
  flags: ScanFlags,
  io: ScanIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const fail = (message: string) => {
    io.stderr.write(`helmet: ${message}\n`);
    return 2;
  };
  let config: ScanConfig = {};
  if (flags.config !== null) {
    const loaded = await loadScanConfig(flags.config);
    if ("error" in loaded) return fail(loaded.error);
    config = loaded.config;
  }
  const format = flags.format ?? config.format ?? "table";
  const failOn = flags.failOn ?? config.failOn ?? "none";
  if (flags.output !== null) {
    // Found out now, not after a long scan.
    try {
      await access(dirname(resolve(flags.output)), constants.W_OK);
    } catch {
      return fail(`cannot write --output ${flags.output}: its directory does not exist or is not writable`);
    }
  }

  const startedAt = new Date().toISOString();
  let scanned: Scanned;
  try {
    scanned = await scanTarget(flags, config, io);
  } catch (error) {
    if (error instanceof ScanError) return fail(error.message);
    throw error;
  }
  const finishedAt = new Date().toISOString();

  const excludedRules = new Set(config.exclude?.rules ?? []);
  const findings: Finding[] = (await fingerprinted(scanned.detected)).map((finding) =>
    excludedRules.has(finding.ruleId)
      ? { ...finding, status: "suppressed", suppressedBy: "config" }
      : finding,
  );
  const report: ScanReport = {
    tool: { name: "helmet", version: VERSION },
    target: scanned.target,
    startedAt,
    finishedAt,
    summary: summarize(findings),
    findings,
    stats: scanned.stats,
  };

  io.stderr.write(`helmet: ${scanned.note}\n`);
  const toTerminal = flags.output === null && format === "table";
  const text = renderReport(
    report,
    format,
    toTerminal
      ? { columns: io.stdout.columns || undefined, color: io.stdout.isTTY === true && !io.env.NO_COLOR }
      : { columns: 120 },
  );
  if (flags.output !== null) {
    try {
      await writeFile(flags.output, text);
    } catch (error) {
      return fail(`cannot write --output ${flags.output}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    io.stderr.write(`${summaryLine(report)}\nhelmet: wrote the ${format} report to ${flags.output}\n`);
  } else {
    io.stdout.write(text);
    if (!toTerminal) io.stderr.write(`${summaryLine(report)}\n`);
  }

  if (failOn === "none") return 0;
  const failing = findings.filter((finding) => isActive(finding) && atLeast(finding.severity, failOn));
  if (failing.length > 0) {
    io.stderr.write(
      `helmet: ${count(failing.length)} open ${failing.length === 1 ? "finding" : "findings"} at or above ${failOn} (--fail-on ${failOn})\n`,
    );
    return 1;
  }
  return 0;
}
