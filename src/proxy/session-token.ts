// The Mcp-Session-Id the gateway hands its clients: the gateway's session id and the upstream's, sealed with
// AES-GCM. The caller's team, subject and server are bound in as additional data, so a session id only opens
// for the subject that created it: anyone else gets "session not found" with no database read.
import { z } from "zod";
import { randomId } from "../core/base64url.ts";
import { open, seal } from "../crypto/sealed-box.ts";

export interface GatewaySession {
  /** The gateway's own session id: what logs and the sessions table use. */
  id: string;
  /** The upstream's Mcp-Session-Id when the session opened (null for a stateless upstream). */
  upstreamSessionId: string | null;
}

export interface SessionOwner {
  team: string;
  subject: string;
  serverId: string;
}

const sealedSchema = z.object({ s: z.string().min(1).max(64), u: z.string().max(1_024).nullable() });

/** Longest Mcp-Session-Id the gateway will try to open; anything longer is not one of its own. */
const MAX_TOKEN_LENGTH = 2_048;

const ownerContext = (owner: SessionOwner) => `${owner.team}\n${owner.subject}\n${owner.serverId}`;

export function newSessionId(): string {
  return randomId("ses_");
}

export function mintSessionToken(
  key: Uint8Array,
  owner: SessionOwner,
  session: GatewaySession,
): Promise<string> {
  return seal(key, "session", { s: session.id, u: session.upstreamSessionId }, ownerContext(owner));
}

/** Session ids this isolate has opened, by owner and token: a session's later requests skip the decryption. */
const MAX_OPENED = 10_000;
const opened = new Map<string, GatewaySession>();

/** The session a token names, or null when it is not a session of this caller on this server. */
export async function openSessionToken(
  key: Uint8Array,
  owner: SessionOwner,
  token: string,
): Promise<GatewaySession | null> {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const context = ownerContext(owner);
  const cacheKey = `${context}\n${token}`;
  const known = opened.get(cacheKey);
  if (known) return known;
  const parsed = sealedSchema.safeParse(await open(key, "session", token, context));
  if (!parsed.success) return null;
  const session = { id: parsed.data.s, upstreamSessionId: parsed.data.u };
  opened.set(cacheKey, session);
  if (opened.size > MAX_OPENED) {
    const oldest = opened.keys().next().value;
    if (oldest !== undefined) opened.delete(oldest);
  }
  return session;
}
