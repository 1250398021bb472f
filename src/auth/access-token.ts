// Access-token verification: the trust boundary. Pure functions returning a tagged result; the caller decides
// what the wire says. HS256 tokens verify only against JWT_SECRET and asymmetric ones only against the JWKS, so
// a token can never choose its own key type (algorithm confusion) and `alg: none` never verifies.
import { createRemoteJWKSet, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from "jose";
import type { JwtSettings } from "../config.ts";

export const ASYMMETRIC_ALGORITHMS = ["RS256", "PS256", "ES256", "ES384", "EdDSA", "Ed25519"] as const;

export type TokenFailure =
  | "malformed"
  | "unsupported_algorithm"
  | "no_key_for_algorithm"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "wrong_issuer"
  | "wrong_audience"
  | "missing_claim"
  | "jwks_unavailable";

export type TokenResult =
  | { ok: true; claims: JWTPayload }
  | {
      ok: false;
      reason: TokenFailure /** For the operator's log; may name the claim, never the token. */;
      detail: string;
    };

const hmacKeys = new Map<string, Promise<CryptoKey>>();
const remoteKeySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function hmacKey(secret: Uint8Array): Promise<CryptoKey> {
  const cacheKey = new TextDecoder().decode(secret);
  let key = hmacKeys.get(cacheKey);
  if (!key) {
    key = crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    hmacKeys.set(cacheKey, key);
  }
  return key;
}

function remoteKeySet(url: URL): ReturnType<typeof createRemoteJWKSet> {
  let keySet = remoteKeySets.get(url.href);
  if (!keySet) {
    keySet = createRemoteJWKSet(url, {
      timeoutDuration: 5_000,
      cooldownDuration: 30_000,
      cacheMaxAge: 600_000,
    });
    remoteKeySets.set(url.href, keySet);
  }
  return keySet;
}

/**
 * Tokens already verified in this isolate, per settings: a token is checked once, not on every call of a session.
 * An entry lives at most VERIFIED_TTL_MS and never past the token's exp, so the answer is the one a fresh
 * verification would give, but for a JWKS key withdrawn within that minute.
 */
const VERIFIED_TTL_MS = 60_000;
const MAX_VERIFIED = 1_000;
const verifiedTokens = new WeakMap<JwtSettings, Map<string, { claims: JWTPayload; until: number }>>();

export async function verifyAccessToken(token: string, settings: JwtSettings): Promise<TokenResult> {
  let cache = verifiedTokens.get(settings);
  if (!cache) {
    cache = new Map();
    verifiedTokens.set(settings, cache);
  }
  const now = Date.now();
  const hit = cache.get(token);
  if (hit && hit.until > now) return { ok: true, claims: hit.claims };
  const result = await verifyUncached(token, settings);
  if (result.ok && typeof result.claims.exp === "number") {
    cache.delete(token);
    cache.set(token, {
      claims: result.claims,
      until: Math.min(now + VERIFIED_TTL_MS, result.claims.exp * 1000),
    });
    if (cache.size > MAX_VERIFIED) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
  }
  return result;
}

async function verifyUncached(token: string, settings: JwtSettings): Promise<TokenResult> {
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    return { ok: false, reason: "malformed", detail: "the token is not a compact JWS" };
  }
  const options = {
    issuer: settings.issuer,
    audience: settings.audiences,
    clockTolerance: settings.clockSkewSeconds,
    requiredClaims: ["exp", "sub"],
  };
  try {
    if (alg === "HS256") {
      if (!settings.secret)
        return { ok: false, reason: "no_key_for_algorithm", detail: "HS256 without JWT_SECRET" };
      const { payload } = await jwtVerify(token, await hmacKey(settings.secret), {
        ...options,
        algorithms: ["HS256"],
      });
      return { ok: true, claims: payload };
    }
    if (typeof alg === "string" && (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) {
      if (!settings.jwksUrl)
        return { ok: false, reason: "no_key_for_algorithm", detail: `${alg} without JWT_JWKS_URL` };
      const { payload } = await jwtVerify(token, remoteKeySet(settings.jwksUrl), {
        ...options,
        algorithms: [alg],
      });
      return { ok: true, claims: payload };
    }
    return {
      ok: false,
      reason: "unsupported_algorithm",
      detail: `alg ${JSON.stringify(alg)} is not accepted`,
    };
  } catch (error) {
    return classifyJoseError(error);
  }
}

function classifyJoseError(error: unknown): TokenResult & { ok: false } {
  if (error instanceof errors.JWTExpired)
    return { ok: false, reason: "expired", detail: "exp is in the past" };
  if (error instanceof errors.JWTClaimValidationFailed) {
    const detail = `claim ${error.claim}: ${error.reason}`;
    if (error.reason === "missing") return { ok: false, reason: "missing_claim", detail };
    switch (error.claim) {
      case "iss":
        return { ok: false, reason: "wrong_issuer", detail };
      case "aud":
        return { ok: false, reason: "wrong_audience", detail };
      case "nbf":
      case "iat":
        return { ok: false, reason: "not_yet_valid", detail };
      default:
        return { ok: false, reason: "malformed", detail };
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return { ok: false, reason: "bad_signature", detail: error.message };
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return { ok: false, reason: "jwks_unavailable", detail: error.message };
  }
  if (error instanceof errors.JOSEError) return { ok: false, reason: "malformed", detail: error.message };
  // A network failure while fetching the JWKS surfaces as a plain error.
  return {
    ok: false,
    reason: "jwks_unavailable",
    detail: error instanceof Error ? error.message : String(error),
  };
}
