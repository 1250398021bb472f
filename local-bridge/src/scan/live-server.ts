// `helmet scan --url URL` and `helmet scan -- COMMAND`: what a running server shows the model, read with the
// official SDK client: instructions from initialize, then tools, prompts, resources and resource templates (each
// when the server's capabilities list it, every page), as raw JSON so nothing the SDK's schemas drop escapes review.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpError, ResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { redactText } from "../../../src/core/detectors/detect.ts";
import type { ServerDefinitions } from "../../../src/core/scan/definition-analyzer.ts";
import { DEFINITION_LISTS } from "../../../src/core/scan/definition-lists.ts";
import { childEnvironment } from "../child-env.ts";
import { VERSION } from "../options.ts";
import { ScanError } from "./scan-error.ts";
import type { ScanTarget } from "./scan-options.ts";

export type LiveTarget = Extract<ScanTarget, { kind: "url" | "stdio" }>;

/** Pages read per list at most: a server that keeps handing out cursors does not keep the scan going. */
export const MAX_PAGES = 100;

type Definition = Record<string, unknown>;
type Definitions = Omit<ServerDefinitions, "server"> & {
  /** The name the server gives itself in its initialize result (serverInfo.name). */
  serverName?: string;
};

const LISTS = DEFINITION_LISTS;

export interface LiveScanOptions {
  timeoutMs: number;
  /** Notes for stderr that do not stop the scan. */
  warn: (text: string) => void;
  /** The running counts, for the progress line. */
  onProgress?: (counts: Readonly<Record<(typeof LISTS)[number]["key"], number>>) => void;
}

const isObject = (value: unknown): value is Definition =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** How the target is named in messages: the URL, or the command. */
export function liveTargetName(target: LiveTarget): string {
  return target.kind === "url" ? redactText(target.url.href).text : target.command.join(" ");
}

function seconds(ms: number): string {
  return ms % 1_000 === 0 ? `${ms / 1_000}s` : `${(ms / 1_000).toFixed(1)}s`;
}

/** The error as a message that says what to fix. */
function explain(error: unknown, target: LiveTarget): ScanError {
  if (error instanceof ScanError) return error;
  const name = liveTargetName(target);
  const raw = error instanceof Error ? error.message : String(error);
  const text = redactText(raw.length > 300 ? `${raw.slice(0, 300)}…` : raw).text;
  if (error instanceof StreamableHTTPError) {
    const status = error.code;
    if (status === 401 || status === 403) {
      return new ScanError(
        `${name} refused the scan (HTTP ${status}): pass its credentials with --header "Authorization: Bearer TOKEN"`,
      );
    }
    if (status === 404 || status === 405) {
      return new ScanError(
        `${name} answered HTTP ${status} to a Streamable HTTP request: check the path (often /mcp); a server that only speaks the older HTTP+SSE transport cannot be scanned by URL, scan it with -- COMMAND instead`,
      );
    }
    return new ScanError(`${name} answered HTTP ${status}: ${text}`);
  }
  const code = errnoCode(error);
  if (target.kind === "url" && code !== undefined) {
    const why: Record<string, string> = {
      ECONNREFUSED: "connection refused",
      ENOTFOUND: "host not found",
      EAI_AGAIN: "host name lookup failed",
      ECONNRESET: "connection reset",
      ETIMEDOUT: "connection timed out",
      EHOSTUNREACH: "host unreachable",
    };
    return new ScanError(
      `cannot connect to ${name}: ${why[code] ?? code}; check the URL and that the server is running`,
    );
  }
  if (target.kind === "stdio" && (code === "ENOENT" || code === "EACCES")) {
    const what = code === "ENOENT" ? "command not found" : "permission denied";
    return new ScanError(`cannot start ${target.command[0]}: ${what}; check the command after --`);
  }
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    return new ScanError(
      target.kind === "stdio"
        ? `the server exited before it answered (its output is above): check that \`${name}\` runs an MCP server on stdio`
        : `${name} closed the connection before it answered: check that it is an MCP Streamable HTTP endpoint`,
    );
  }
  if (error instanceof McpError) return new ScanError(`${name} answered with an error: ${text}`);
  return new ScanError(`the scan of ${name} failed: ${text}`);
}

/** A system error code (ECONNREFUSED, ENOENT) on the error or on the causes fetch wraps it in. */
function errnoCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; isObject(e) || e instanceof Error; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) e = errors[0];
    else e = (e as { cause?: unknown }).cause;
    if (depth > 5) break;
  }
  return undefined;
}

