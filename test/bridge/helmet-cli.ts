// Running the built `helmet` CLI in tests: where it is, which Node runs it (the system's Node 20 when there is
// one, since the bridge promises to run there, else the Node running the tests), its environment, and a served
// server-everything.
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const HELMET_CLI = fileURLToPath(new URL("../../local-bridge/dist/cli.js", import.meta.url));

if (!existsSync(HELMET_CLI)) {
  throw new Error(
    `${HELMET_CLI} is missing: build the bridge with \`npm run build -w local-bridge\` (npm install does).`,
  );
}

let node: string | undefined;

export function helmetNode(): string {
  if (node === undefined) {
    node = process.execPath;
    try {
      const version = execFileSync("/usr/bin/node", ["--version"], { encoding: "utf8" }).trim();
      if (/^v20\./.test(version)) node = "/usr/bin/node";
    } catch {
      // No system Node: the tests' own Node runs the CLI.
    }
  }
  return node;
}

/**
 * The environment the CLI runs with in tests: PATH, and a config file that does not exist, so a developer's own
 * `helmet init` never changes what a test sees.
 */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HELMET_CONFIG: "/nonexistent/helmet/config.json", ...extra };
}

/** server-everything's entry: run with `stdio`, it is the reference stdio server the bridge tests wrap. */
export const EVERYTHING = fileURLToPath(
  new URL("../../node_modules/@modelcontextprotocol/server-everything/dist/index.js", import.meta.url),
);

export interface Served {
  url: string;
  port: number;
  stderr: () => string;
  /** SIGTERM, then the exit status. */
  stop: () => Promise<number | null>;
}

/** Starts `helmet serve --port 0 [flags] <server-everything stdio>` and waits until it listens. */
export async function startServe(flags: string[] = [], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(
    helmetNode(),
    [HELMET_CLI, "serve", "--port", "0", ...flags, process.execPath, EVERYTHING, "stdio"],
    { env: cliEnv(env) },
  );
  let stderr = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /at http:\/\/127\.0\.0\.1:(\d+)\/mcp/.exec(stderr);
      if (match) resolve(Number(match[1]));
    });
    child.on("close", (status) => reject(new Error(`helmet serve exited (${status}): ${stderr}`)));
  });
  const closed = new Promise<number | null>((resolve) => child.on("close", (status) => resolve(status)));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stderr: () => stderr,
    stop: async () => {
      child.kill("SIGTERM");
      return closed;
    },
  };
}
