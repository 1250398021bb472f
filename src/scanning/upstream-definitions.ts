// Reads what a registered server shows the model, as a client would: initialize, then tools, prompts, resources and
// resource templates (each only if the server declares it), following pagination. The gateway's own MCP session,
// with the server's stored credentials and the registry's URL rules; ended with DELETE when done.
import { isErrorResponse } from "../core/jsonrpc.ts";
import { McpHeader, Method, PROTOCOL_VERSIONS } from "../core/mcp.ts";
import type { ServerDefinitions } from "../core/scan/definition-analyzer.ts";
import { DEFINITION_LISTS } from "../core/scan/definition-lists.ts";
import { GatewayError } from "../errors.ts";
import { upstreamAnswer } from "../proxy/upstream-answer.ts";
import { ACCEPT_POST, callUpstream } from "../proxy/upstream-call.ts";
import type { Upstream } from "../registry/upstream-resolver.ts";

/** Largest answer read (a tools/list page); a larger one fails the scan rather than fill memory. */
const ANSWER_LIMIT = 4 * 1024 * 1024;
/** Pages read per list; a server that pages forever is cut off here. */
const MAX_PAGES = 50;
/** Definitions kept per list. */
const MAX_ITEMS = 2_000;

type Result = Record<string, unknown>;

class UpstreamSession {
  #sessionId: string | null = null;
  #protocolVersion: string | null = null;

  constructor(
    readonly upstream: Upstream,
    readonly timeoutMs: number,
  ) {}

  async request(method: string, params: Result): Promise<Result> {
    const id = `helmet-scan-${crypto.randomUUID()}`;
    const response = await this.#post({ jsonrpc: "2.0", id, method, params });
    if (method === Method.Initialize) this.#sessionId = response.headers.get(McpHeader.SessionId);
    if (!response.ok) {
      await response.body?.cancel();
      throw failure(this.upstream, `${method} was answered with HTTP ${response.status}`);
    }
    const answer = await upstreamAnswer(response, id, ANSWER_LIMIT);
    if (!answer)
      throw failure(this.upstream, `no readable answer to ${method} (over 4 MiB, or not JSON-RPC)`);
    if (isErrorResponse(answer)) throw failure(this.upstream, `${method} failed: ${answer.error.message}`);
    if (!("result" in answer)) throw failure(this.upstream, `the answer to ${method} has no result`);
    if (method === Method.Initialize && typeof answer.result.protocolVersion === "string") {
      this.#protocolVersion = answer.result.protocolVersion;
    }
    return answer.result;
  }

  async notify(method: string): Promise<void> {
    const response = await this.#post({ jsonrpc: "2.0", method });
    await response.body?.cancel();
  }

  /** Ends the upstream session; a server that does not support DELETE is fine. */
  async close(): Promise<void> {
    if (this.#sessionId === null) return;
    try {
      const response = await callUpstream(this.upstream, {
        method: "DELETE",
        accept: ACCEPT_POST,
        upstreamSessionId: this.#sessionId,
        extraHeaders: this.#headers(),
        timeoutMs: this.timeoutMs,
      });
      await response.body?.cancel();
    } catch {
      // Best effort: the session expires upstream anyway.
    }
  }

  #headers(): Record<string, string> {
    return this.#protocolVersion ? { [McpHeader.ProtocolVersion]: this.#protocolVersion } : {};
  }

  #post(message: Result): Promise<Response> {
    return callUpstream(this.upstream, {
      method: "POST",
      accept: ACCEPT_POST,
      upstreamSessionId: this.#sessionId,
      body: JSON.stringify(message),
      extraHeaders: this.#headers(),
      timeoutMs: this.timeoutMs,
    });
  }
}

function failure(upstream: Upstream, problem: string): GatewayError {
  return new GatewayError(
    502,
    "scan_upstream_failed",
    `Scanning server '${upstream.name}' failed: ${problem}.`,
  );
}

/** Everything the server shows the model. Throws GatewayError when the server cannot be read. */
export async function readServerDefinitions(
  upstream: Upstream,
  timeoutMs: number,
): Promise<ServerDefinitions> {
  const session = new UpstreamSession(upstream, timeoutMs);
  try {
    const initialized = await session.request(Method.Initialize, {
      protocolVersion: PROTOCOL_VERSIONS.at(-2),
      capabilities: {},
      clientInfo: { name: "helmet-scanner", version: "0.1.0" },
    });
    await session.notify(Method.Initialized);
    const capabilities = (initialized.capabilities ?? {}) as Record<string, unknown>;
    const definitions: ServerDefinitions = {
      server: upstream.name,
      instructions: typeof initialized.instructions === "string" ? initialized.instructions : undefined,
    };
    for (const list of DEFINITION_LISTS) {
      if (!capabilities[list.capability]) continue;
      const items: Result[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES && items.length < MAX_ITEMS; page++) {
        const result = await session.request(list.method, cursor ? { cursor } : {});
        const pageItems = result[list.key];
        if (Array.isArray(pageItems)) {
          items.push(
            ...pageItems.filter((item): item is Result => typeof item === "object" && item !== null),
          );
        }
        cursor = typeof result.nextCursor === "string" && result.nextCursor ? result.nextCursor : undefined;
        if (!cursor) break;
      }
      definitions[list.key] = items.slice(0, MAX_ITEMS);
    }
    return definitions;
  } finally {
    await session.close();
  }
}