/** Everything the server lists, read within `options.timeoutMs` (then a ScanError saying so). */
export async function readLiveServer(target: LiveTarget, options: LiveScanOptions): Promise<Definitions> {
  const client = new Client({ name: "helmet-scan", version: VERSION }, { capabilities: {} });
  // Errors the transport reports aside from requests (a stray stdout line, a dropped GET stream): not fatal.
  client.onerror = () => {};
  let transport: StdioClientTransport | StreamableHTTPClientTransport;
  if (target.kind === "url") {
    // Only the headers given with --header: HELMET_SESSION_TOKEN is for Helmet's gateway, never another server.
    transport = new StreamableHTTPClientTransport(target.url, {
      requestInit: { headers: target.headers },
      reconnectionOptions: {
        initialReconnectionDelay: 1_000,
        maxReconnectionDelay: 1_000,
        reconnectionDelayGrowFactor: 1,
        maxRetries: 0,
      },
    });
  } else {
    const [command, ...args] = target.command as [string, ...string[]];
    // The server's stderr is ours; its environment ours without HELMET_* (child-env.ts).
    transport = new StdioClientTransport({
      command,
      args,
      env: childEnvironment(process.env),
      stderr: "inherit",
    });
  }

  const counts = { tools: 0, prompts: 0, resources: 0, resourceTemplates: 0 };
  // The SDK's own request timeout only backs up the scan's, which fires first with the clearer message.
  const requestTimeout = options.timeoutMs + 5_000;
  const read = async (): Promise<Definitions> => {
    await client.connect(transport, { timeout: requestTimeout });
    const capabilities = client.getServerCapabilities() ?? {};
    const out: Definitions = {};
    const ownName = client.getServerVersion()?.name;
    if (typeof ownName === "string" && ownName.trim() !== "") out.serverName = ownName.trim().slice(0, 100);
    const instructions = client.getInstructions();
    if (typeof instructions === "string" && instructions !== "") out.instructions = instructions;
    for (const list of LISTS) {
      if (!capabilities[list.capability]) continue;
      const items: Definition[] = [];
      const cursors = new Set<string>();
      let cursor: string | undefined;
      for (let page = 1; ; page += 1) {
        let result: Record<string, unknown>;
        try {
          result = await client.request(
            { method: list.method, params: cursor === undefined ? {} : { cursor } },
            ResultSchema,
            { timeout: requestTimeout },
          );
        } catch (error) {
          // A server may announce resources and not implement templates (or the like): scan what there is.
          if (error instanceof McpError && error.code === ErrorCode.MethodNotFound) {
            options.warn(`the server announces ${list.capability} but does not answer ${list.method}`);
            break;
          }
          throw error;
        }
        const found = result[list.key];
        if (!Array.isArray(found)) {
          throw new ScanError(
            `${liveTargetName(target)} answered ${list.method} without a "${list.key}" list`,
          );
        }
        const dropped = found.filter((item) => !isObject(item)).length;
        if (dropped > 0) options.warn(`left out ${dropped} ${list.key} entries that are not objects`);
        items.push(...found.filter(isObject));
        counts[list.key] = items.length;
        options.onProgress?.(counts);
        const next = result.nextCursor;
        if (typeof next !== "string" || next === "") break;
        if (cursors.has(next)) {
          options.warn(`the server handed out the same ${list.method} cursor twice: stopped reading there`);
          break;
        }
        if (page === MAX_PAGES) {
          options.warn(`stopped reading ${list.method} after ${MAX_PAGES} pages`);
          break;
        }
        cursors.add(next);
        cursor = next;
      }
      out[list.key] = items;
    }
    return out;
  };

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new ScanError(
          `${liveTargetName(target)} did not finish answering within ${seconds(options.timeoutMs)}: check that the server runs, or give it longer with --timeout`,
        ),
      );
    }, options.timeoutMs);
  });
  try {
    return await Promise.race([read(), timedOut]);
  } catch (error) {
    throw explain(error, target);
  } finally {
    clearTimeout(timer);
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId !== undefined) {
      await Promise.race([
        transport.terminateSession().catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 1_000).unref()),
      ]);
    }
    // For a stdio server: stdin closed, then SIGTERM and SIGKILL if it lingers (the SDK's shutdown).
    await client.close().catch(() => {});
  }
}
