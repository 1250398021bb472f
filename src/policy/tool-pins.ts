// Tool pinning: the first definition the gateway sees of each tool of a server is pinned (by hash); a later,
// different definition is a rug pull, logged as an event each time it first appears. Runs off the response path.
import { and, eq } from "drizzle-orm";
import type { JsonRpcMessage } from "../core/jsonrpc.ts";
import { toolDefinitionHash } from "../core/tool-definition.ts";
import { database } from "../db/client.ts";
import { type ToolPinRow, toolPins } from "../db/schema.ts";
import { queueEventWrite } from "../logging/event-writer.ts";
import type { StoredEvent } from "../logging/log-store.ts";

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

/**
 * A listener for the messages of a tools/list exchange: when the answer to `requestId` passes, its tools are
 * checked against their pins, off the response path.
 */
export function toolPinWatcher(
  env: Env,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  requestId: string | number,
  scope: PinScope,
): (message: JsonRpcMessage) => void {
  return (message) => {
    if (!("result" in message) || message.id !== requestId) return;
    const tools = toolsOf(message.result);
    if (tools) ctx.waitUntil(checkToolPins(env, ctx, scope, tools));
  };
}

/** Pins new tools and logs tools whose definition differs from their pin. */
export async function checkToolPins(
  env: Env,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  scope: PinScope,
  tools: Array<Record<string, unknown>>,
): Promise<void> {
  try {
    const db = database(env);
    const at = Date.now();
    const pinned = new Map<string, ToolPinRow>(
      (
        await db
          .select()
          .from(toolPins)
          .where(and(eq(toolPins.team, scope.team), eq(toolPins.serverId, scope.serverId)))
          .all()
      ).map((row) => [row.tool, row]),
    );
    const rugPulls: StoredEvent[] = [];
    for (const tool of tools) {
      const name = tool.name as string;
      const hash = await toolDefinitionHash(tool);
      const pin = pinned.get(name);
      if (!pin) {
        await db
          .insert(toolPins)
          .values({ team: scope.team, serverId: scope.serverId, tool: name, hash, firstSeenAt: at })
          .onConflictDoNothing();
      } else if (pin.hash !== hash && pin.changedHash !== hash) {
        await db
          .update(toolPins)
          .set({ changedAt: at, changedHash: hash })
          .where(
            and(
              eq(toolPins.team, scope.team),
              eq(toolPins.serverId, scope.serverId),
              eq(toolPins.tool, name),
            ),
          );
        rugPulls.push(rugPullEvent(scope, name, pin.hash, hash, at));
      }
    }
    if (rugPulls.length > 0) {
      console.warn(
        `helmet: tool definitions changed on server '${scope.server}': ${rugPulls.map((e) => e.target).join(", ")}`,
      );
      queueEventWrite(env, ctx, { rows: rugPulls, sessionStart: null, touchSession: null, at });
    }
  } catch (error) {
    console.error("helmet: checking tool pins failed", String(error));
  }
}
