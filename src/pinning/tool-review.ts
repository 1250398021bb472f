// Tool pinning: the first definition the gateway sees of each tool of a server is pinned (by hash); a later,
// different definition is a rug pull, logged as an event the first time it appears and kept as a change awaiting
// an admin's approval. A server set to hide changed tools leaves a tool awaiting approval out of listings, and a
// call to it is a call to an unknown tool; otherwise the review runs off the response path and only logs.

import { redactValue } from "../core/detectors/detect.ts";
import { idKey, type JsonRpcMessage } from "../core/jsonrpc.ts";
import { canonicalJson, toolDefinition, toolDefinitionHash } from "../core/tool-definition.ts";
import { database } from "../db/client.ts";
import { GatewayError } from "../errors.ts";
import { queueEventWrite } from "../logging/event-writer.ts";
import type { StoredEvent } from "../logging/log-store.ts";
import { insertPins, loadPins, type NewPin, type PinState, recordChange } from "./pin-store.ts";

export interface PinScope {
  team: string;
  serverId: string;
  server: string;
  subject: string;
  sessionId: string | null;
}

/** The tools of a tools/list result, or null when it is not one. */
export function toolsOf(result: Record<string, unknown>): Array<Record<string, unknown>> | null {
  const tools = result.tools;
  if (!Array.isArray(tools)) return null;
  return tools.filter(
    (tool): tool is Record<string, unknown> =>
      typeof tool === "object" && tool !== null && typeof tool.name === "string",
  );
}

function rugPullEvent(scope: PinScope, tool: string, pinned: string, seen: string, at: number): StoredEvent {
  return {
    id: crypto.randomUUID(),
    ts: at,
    team: scope.team,
    sessionId: scope.sessionId,
    server: scope.server,
    subject: scope.subject,
    direction: "server_to_client",
    kind: "notification",
    method: "tools/list",
    target: tool,
    requestId: null,
    status: "rug_pull",
    errorCode: null,
    latencyMs: null,
    bytesIn: 0,
    bytesOut: 0,
    progressCount: 0,
    decision: null,
    rule: null,
    redactions: null,
    paramsExcerpt: null,
    resultExcerpt: JSON.stringify({ pinned_hash: pinned, seen_hash: seen }),
  };
}

/** A definition longer than this is pinned by hash only; the API then cannot show it for review. */
const MAX_DEFINITION_CHARS = 32_768;

/** A listed tool, by name and definition hash. */
interface SeenTool {
  name: string;
  hash: string;
  tool: Record<string, unknown>;
}

/**
 * The tool as stored in a pin: its hash, and its definition (redacted, as logs are) for an admin to review. Built
 * only for tools seen for the first time or changed, not on every listing.
 */
function pinOf(seen: SeenTool): NewPin {
  const definition = canonicalJson(redactValue(toolDefinition(seen.tool)).value);
  return {
    tool: seen.name,
    hash: seen.hash,
    definition: definition.length <= MAX_DEFINITION_CHARS ? definition : null,
  };
}

/**
 * Checks the tools of a tools/list answer against their pins: pins the tools seen for the first time, records
 * and logs each new changed definition. Returns the names of the listed tools whose change awaits approval.
 * Throws when the pins cannot be read or written; the caller decides whether that fails closed.
 */
