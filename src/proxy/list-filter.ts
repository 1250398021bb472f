// Filters tools/list, prompts/list and resources/list results for the caller: what a policy would deny them
// whatever the arguments, they do not see. A listing is small and finite, so its response is rewritten whole
// (response-rewrite.ts).
import type { Identity } from "../auth/identity.ts";
import { idKey, type JsonRpcMessage, type RequestId } from "../core/jsonrpc.ts";
import type { PolicySet } from "../core/policy/engine.ts";
import { GatewayError } from "../errors.ts";
import { policySubject } from "./policy-enforcement.ts";
import { rewriteResponse } from "./response-rewrite.ts";

const LISTS: Record<
  string,
  { key: string; probe: (item: Record<string, unknown>) => JsonRpcMessage | null }
> = {
  "tools/list": {
    key: "tools",
    probe: (item) =>
      typeof item.name === "string"
        ? { jsonrpc: "2.0", id: 0, method: "tools/call", params: { name: item.name, arguments: {} } }
        : null,
  },
  "prompts/list": {
    key: "prompts",
    probe: (item) =>
      typeof item.name === "string"
        ? { jsonrpc: "2.0", id: 0, method: "prompts/get", params: { name: item.name, arguments: {} } }
        : null,
  },
  "resources/list": {
    key: "resources",
    probe: (item) =>
      typeof item.uri === "string"
        ? { jsonrpc: "2.0", id: 0, method: "resources/read", params: { uri: item.uri } }
        : null,
  },
};

export function isFilteredListing(method: string): boolean {
  return Object.hasOwn(LISTS, method);
}

/** Whether the caller may see (and so call) what `probe` asks for: denied whatever its arguments means hidden. */
export function isVisible(
  policies: PolicySet,
  server: string,
  identity: Identity,
  probe: JsonRpcMessage,
): boolean {
  return (
    policies.evaluate({ server, direction: "request", subject: policySubject(identity), message: probe })
      .action !== "deny"
  );
}

/** The answer to `request` (a listing) with what the caller may not see left out; other messages unchanged. */
export function filterListingMessage(
  message: JsonRpcMessage,
  request: { id: RequestId; method: string },
  visible: (probe: JsonRpcMessage) => boolean,
): JsonRpcMessage {
  const list = LISTS[request.method];
  if (!list || !("result" in message) || message.id === null || idKey(message.id) !== idKey(request.id))
    return message;
  const items = message.result[list.key];
  if (!Array.isArray(items)) return message;
  const kept = items.filter((item) => {
    if (typeof item !== "object" || item === null) return false;
    const probe = list.probe(item as Record<string, unknown>);
    return probe !== null && visible(probe);
  });
  return { ...message, result: { ...message.result, [list.key]: kept } };
}

/** The upstream's answer to a listing, filtered for the caller: the body to send. */
export function filterListing(
  response: Response,
  request: { id: RequestId; method: string },
  visible: (probe: JsonRpcMessage) => boolean,
  limits: { maxBytes: number; server: string },
): Promise<string> {
  return rewriteResponse(response, (message) => filterListingMessage(message, request, visible), {
    maxBytes: limits.maxBytes,
    // Fail closed: a listing the gateway cannot filter is not passed on unfiltered.
    tooLarge: () =>
      new GatewayError(
        502,
        "listing_too_large",
        `Server '${limits.server}' sent a listing too large to filter.`,
      ),
  });
}
