// JSON-RPC 2.0 message model as MCP uses it: parse, validate and classify. Web-standard APIs only.
import { z } from "zod";

export const requestIdSchema = z.union([z.string(), z.number().int()]);
export type RequestId = z.infer<typeof requestIdSchema>;

/** MCP params are always objects (JSON-RPC's positional array params are not used by MCP). */
const paramsSchema = z.record(z.string(), z.unknown());

const requestSchema = z.strictObject({
  jsonrpc: z.literal("2.0"),
  id: requestIdSchema,
  method: z.string().min(1),
  params: paramsSchema.optional(),
});

const notificationSchema = z.strictObject({
  jsonrpc: z.literal("2.0"),
  method: z.string().min(1),
  params: paramsSchema.optional(),
});

const resultSchema = z.strictObject({
  jsonrpc: z.literal("2.0"),
  id: requestIdSchema,
  result: z.record(z.string(), z.unknown()),
});

const errorObjectSchema = z.object({
  code: z.number().int(),
  message: z.string(),
  data: z.unknown().optional(),
});

const errorResponseSchema = z.strictObject({
  jsonrpc: z.literal("2.0"),
  id: requestIdSchema.nullable(),
  error: errorObjectSchema,
});

export type JsonRpcRequest = z.infer<typeof requestSchema>;
export type JsonRpcNotification = z.infer<typeof notificationSchema>;
export type JsonRpcResult = z.infer<typeof resultSchema>;
export type JsonRpcErrorResponse = z.infer<typeof errorResponseSchema>;
export type JsonRpcResponse = JsonRpcResult | JsonRpcErrorResponse;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export type MessageKind = "request" | "notification" | "response";

/** JSON-RPC's own error codes (the range -32768..-32000 is reserved by the spec). */
export const JsonRpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Implementation-defined server error, used by MCP transports for HTTP-level problems. */
  ServerError: -32000,
} as const;

export function messageKind(message: JsonRpcMessage): MessageKind {
  if ("method" in message) return "id" in message ? "request" : "notification";
  return "response";
}

export function isRequest(message: JsonRpcMessage): message is JsonRpcRequest {
  return "method" in message && "id" in message;
}

export function isNotification(message: JsonRpcMessage): message is JsonRpcNotification {
  return "method" in message && !("id" in message);
}

export function isErrorResponse(message: JsonRpcMessage): message is JsonRpcErrorResponse {
  return "error" in message;
}

export type MessageParseResult = { ok: true; message: JsonRpcMessage } | { ok: false; problem: string };

/** Validates one decoded JSON value as a JSON-RPC 2.0 message; `problem` says what is wrong, for the caller's error. */
export function parseMessage(value: unknown): MessageParseResult {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, problem: "a JSON-RPC message must be a JSON object" };
  }
  const schema =
    "method" in value
      ? "id" in value
        ? requestSchema
        : notificationSchema
      : "error" in value
        ? errorResponseSchema
        : resultSchema;
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at "${issue.path.join(".")}"` : "";
  return { ok: false, problem: `invalid JSON-RPC message${where}: ${issue?.message ?? "unknown problem"}` };
}

export type BodyParseResult =
  | { ok: true; messages: JsonRpcMessage[]; batch: boolean }
  | { ok: false; code: number; problem: string; id: RequestId | null };

/**
 * Parses an HTTP body holding one JSON-RPC message or a batch (an array, allowed by MCP 2025-03-26 only; the
 * caller decides whether batches are acceptable). Never throws.
 */
export function parseBody(text: string): BodyParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: JsonRpcErrorCode.ParseError, problem: "the body is not valid JSON", id: null };
  }
  const batch = Array.isArray(value);
  const items: unknown[] = batch ? (value as unknown[]) : [value];
  if (items.length === 0) {
    return {
      ok: false,
      code: JsonRpcErrorCode.InvalidRequest,
      problem: "a batch must not be empty",
      id: null,
    };
  }
  const messages: JsonRpcMessage[] = [];
  for (const item of items) {
    const parsed = parseMessage(item);
    if (!parsed.ok) {
      return { ok: false, code: JsonRpcErrorCode.InvalidRequest, problem: parsed.problem, id: idOf(item) };
    }
    messages.push(parsed.message);
  }
  return { ok: true, messages, batch };
}

/** The id of a possibly invalid message, when it has a usable one, so an error can answer it. */
function idOf(value: unknown): RequestId | null {
  if (typeof value !== "object" || value === null || !("id" in value)) return null;
  const parsed = requestIdSchema.safeParse(value.id);
  return parsed.success ? parsed.data : null;
}

export function errorResponse(
  id: RequestId | null,
  code: number,
  message: string,
  data?: unknown,
): JsonRpcErrorResponse {
  return { jsonrpc: "2.0", id, error: data === undefined ? { code, message } : { code, message, data } };
}

/**
 * A key under which a response id finds its request. Clients match ids loosely (the MCP SDK compares numbers, so a
 * response with "id": "1" answers request 1), so the gateway does too: a server must not escape a check that
 * follows its response by changing the id's type.
 */
export function idKey(id: RequestId): string {
  return String(id);
}
