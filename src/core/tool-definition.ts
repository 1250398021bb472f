// The identity of a tool's definition, for pinning: a hash of what the model is shown and what the tool accepts.
// Web-standard APIs only.
import { bytesToBase64url } from "./base64url.ts";

/** JSON with object keys sorted at every level, so equal definitions always serialise alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The parts of a tool a rug pull would change: what the model is shown and what the tool accepts. */
export function toolDefinition(tool: Record<string, unknown>): Record<string, unknown> {
  const { name, description, inputSchema, annotations } = tool;
  return { name, description, inputSchema, annotations };
}

/** SHA-256 (base64url) over the canonical JSON of the tool's definition. */
export async function toolDefinitionHash(tool: Record<string, unknown>): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(canonicalJson(toolDefinition(tool))),
  );
  return bytesToBase64url(new Uint8Array(digest));
}
