// A server's compiled-ready policy set, as the local bridge fetches it: the policies that apply, the server's
// default, and a version that changes whenever either does (the bundle's ETag).
import { bytesToBase64url } from "../core/base64url.ts";
import type { DefaultMode } from "../core/policy/engine.ts";
import type { PolicyDocument } from "../core/policy/policy-schema.ts";

export interface PolicyBundle {
  server: string;
  policy_default: DefaultMode;
  policies: PolicyDocument[];
  version: string;
}

export async function buildBundle(
  server: string,
  policyDefault: DefaultMode,
  documents: PolicyDocument[],
): Promise<PolicyBundle> {
  const ordered = documents.toSorted((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const canonical = JSON.stringify({ server, policyDefault, ordered });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
  return {
    server,
    policy_default: policyDefault,
    policies: ordered,
    version: bytesToBase64url(new Uint8Array(digest)).slice(0, 22),
  };
}
