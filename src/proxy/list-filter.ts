// Filters tools/list, prompts/list and resources/list results for the caller (the core's filterListingMessage):
// what a policy would deny them whatever the arguments, they do not see. A listing is small and finite, so its
// response is rewritten whole (response-rewrite.ts).
import type { Identity } from "../auth/identity.ts";
import type { JsonRpcMessage, RequestId } from "../core/jsonrpc.ts";
import { filterListingMessage, isVisible as visibleTo } from "../core/policy/enforcement.ts";
import type { PolicySet } from "../core/policy/engine.ts";
import { GatewayError } from "../errors.ts";
import { policySubject } from "./policy-enforcement.ts";
import { rewriteResponse } from "./response-rewrite.ts";

/** Whether the caller may see (and so call) what `probe` asks for: denied whatever its arguments means hidden. */
export function isVisible(
  policies: PolicySet,
  server: string,
  identity: Identity,
  probe: JsonRpcMessage,
): boolean {
  return visibleTo(policies, server, policySubject(identity), probe);
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
