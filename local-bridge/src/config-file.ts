// `helmet init` writes the API URL and token to a config file, so later runs need no variables. The file is read
// as the lowest-precedence source: a flag wins over a variable, and a variable over the file. It lives at
// $HELMET_CONFIG, else $XDG_CONFIG_HOME/helmet/config.json, else ~/.config/helmet/config.json, mode 0600.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import * as z from "zod/mini";

const configSchema = z.object({
  api_url: z.optional(z.string()),
  token: z.optional(z.string()),
});

export type BridgeConfig = z.infer<typeof configSchema>;

export function configPath(env: Readonly<Record<string, string | undefined>>): string {
  if (env.HELMET_CONFIG) return env.HELMET_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "helmet", "config.json");
}

/** The config file's settings; empty when there is none. A file that is not valid is an error worth stopping for. */
export function readConfig(path: string): BridgeConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON; fix it or run helmet init again`);
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) throw new Error(`${path} does not hold helmet settings; run helmet init again`);
  return parsed.data;
}

export function writeConfig(path: string, config: BridgeConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** The environment with the file's settings added where no variable sets them. */
export function withConfig(
  env: Readonly<Record<string, string | undefined>>,
  config: BridgeConfig,
): Record<string, string | undefined> {
  return {
    ...(config.api_url ? { HELMET_API_URL: config.api_url } : {}),
    ...(config.token ? { HELMET_SESSION_TOKEN: config.token } : {}),
    ...env,
  };
}
