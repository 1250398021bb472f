// Where the built `helmet` CLI is, and which Node runs it: the system's Node 20 when there is one (the bridge
// promises to run there), else the Node running the tests.
import { execFileSync } from "node:child_process";
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