export async function reviewTools(
  env: Env,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  scope: PinScope,
  tools: ReadonlyArray<Record<string, unknown>>,
  ttlMs: number,
): Promise<Set<string>> {
  const db = database(env);
  const at = Date.now();
  const listed: SeenTool[] = await Promise.all(
    tools.map(async (tool) => ({ name: tool.name as string, hash: await toolDefinitionHash(tool), tool })),
  );
  const states = new Map<string, PinState>();
  for (const [tool, state] of await loadPins(db, scope.team, scope.serverId, ttlMs)) {
    states.set(tool, { ...state });
  }
  const unpinned = new Map<string, NewPin>();
  for (const seen of listed) {
    if (!states.has(seen.name) && !unpinned.has(seen.name)) unpinned.set(seen.name, pinOf(seen));
  }
  if (unpinned.size > 0) {
    const added = await insertPins(db, scope.team, scope.serverId, [...unpinned.values()], at);
    for (const [tool, state] of added) states.set(tool, { ...state });
  }
  const rugPulls: StoredEvent[] = [];
  const awaiting = new Set<string>();
  for (const seen of listed) {
    const pin = states.get(seen.name);
    if (!pin) continue;
    if (pin.hash !== seen.hash && pin.changedHash !== seen.hash) {
      if (await recordChange(db, scope.team, scope.serverId, pin.hash, pinOf(seen), at)) {
        rugPulls.push(rugPullEvent(scope, seen.name, pin.hash, seen.hash, at));
      }
      // Recorded, or the pin moved under us (an approval): either way the tool waits until a fresh look.
      pin.changedHash = seen.hash;
    }
    // A tool that changed and then changed back still waits: the server did change it once.
    if (pin.changedHash !== null) awaiting.add(seen.name);
  }
  if (rugPulls.length > 0) {
    console.warn(
      `helmet: tool definitions changed on server '${scope.server}': ${rugPulls.map((e) => e.target).join(", ")}`,
    );
    queueEventWrite(env, ctx, { rows: rugPulls, sessionStart: null, touchSession: null, at });
  }
  return awaiting;
}

const pinsUnavailable = (server: string, error: unknown) =>
  new GatewayError(
    503,
    "tool_pins_unavailable",
    `Server '${server}' hides changed tools, and the gateway cannot check its tool pins right now; try again.`,
    { detail: String(error) },
  );

/**
 * The answer to tools/list `requestId` with its tools reviewed and those awaiting approval left out, for a
 * server that hides changed tools. Fails closed: when the pins cannot be checked, nothing is listed.
 */
export async function withoutChangedTools(
  env: Env,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  scope: PinScope,
  ttlMs: number,
  requestId: string | number,
  message: JsonRpcMessage,
): Promise<JsonRpcMessage> {
  if (!("result" in message) || message.id === null || idKey(message.id) !== idKey(requestId)) return message;
  const tools = toolsOf(message.result);
  if (!tools) return message;
  let awaiting: Set<string>;
  try {
    awaiting = await reviewTools(env, ctx, scope, tools, ttlMs);
  } catch (error) {
    throw pinsUnavailable(scope.server, error);
  }
  if (awaiting.size === 0) return message;
  const kept = (message.result.tools as unknown[]).filter((tool) => {
    const name = (tool as { name?: unknown } | null)?.name;
    return !(typeof name === "string" && awaiting.has(name));
  });
  return { ...message, result: { ...message.result, tools: kept } };
}

/** Whether `tool` has a changed definition awaiting approval. Fails closed when the pins cannot be read. */
export async function awaitsApproval(
  env: Env,
  scope: { team: string; serverId: string; server: string },
  tool: string,
  ttlMs: number,
): Promise<boolean> {
  try {
    const pin = (await loadPins(database(env), scope.team, scope.serverId, ttlMs)).get(tool);
    return pin !== undefined && pin.changedHash !== null;
  } catch (error) {
    throw pinsUnavailable(scope.server, error);
  }
}

/**
 * A listener for the messages of a tools/list exchange on a server that does not hide changed tools: when the
 * answer to `requestId` passes, its tools are reviewed off the response path.
 */
export function toolPinWatcher(
  env: Env,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  requestId: string | number,
  scope: PinScope,
  ttlMs: number,
): (message: JsonRpcMessage) => void {
  return (message) => {
    if (!("result" in message) || message.id === null || idKey(message.id) !== idKey(requestId)) return;
    const tools = toolsOf(message.result);
    if (!tools) return;
    ctx.waitUntil(
      reviewTools(env, ctx, scope, tools, ttlMs).catch((error: unknown) => {
        console.error("helmet: checking tool pins failed", String(error));
      }),
    );
  };
}
