// Transport-level validation of a client's Streamable HTTP request, before anything goes upstream.
// Each check throws a GatewayError whose status and JSON-RPC code the spec (or common sense) prescribes.

import { readAtMost } from "../core/bytes.ts";
import { isRequest, JsonRpcErrorCode, type JsonRpcMessage, parseBody } from "../core/jsonrpc.ts";
import {
  BATCH_PROTOCOL_VERSION,
  isKnownProtocolVersion,
  McpHeader,
  Method,
  messageTarget,
} from "../core/mcp.ts";
import { GatewayError } from "../errors.ts";

/** Media types listed in an Accept header, lower case, without parameters. */
function acceptedTypes(header: string | undefined): string[] {
  if (!header) return [];
  return header.split(",").map((part) => (part.split(";")[0] ?? "").trim().toLowerCase());
}

/** Requires the Accept header to admit every one of `types` (wildcards count). */
export function requireAccept(header: string | undefined, types: readonly string[]): void {
  const accepted = acceptedTypes(header);
  const admits = (type: string) =>
    accepted.some((a) => a === type || a === "*/*" || (a.endsWith("/*") && type.startsWith(a.slice(0, -1))));
  const missing = types.filter((type) => !admits(type));
  if (missing.length > 0) {
    throw new GatewayError(406, "not_acceptable", `The Accept header must include ${types.join(" and ")}.`);
  }
}

/** Requires `Content-Type: application/json`, parameters (such as charset=utf-8) allowed. */
export function requireJsonContentType(header: string | undefined): void {
  const type = (header?.split(";")[0] ?? "").trim().toLowerCase();
  if (type !== "application/json") {
    throw new GatewayError(415, "unsupported_media_type", "The Content-Type must be application/json.");
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(header ?? "")?.[1]?.toLowerCase();
  if (charset && charset !== "utf-8" && charset !== "utf8") {
    throw new GatewayError(415, "unsupported_media_type", "The request body must be UTF-8 encoded JSON.");
  }
}

/** The MCP-Protocol-Version header, if present, must name a revision the gateway knows. */
export function protocolVersionOf(header: string | undefined): string | null {
  if (header === undefined) return null;
  if (!isKnownProtocolVersion(header)) {
    throw new GatewayError(
      400,
      "unsupported_protocol_version",
      `Unsupported MCP-Protocol-Version: ${header}.`,
    );
  }
  return header;
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError(
    413,
    "body_too_large",
    `The request body exceeds the gateway's limit of ${limit} bytes.`,
  );
}

/** Reads the body, refusing it as soon as it passes `limit` bytes (declared or actual). */
export async function readBoundedBody(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array(0);
  if (Number.isFinite(declared)) {
    // The runtime enforces a declared length, so a native read of the whole body is safe and much cheaper.
    return new Uint8Array(await request.arrayBuffer());
  }
  const bytes = await readAtMost(request.body, limit);
  if (bytes === null) throw tooLarge(limit);
  return bytes;
}

/** Decodes and validates the POSTed JSON-RPC message(s). */
export function parseMessages(body: Uint8Array, protocolVersion: string | null): JsonRpcMessage[] {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    throw new GatewayError(400, "parse_error", "Parse error: the body is not valid UTF-8.", {
      jsonRpcCode: JsonRpcErrorCode.ParseError,
    });
  }
  const parsed = parseBody(text);
  if (!parsed.ok) {
    const parseFailed = parsed.code === JsonRpcErrorCode.ParseError;
    throw new GatewayError(
      400,
      parseFailed ? "parse_error" : "invalid_request",
      `${parseFailed ? "Parse error" : "Invalid request"}: ${parsed.problem}.`,
      {
        jsonRpcCode: parsed.code,
        requestId: parsed.id,
      },
    );
  }
  if (parsed.batch) {
    if (protocolVersion !== null && protocolVersion !== BATCH_PROTOCOL_VERSION) {
      throw new GatewayError(
        400,
        "invalid_request",
        `Invalid request: JSON-RPC batches are not allowed in protocol version ${protocolVersion}.`,
        {
          jsonRpcCode: JsonRpcErrorCode.InvalidRequest,
        },
      );
    }
    if (parsed.messages.some((m) => isRequest(m) && m.method === Method.Initialize)) {
      throw new GatewayError(
        400,
        "invalid_request",
        "Invalid request: initialize must not be part of a batch.",
        {
          jsonRpcCode: JsonRpcErrorCode.InvalidRequest,
        },
      );
    }
  }
  return parsed.messages;
}

/**
 * 2026-07-28 clients repeat the method and name in Mcp-Method / Mcp-Name headers; an intermediary must check
 * that they agree with the body, so routing by header can never be steered apart from what is executed.
 */
export function checkMessageHeaders(headers: Headers, messages: readonly JsonRpcMessage[]): void {
  const method = headers.get(McpHeader.Method);
  const name = headers.get(McpHeader.Name);
  if (method === null && name === null) return;
  const [message] = messages;
  const id = message && isRequest(message) ? message.id : null;
  const mismatch = (what: string) =>
    new GatewayError(400, "header_mismatch", `Invalid request: the ${what} header does not match the body.`, {
      jsonRpcCode: JsonRpcErrorCode.InvalidRequest,
      requestId: id,
    });
  if (messages.length !== 1 || !message || !("method" in message))
    throw mismatch(method !== null ? "Mcp-Method" : "Mcp-Name");
  if (method !== null && method !== message.method) throw mismatch("Mcp-Method");
  if (name !== null && name !== messageTarget(message)) throw mismatch("Mcp-Name");
}
