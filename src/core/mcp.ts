// MCP-specific knowledge on top of JSON-RPC: protocol versions, and what a message is about.
import type { JsonRpcMessage } from "./jsonrpc.ts";

/** Protocol revisions the gateway understands, oldest first. */
export const PROTOCOL_VERSIONS = [
  "2024-11-05",
  "2025-03-26",
  "2025-06-18",
  "2025-11-25",
  "2026-07-28",
] as const;
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];

/** The only revision that allows JSON-RPC batches in one POST. */
export const BATCH_PROTOCOL_VERSION = "2025-03-26";

export function isKnownProtocolVersion(value: string): value is ProtocolVersion {
  return (PROTOCOL_VERSIONS as readonly string[]).includes(value);
}

export const Method = {
  Initialize: "initialize",
  Initialized: "notifications/initialized",
  Progress: "notifications/progress",
  Cancelled: "notifications/cancelled",
  ToolsList: "tools/list",
  ToolsCall: "tools/call",
  PromptsGet: "prompts/get",
  ResourcesRead: "resources/read",
} as const;

/** Header names of the Streamable HTTP transport (lower case, as Headers reports them). */
export const McpHeader = {
  SessionId: "mcp-session-id",
  ProtocolVersion: "mcp-protocol-version",
  LastEventId: "last-event-id",
  /** 2026-07-28: the method and name of the message in the body, which intermediaries must check. */
  Method: "mcp-method",
  Name: "mcp-name",
} as const;

function stringField(params: Record<string, unknown> | undefined, key: string): string | null {
  const value = params?.[key];
  return typeof value === "string" ? value : null;
}

/**
 * The tool name, prompt name or resource URI a message addresses, or null. This is what policies match on and
 * what logs show in their `target` column.
 */
export function messageTarget(message: JsonRpcMessage): string | null {
  if (!("method" in message)) return null;
  const params = message.params;
  switch (message.method) {
    case "tools/call":
    case "prompts/get":
      return stringField(params, "name");
    case "resources/read":
    case "resources/subscribe":
    case "resources/unsubscribe":
    case "notifications/resources/updated":
      return stringField(params, "uri");
    case "completion/complete": {
      const ref = params?.ref;
      if (typeof ref !== "object" || ref === null) return null;
      return (
        stringField(ref as Record<string, unknown>, "name") ??
        stringField(ref as Record<string, unknown>, "uri")
      );
    }
    default:
      return null;
  }
}

export interface ClientInfo {
  name: string | null;
  version: string | null;
  protocolVersion: string | null;
}

/** Client name, version and requested protocol version from `initialize` params. */
export function clientInfoOf(params: Record<string, unknown> | undefined): ClientInfo {
  const info = params?.clientInfo;
  const infoRecord =
    typeof info === "object" && info !== null ? (info as Record<string, unknown>) : undefined;
  return {
    name: stringField(infoRecord, "name"),
    version: stringField(infoRecord, "version"),
    protocolVersion: stringField(params, "protocolVersion"),
  };
}

/** The progress token of a request, if it asked for progress notifications. */
export function progressTokenOf(params: Record<string, unknown> | undefined): string | number | null {
  const meta = params?._meta;
  if (typeof meta !== "object" || meta === null) return null;
  const token = (meta as Record<string, unknown>).progressToken;
  return typeof token === "string" || typeof token === "number" ? token : null;
}
