// The command line of `helmet scan`, turned into validated flags and one target: a path, a saved tools file, a
// server URL, or a stdio server's command after `--`. Flags may come before or after the path; zod/mini, bundled.
import * as z from "zod/mini";
import type { Severity } from "../../../src/core/scan/finding.ts";
import type { ReportFormat } from "../../../src/core/scan/formats/index.ts";
import { parseDuration } from "../options.ts";
import { SCANNERS, SCANNERS_ERROR } from "./scanners.ts";

/** The report formats (core formats/index.ts), listed here so the main chunk does not load the renderers. */
export const SCAN_FORMATS = [
  "table",
  "json",
  "sarif",
  "csv",
  "markdown",
] as const satisfies readonly ReportFormat[];
export const FAIL_ON = ["critical", "high", "medium", "low", "none"] as const satisfies readonly (
  | Severity
  | "none"
)[];
export type FailOn = (typeof FAIL_ON)[number];

export const FORMAT_ERROR = "must be table, json, sarif, csv or markdown";
export const FAIL_ON_ERROR = "must be critical, high, medium, low or none";

export type ScanTarget =
  | { kind: "files"; path: string }
  | { kind: "tools"; file: string }
  | { kind: "url"; url: URL; headers: Record<string, string> }
  | { kind: "stdio"; command: string[] };

const flagsSchema = z.object({
  format: z.optional(z.enum(SCAN_FORMATS, { error: FORMAT_ERROR })),
  output: z.nullable(z.string().check(z.minLength(1, "must be a file path"))),
  failOn: z.optional(z.enum(FAIL_ON, { error: FAIL_ON_ERROR })),
  config: z.nullable(z.string().check(z.minLength(1, "must be a file path"))),
  serverName: z.nullable(
    z
      .string()
      .check(
        z.refine(
          (name) => name.length >= 1 && name.length <= 100 && !/\p{Cc}/u.test(name),
          "must be 1-100 printable characters",
        ),
      ),
  ),
  timeoutMs: z.number({ error: "must be a duration from 1s to 24h, such as 30s or 2m" }),
  /** `osv` (the OSV API), `offline` (no advisories) or an OSV snapshot file; unset: the config's, else osv. */
  advisories: z.nullable(z.string().check(z.minLength(1, "must be osv, offline or an OSV snapshot file"))),
  /** What a file scan looks for; null: everything. */
  scanners: z.nullable(
    z.array(z.enum(SCANNERS, { error: SCANNERS_ERROR })).check(z.minLength(1, SCANNERS_ERROR)),
  ),
});

export type ScanFlags = z.infer<typeof flagsSchema> & { target: ScanTarget };

export type ScanParse =
  | { kind: "scan"; scan: ScanFlags }
  | { kind: "help" }
  | { kind: "error"; message: string };

const FLAGS = {
  "--format": "format",
  "--output": "output",
  "--fail-on": "failOn",
  "--config": "config",
  "--server-name": "serverName",
  "--timeout": "timeoutMs",
  "--tools": "tools",
  "--url": "url",
  "--header": "header",
  "--advisories": "advisories",
  "--scanners": "scanners",
} as const;
type ScanFlagName = keyof typeof FLAGS;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const TARGET_USAGE =
  "name one target: helmet scan PATH, helmet scan --tools FILE.json, helmet scan --url URL, or helmet scan -- COMMAND [ARGS...]";

/** `Name: value` from --header; errors never repeat the value, which is often a credential. */
function parseHeader(text: string): { name: string; value: string } | string {
  const colon = text.indexOf(":");
  const name = colon === -1 ? "" : text.slice(0, colon).trim();
  const value = colon === -1 ? "" : text.slice(colon + 1).trim();
  if (!TOKEN.test(name) || value === "" || /[\r\n\0]/.test(value)) {
    return `--header must be "Name: value", such as "Authorization: Bearer TOKEN"`;
  }
  return { name, value };
}

/** Parses the arguments after `scan`. Never throws: problems come back as an error. */
export function parseScanArgs(args: readonly string[]): ScanParse {
  const given = new Map<ScanFlagName, string[]>();
  const paths: string[] = [];
  let command: string[] | null = null;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === "--") {
      command = args.slice(i + 1);
      break;
    }
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    if (!arg.startsWith("-") || arg === "-") {
      paths.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (!Object.hasOwn(FLAGS, name)) {
      return { kind: "error", message: `unknown flag ${name} for helmet scan (see helmet scan --help)` };
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      i += 1;
      value = args[i];
    }
    if (value === undefined)
      return { kind: "error", message: `${name} needs a value (see helmet scan --help)` };
    given.set(name as ScanFlagName, [...(given.get(name as ScanFlagName) ?? []), value]);
  }

  const last = (flag: ScanFlagName) => given.get(flag)?.at(-1);
  const timeout = last("--timeout");
  const parsed = flagsSchema.safeParse({
    format: last("--format")?.toLowerCase(),
    output: last("--output") ?? null,
    failOn: last("--fail-on")?.toLowerCase(),
    config: last("--config") ?? null,
    serverName: last("--server-name") ?? null,
    timeoutMs: timeout === undefined ? 30_000 : (parseDuration(timeout) ?? undefined),
    advisories: last("--advisories") ?? null,
    scanners: given.has("--scanners")
      ? (given.get("--scanners") ?? [])
          .flatMap((list) => list.split(","))
          .map((name) => name.trim().toLowerCase())
      : null,
  });
  if (!parsed.success) {
    const flagOf = (key: PropertyKey) =>
      Object.entries(FLAGS).find(([, field]) => field === key)?.[0] ?? String(key);
    return {
      kind: "error",
      message: parsed.error.issues
        .map((issue) => `${flagOf(issue.path[0] ?? "")} ${issue.message}`)
        .join("; "),
    };
  }

  const targets = [paths.length > 0, given.has("--tools"), given.has("--url"), command !== null].filter(
    Boolean,
  );
  if (targets.length !== 1) return { kind: "error", message: TARGET_USAGE };
  const headerFlags = given.get("--header") ?? [];
  if (headerFlags.length > 0 && !given.has("--url")) {
    return { kind: "error", message: "--header goes with --url: it is sent to the server scanned by URL" };
  }

  let target: ScanTarget;
  if (paths.length > 0) {
    if (paths.length > 1) {
      return {
        kind: "error",
        message: `helmet scan takes one path, not ${paths.length}: scan a directory that holds them all`,
      };
    }
    target = { kind: "files", path: paths[0] as string };
  } else if (command !== null) {
    if (command.length === 0) {
      return {
        kind: "error",
        message: "no server command after --: helmet scan [flags] -- COMMAND [ARGS...]",
      };
    }
    target = { kind: "stdio", command };
  } else if (given.has("--tools")) {
    target = { kind: "tools", file: last("--tools") as string };
  } else {
    const text = last("--url") as string;
    const url = URL.canParse(text) ? new URL(text) : null;
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
      return { kind: "error", message: `--url needs an http(s) URL, such as http://127.0.0.1:8080/mcp` };
    }
    if (url.username || url.password) {
      return {
        kind: "error",
        message: `--url must not carry credentials: send them with --header "Authorization: Bearer TOKEN"`,
      };
    }
    const headers: Record<string, string> = {};
    for (const flag of headerFlags) {
      const header = parseHeader(flag);
      if (typeof header === "string") return { kind: "error", message: header };
      headers[header.name.toLowerCase()] = header.value;
    }
    target = { kind: "url", url, headers };
  }
  return { kind: "scan", scan: { ...parsed.data, target } };
}
