// The command line and HELMET_* variables of `helmet`, turned into validated options. Flags win over variables;
// the first argument that is not a flag starts the server's command, so the server's own flags stay its own.
// zod/mini, bundled: it loads in a few milliseconds, and start-up time is time the MCP client waits.
import * as z from "zod/mini";
import { parseScanArgs, type ScanFlags } from "./scan/scan-options.ts";

export const VERSION = "0.1.0";

export const USAGE = `helmet ${VERSION}: wraps a stdio MCP server with Helmet's monitoring and policies, and scans
files and MCP servers for secrets and tool poisoning.

Usage:
  helmet [flags] <command> [args...]         run the server through Helmet (proxy mode)
  helmet proxy [flags] <command> [args...]   the same
  helmet connect [flags] <url>               a Streamable HTTP endpoint (the gateway's /mcp/NAME) on stdio,
                                             with HELMET_SESSION_TOKEN as its bearer token
  helmet serve [flags] <command> [args...]   the server over HTTP: Streamable HTTP at /mcp, legacy SSE at /sse,
                                             one server process per session
    --port N (8080)  --host ADDR (127.0.0.1)  --idle-timeout DURATION (10m)  --allow-origin ORIGIN (repeatable)
    HELMET_SERVE_TOKEN: when set, every request must carry it as a bearer token
  helmet init [--api-url URL]                save the API URL and the token (HELMET_SESSION_TOKEN, or pasted
                                             on stdin) to the config file, so later runs need no variables
  helmet scan [flags] <path>                 scan a directory or a file: secrets, tool vulnerabilities in
                                             JS/TS/Python sources, dependencies (.gitignore respected)
  helmet scan [flags] --tools <file.json>    scan a saved tools/list result for tool poisoning
  helmet scan [flags] --url <url>            scan a Streamable HTTP server's tools, prompts and resources
  helmet scan [flags] -- <command> [args...] scan a stdio server's tools, prompts and resources
    --format table|json|sarif|csv|markdown (table)   --output FILE   --config FILE (JSON)
    --fail-on critical|high|medium|low|none (none): exit 1 when an open finding is at or above it
    --header "Name: value" (repeatable, with --url)  --server-name NAME  --timeout DURATION (30s)
    --advisories osv|offline|FILE (osv): dependency advisories from the OSV API (HELMET_OSV_URL names a
               mirror), none, or an OSV snapshot (.json, or osv.dev's .zip) for offline scans
    --scanners secrets,code,dependencies,containers (all): what a scan of files looks for
    --config: {"exclude": {"paths": [".gitignore-style patterns"], "rules": ["rule-id"]},
               "failOn": "high", "format": "sarif", "advisories": "osv.zip",
               "licenses": {"allow": ["MIT", "Apache-2.0"]}}; flags win. Excluded paths are not read;
               excluded rules' findings are kept as suppressed and do not count towards --fail-on.
    Exit status: 0 clean, 1 findings at or above --fail-on, 2 a usage, config or connection error.
  helmet --help | --version

Flags (each also read from the variable shown; a flag wins over its variable):
  --log-level INFO|DEBUG       HELMET_LOG_LEVEL        what Helmet writes to stderr (INFO)
  --metrics-interval DURATION  HELMET_METRICS_INTERVAL how often metrics are logged, e.g. 30s, 5m (30s)
  --log-file PATH              HELMET_LOG_FILE         write every protocol message, redacted, as NDJSON
  --api-url URL                HELMET_API_URL          the Helmet gateway (https://api.helmet.sh)
  --pass-env PREFIX            HELMET_PASS_ENV         variables to pass into docker/podman containers;
                                                       repeatable (comma-separated in the variable)
  --server-name NAME           HELMET_SERVER_NAME      the server's name in logs and policies
  --on-gateway-error open|closed                       with a token, what to do when no policy bundle is
                               HELMET_ON_GATEWAY_ERROR available: run unprotected (open) or refuse (closed)

HELMET_SESSION_TOKEN: the API token that turns on monitoring and policies. Helmet's own output goes to stderr;
stdout carries the MCP protocol only. Every HELMET_* variable is removed from the server's environment.
`;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** "30s", "5m", "1h", "500ms", or a bare number of seconds, as milliseconds. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[(match[2] ?? "s") as keyof typeof UNIT_MS];
  return ms >= 1_000 && ms <= 86_400_000 ? Math.round(ms) : null;
}

const optionsSchema = z.object({
  logLevel: z.enum(["INFO", "DEBUG"], { error: "must be INFO or DEBUG" }),
  metricsIntervalMs: z.number({ error: "must be a duration from 1s to 24h, such as 30s or 5m" }),
  logFile: z.nullable(z.string().check(z.minLength(1, "must be a path"))),
  apiUrl: z
    .string()
    .check(z.refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), "must be an http(s) URL")),
  passEnv: z.array(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a variable name prefix"))),
  serverName: z.nullable(
    z
      .string()
      .check(
        z.regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "must be 1-63 lower-case letters, digits, '.', '_' or '-'"),
      ),
  ),
  onGatewayError: z.enum(["open", "closed"], { error: "must be open or closed" }),
});

