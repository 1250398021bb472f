// Who may see what in a listing, for the gateway's callers: the core's isVisible for an Identity. mcp-routes.ts
// applies the core's filterListingMessage to each listing answer it rewrites.
import type { Identity } from "../auth/identity.ts";
import type { JsonRpcMessage } from "../core/jsonrpc.ts";
import { isVisible as visibleTo } from "../core/policy/enforcement.ts";
import type { PolicySet } from "../core/policy/engine.ts";
import { policySubject } from "./policy-enforcement.ts";

/** Whether the caller may see (and so call) what `probe` asks for: denied whatever its arguments means hidden. */
export function isVisible(
  policies: PolicySet,
  server: string,
  identity: Identity,
  probe: JsonRpcMessage,
): boolean {
  return visibleTo(policies, server, policySubject(identity), probe);
}
