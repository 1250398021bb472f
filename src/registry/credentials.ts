// Upstream credentials: header name → value pairs a server needs, sealed at rest and opened only to call it.
import { z } from "zod";
import { open, seal } from "../crypto/sealed-box.ts";

/** Headers the gateway sets itself; a server's credentials may not override them. */
const RESERVED_HEADERS = new Set([
  "accept",
  "accept-encoding",
  "connection",
  "content-length",
  "content-type",
  "host",
  "keep-alive",
  "last-event-id",
  "mcp-method",
  "mcp-name",
  "mcp-protocol-version",
  "mcp-session-id",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/, "must be an HTTP header name")
  .transform((name) => name.toLowerCase())
  .refine((name) => !RESERVED_HEADERS.has(name), "is set by the gateway and cannot be configured");

const headerValue = z
  .string()
  .max(8_192)
  .regex(/^[\t\x20-\x7e\x80-\xff]*$/, "must not contain control characters or line breaks");

export const credentialHeadersSchema = z
  .record(headerName, headerValue)
  .refine((headers) => Object.keys(headers).length <= 20, "at most 20 headers");

export type CredentialHeaders = z.infer<typeof credentialHeadersSchema>;

/** Seals headers for one server; the server id is bound in, so the sealed text cannot be moved to another. */
export function sealCredentials(
  key: Uint8Array,
  serverId: string,
  headers: CredentialHeaders,
): Promise<string> {
  return seal(key, "credentials", headers, serverId);
}

/** Opens a server's sealed headers; null when they cannot be opened (for example after ENCRYPTION_KEY changed). */
export async function openCredentials(
  key: Uint8Array,
  serverId: string,
  sealed: string,
): Promise<CredentialHeaders | null> {
  const value = await open(key, "credentials", sealed, serverId);
  const parsed = z.record(z.string(), z.string()).safeParse(value);
  return parsed.success ? parsed.data : null;
}