export type BridgeOptions = z.infer<typeof optionsSchema>;

export type Invocation =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "proxy"; options: BridgeOptions; command: string[] }
  | { kind: "connect"; options: BridgeOptions; url: URL }
  | { kind: "serve"; options: BridgeOptions; serve: ServeFlags; command: string[] }
  | { kind: "init"; options: BridgeOptions }
  | { kind: "scan"; scan: ScanFlags }
  | { kind: "error"; message: string };

const serveSchema = z.object({
  port: z.coerce
    .number({ error: "must be a port number" })
    .check(
      z.int("must be a port number"),
      z.gte(0, "must be a port number"),
      z.lte(65_535, "must be a port number"),
    ),
  host: z.string().check(z.minLength(1, "must be a host name or address")),
  idleTimeoutMs: z.number({ error: "must be a duration from 1s to 24h, such as 10m" }),
  allowedOrigins: z.array(
    z
      .string()
      .check(
        z.refine(
          (o) => URL.canParse(o) && new URL(o).origin === o,
          "must be an origin such as https://app.example.com",
        ),
      ),
  ),
});

export type ServeFlags = z.infer<typeof serveSchema>;

/** Flags only `helmet serve` takes. */
const SERVE_FLAGS = {
  "--port": "port",
  "--host": "host",
  "--idle-timeout": "idleTimeoutMs",
  "--allow-origin": "allowedOrigins",
} as const;

/** Flags that take a value, by name, with the option and variable they set. */
const VALUED = {
  "--log-level": { key: "logLevel", env: "HELMET_LOG_LEVEL" },
  "--metrics-interval": { key: "metricsIntervalMs", env: "HELMET_METRICS_INTERVAL" },
  "--log-file": { key: "logFile", env: "HELMET_LOG_FILE" },
  "--api-url": { key: "apiUrl", env: "HELMET_API_URL" },
  "--pass-env": { key: "passEnv", env: "HELMET_PASS_ENV" },
  "--server-name": { key: "serverName", env: "HELMET_SERVER_NAME" },
  "--on-gateway-error": { key: "onGatewayError", env: "HELMET_ON_GATEWAY_ERROR" },
} as const;

type FlagName = keyof typeof VALUED;
type OptionKey = (typeof VALUED)[FlagName]["key"];

/** Options of `docker run` / `podman run` (and of node) that take a value as the next argument. */
const VALUE_OPTIONS = new Set([
  "-e",
  "--env",
  "--env-file",
  "-v",
  "--volume",
  "--mount",
  "--name",
  "-p",
  "--publish",
  "-w",
  "--workdir",
  "--network",
  "--net",
  "-u",
  "--user",
  "--entrypoint",
  "-l",
  "--label",
  "--platform",
  "--pull",
  "-h",
  "--hostname",
  "--add-host",
  "--device",
  "--cpus",
  "-m",
  "--memory",
  "--restart",
  "--security-opt",
  "--ulimit",
  "--log-driver",
  "--cap-add",
  "--cap-drop",
  "--tmpfs",
  "--gpus",
  "--ipc",
  "--pid",
  "--dns",
  "-r",
  "--require",
  "--import",
  "--loader",
  "--conditions",
  "--inspect-port",
  "--title",
]);

/**
 * The name a server is known by in logs and policies when --server-name does not say: for `docker run` and
 * `podman run`, the image; otherwise the first argument after the program that is not an option or an option's
 * value (a script, a package). Reduced to a base name: `node server.js` is `server`, `npx -y @scope/server-github`
 * is `server-github`, `docker run -i --rm -e TOKEN ghcr.io/github/github-mcp-server` is `github-mcp-server`.
 */
export function serverNameOf(command: readonly string[]): string {
  const [program, ...rest] = command;
  const container = /(?:^|\/)(?:docker|podman)$/.test(program ?? "");
  let args = rest;
  if (container) {
    const run = rest.indexOf("run");
    args = run === -1 ? rest : rest.slice(run + 1);
  }
  let subject: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === "-m" && !container && i + 1 < args.length) {
      // python -m module: the module is the server.
      subject = args[i + 1];
      break;
    }
    if (arg.startsWith("-")) {
      if (!arg.includes("=") && VALUE_OPTIONS.has(arg)) i += 1;
      continue;
    }
    if (!container && (arg === "run" || arg === "x" || arg === "exec")) continue;
    subject = arg;
    break;
  }
  const chosen = subject ?? program ?? "server";
  const base = (chosen.split(/[\\/]/).at(-1) ?? chosen)
    .replace(/@[^@]*$/, "")
    .replace(/\.(?:m?js|cjs|ts|py)$/, "")
    .replace(/:.*$/, "");
  const name = base
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 63);
  return name || "server";
}

