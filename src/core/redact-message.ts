// Applies the detectors to a message a `redact` policy matched: a request's params on the way up, a result (or an
// error's data) on the way back. Reports what was redacted by detector and JSON path, never the value.
import { type Redaction, redactValue } from "./detectors/detect.ts";
import type { JsonRpcMessage } from "./jsonrpc.ts";

export function redactMessage(message: JsonRpcMessage): { message: JsonRpcMessage; redactions: Redaction[] } {
  if ("method" in message) {
    if (message.params === undefined) return { message, redactions: [] };
    const { value, redactions } = redactValue(message.params, "$.params");
    return { message: { ...message, params: value as Record<string, unknown> }, redactions };
  }
  if ("result" in message) {
    const { value, redactions } = redactValue(message.result, "$.result");
    return { message: { ...message, result: value as Record<string, unknown> }, redactions };
  }
  const { value, redactions } = redactValue(message.error, "$.error");
  return { message: { ...message, error: value as typeof message.error }, redactions };
}
