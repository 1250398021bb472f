// One error type for everything the gateway refuses. The public message is what the caller sees; `detail` is
// for the operator's log only. Rendering (REST JSON or a JSON-RPC error) happens once, in app.onError.
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { JsonRpcErrorCode, type RequestId } from "./core/jsonrpc.ts";

export interface GatewayErrorOptions {
  /** Operator-facing detail, logged and never sent to the client. */
  detail?: string;
  headers?: Record<string, string>;
  /** JSON-RPC error code when the error answers an MCP request (default -32000). */
  jsonRpcCode?: number;
  /** The id of the JSON-RPC request this error answers, when known. */
  requestId?: RequestId | null;
  /** Structured, public detail for REST errors (such as the validation issues). */
  details?: unknown;
  cause?: unknown;
}

export class GatewayError extends Error {
  override name = "GatewayError";
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;
  readonly jsonRpcCode: number;
  readonly requestId: RequestId | null;
  readonly details: unknown;

  constructor(
    readonly status: ContentfulStatusCode,
    /** Stable machine-readable code, such as `unknown_server` or `upstream_timeout`. */
    readonly code: string,
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.detail = options.detail;
    this.headers = options.headers ?? {};
    this.jsonRpcCode = options.jsonRpcCode ?? JsonRpcErrorCode.ServerError;
    this.requestId = options.requestId ?? null;
    this.details = options.details;
  }
}

/** The REST API's error body. */
export function restErrorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}