/** Parses `argv` (without node and the script) against `env`. Never throws: problems come back as an error. */
export function parseInvocation(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Invocation {
  const args = [...argv];
  // `helmet scan` has flags of its own, allowed after its path too.
  if (args[0] === "scan") return parseScanArgs(args.slice(1));
  const subcommand = ["connect", "proxy", "serve", "init"].includes(args[0] ?? "") ? args.shift() : undefined;
  const serveGiven = new Map<string, string[]>();
  const given = new Map<OptionKey, string[]>();
  let i = 0;
  for (; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === "--") {
      i += 1;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    if (arg === "--version" || arg === "-v") return { kind: "version" };
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const serveFlag = Object.hasOwn(SERVE_FLAGS, name);
    if (!Object.hasOwn(VALUED, name) && !serveFlag) {
      return { kind: "error", message: `unknown flag ${name} (see helmet --help)` };
    }
    if (serveFlag && subcommand !== "serve") {
      return { kind: "error", message: `${name} is a flag of helmet serve (see helmet --help)` };
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      i += 1;
      value = args[i];
    }
    if (value === undefined) return { kind: "error", message: `${name} needs a value (see helmet --help)` };
    if (serveFlag) {
      serveGiven.set(name, [...(serveGiven.get(name) ?? []), value]);
      continue;
    }
    const key = VALUED[name as FlagName].key;
    given.set(key, [...(given.get(key) ?? []), value]);
  }
  const command = args.slice(i);
  if (subcommand === "connect") {
    if (command.length !== 1) return { kind: "error", message: "usage: helmet connect [flags] <url>" };
  } else if (subcommand === "init") {
    if (command.length !== 0) return { kind: "error", message: "usage: helmet init [--api-url URL]" };
  } else if (command.length === 0) {
    return { kind: "error", message: "no MCP server command given: helmet [flags] <command> [args...]" };
  }

  const pick = (flag: FlagName): string[] | undefined => {
    const { key, env: variable } = VALUED[flag];
    const fromFlags = given.get(key);
    if (fromFlags) return fromFlags;
    const fromEnv = env[variable];
    return fromEnv === undefined || fromEnv === "" ? undefined : [fromEnv];
  };
  const last = (flag: FlagName) => pick(flag)?.at(-1);
  const interval = last("--metrics-interval");
  const raw = {
    logLevel: (last("--log-level") ?? "INFO").toUpperCase(),
    metricsIntervalMs: interval === undefined ? 30_000 : (parseDuration(interval) ?? undefined),
    logFile: last("--log-file") ?? null,
    apiUrl: last("--api-url") ?? "https://api.helmet.sh",
    passEnv: (pick("--pass-env") ?? []).flatMap((value) =>
      value
        .split(",")
        .map((prefix) => prefix.trim())
        .filter((prefix) => prefix !== ""),
    ),
    serverName: last("--server-name") ?? null,
    onGatewayError: last("--on-gateway-error") ?? "closed",
  };
  const parsed = optionsSchema.safeParse(raw);
  if (!parsed.success) {
    const flagOf = (key: PropertyKey) =>
      Object.entries(VALUED).find(([, spec]) => spec.key === key)?.[0] ?? String(key);
    const problems = parsed.error.issues.map((issue) => `${flagOf(issue.path[0] ?? "")} ${issue.message}`);
    return { kind: "error", message: problems.join("; ") };
  }
  if (subcommand === "init") return { kind: "init", options: parsed.data };
  if (subcommand === "serve") {
    const idle = serveGiven.get("--idle-timeout")?.at(-1);
    const serve = serveSchema.safeParse({
      port: serveGiven.get("--port")?.at(-1) ?? "8080",
      host: serveGiven.get("--host")?.at(-1) ?? "127.0.0.1",
      idleTimeoutMs: idle === undefined ? 600_000 : (parseDuration(idle) ?? undefined),
      allowedOrigins: serveGiven.get("--allow-origin") ?? [],
    });
    if (!serve.success) {
      const flagOf = (key: PropertyKey) =>
        Object.entries(SERVE_FLAGS).find(([, field]) => field === key)?.[0] ?? String(key);
      return {
        kind: "error",
        message: serve.error.issues
          .map((issue) => `${flagOf(issue.path[0] ?? "")} ${issue.message}`)
          .join("; "),
      };
    }
    return { kind: "serve", options: parsed.data, serve: serve.data, command };
  }
  if (subcommand === "connect") {
    const url = URL.canParse(command[0] as string) ? new URL(command[0] as string) : null;
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
      return { kind: "error", message: `helmet connect needs an http(s) URL, not '${command[0]}'` };
    }
    return { kind: "connect", options: parsed.data, url };
  }
  return { kind: "proxy", options: parsed.data, command };
}
