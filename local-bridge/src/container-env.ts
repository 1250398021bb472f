// `helmet docker run ...` and `helmet podman run ...`: a container does not inherit the environment of the process
// that starts it, so the variables an MCP server needs are passed in as `-e NAME` (the value stays in the
// environment, never on the command line). What is passed: variables named by a --pass-env prefix, and those that
// look like application settings by default (DEFAULT_PREFIXES, DEFAULT_SUFFIXES). System and shell variables and
// HELMET_* are never passed, nor anything the command already sets with -e/--env/--env-file.

/** Prefixes passed by default: settings meant for MCP servers. */
export const DEFAULT_PREFIXES = ["MCP_"] as const;
/** Name endings passed by default: credentials and endpoints an MCP server typically needs. */
export const DEFAULT_SUFFIXES = ["_API_KEY", "_API_TOKEN", "_TOKEN", "_SECRET", "_KEY", "_URL"] as const;
/** Never passed: they describe the host and shell, not the server (and would break the container). */
const SYSTEM = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "PWD",
  "OLDPWD",
  "TERM",
  "LANG",
  "HOSTNAME",
  "TMPDIR",
  "SHLVL",
  "DISPLAY",
  "SSH_AUTH_SOCK",
]);

const RUNTIMES = new Set(["docker", "podman"]);

/** Docker/podman options before the subcommand that take a value (`docker --context x run ...`). */
const GLOBAL_VALUED = new Set([
  "--config",
  "-c",
  "--context",
  "-H",
  "--host",
  "-l",
  "--log-level",
  "--url",
  "--connection",
]);

function isInjectable(name: string, prefixes: readonly string[]): boolean {
  const upper = name.toUpperCase();
  if (
    SYSTEM.has(upper) ||
    upper.startsWith("HELMET_") ||
    upper.startsWith("LC_") ||
    upper.startsWith("XDG_")
  ) {
    return false;
  }
  if (prefixes.some((prefix) => name.startsWith(prefix))) return true;
  if (DEFAULT_PREFIXES.some((prefix) => upper.startsWith(prefix))) return true;
  return DEFAULT_SUFFIXES.some((suffix) => upper.endsWith(suffix));
}

/** The names the run command already sets itself. */
function alreadySet(args: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    let value: string | undefined;
    if (arg === "-e" || arg === "--env") value = args[i + 1];
    else if (arg.startsWith("--env=")) value = arg.slice("--env=".length);
    else if (arg.startsWith("-e") && arg.length > 2) value = arg.slice(2);
    if (value !== undefined) names.add(value.split("=")[0] as string);
  }
  return names;
}

/**
 * The command with `-e NAME` inserted after `run` for each variable of `env` to pass into the container; any other
 * command unchanged.
 */
export function withContainerEnv(
  command: readonly string[],
  env: Readonly<Record<string, string>>,
  passEnvPrefixes: readonly string[],
): string[] {
  const [program, ...rest] = command;
  const runtime = (program ?? "").split("/").at(-1) ?? "";
  if (!RUNTIMES.has(runtime)) return [...command];
  let i = 0;
  while (i < rest.length && (rest[i] as string).startsWith("-"))
    i += GLOBAL_VALUED.has(rest[i] as string) ? 2 : 1;
  let run = -1;
  if (rest[i] === "run") run = i;
  else if (rest[i] === "container" && rest[i + 1] === "run") run = i + 1;
  if (run === -1) return [...command];
  const after = rest.slice(run + 1);
  const set = alreadySet(after);
  const inject = Object.keys(env)
    .filter((name) => !set.has(name) && isInjectable(name, passEnvPrefixes))
    .sort()
    .flatMap((name) => ["-e", name]);
  return [program as string, ...rest.slice(0, run + 1), ...inject, ...after];
}
