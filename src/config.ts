// The gateway's settings, parsed once per isolate from Worker vars and secrets. Invalid settings fail closed:
// every request is refused with a 500 that names no secret, and the problem is logged for the operator.
import { z } from "zod";
import { base64ToBytes } from "./core/base64url.ts";
import { OSV_API_URL } from "./core/scan/deps/osv-source.ts";
import { NPM_REGISTRY_URL, PYPI_URL } from "./core/scan/deps/registry-source.ts";

export interface JwtSettings {
  issuer: string;
  audiences: string[];
  /** HS256 key, when JWT_SECRET is set. */
  secret: Uint8Array | null;
  /** JWKS for RS256, ES256 and EdDSA tokens, when JWT_JWKS_URL is set. */
  jwksUrl: URL | null;
  clockSkewSeconds: number;
  teamClaim: string;
  rolesClaim: string;
}

export interface GatewayConfig {
  jwt: JwtSettings;
  oauthAuthorizationServers: string[];
  corsAllowedOrigins: ReadonlySet<string>;
  allowPrivateUpstreams: boolean;
  allowHttpUpstreams: boolean;
  maxBodyBytes: number;
  upstreamTimeoutMs: number;
  serverCacheTtlMs: number;
  /** Events older than this many days are deleted by the retention job; 0 keeps them forever. */
  eventRetentionDays: number;
  /** Root key for sealed session ids and upstream credentials. */
  encryptionKey: Uint8Array;
  /** Where scans look up dependency advisories (the OSV API or a mirror); null: they do not ("off"). */
  osvApiUrl: string | null;
  /** Where upload scans ask for npm packages' latest releases (the outdated check); null: they do not. */
  npmRegistryUrl: string | null;
  /** The same for Python packages. */
  pypiUrl: string | null;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

const list = z
  .string()
  .default("")
  .transform((value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

const flag = z
  .enum(["true", "false", ""])
  .default("false")
  .transform((value) => value === "true");

/** A service's URL, or "off"; empty is the default service. */
const urlOrOff = (what: string) =>
  z
    .string()
    .trim()
    .default("")
    .refine((value) => value === "" || value === "off" || URL.canParse(value), `must be ${what} or "off"`);

const integer = (min: number, max: number, fallback: number) =>
  z
    .string()
    .default("")
    .transform((value, ctx) => {
      if (value.trim() === "") return fallback;
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `must be an integer from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const origin = z.string().refine((value) => {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}, "each origin must look like https://app.example.com (scheme, host and optional port, no path)");

const envSchema = z
  .object({
    JWT_ISSUER: z.string().trim().min(1, "is required"),
    JWT_AUDIENCE: list.pipe(z.array(z.string()).min(1, "needs at least one audience")),
    JWT_SECRET: z.string().optional(),
    JWT_JWKS_URL: z.string().trim().default(""),
    JWT_CLOCK_SKEW_SECONDS: integer(0, 300, 60),
    JWT_TEAM_CLAIM: z
      .string()
      .trim()
      .default("")
      .transform((v) => v || "team"),
    JWT_ROLES_CLAIM: z
      .string()
      .trim()
      .default("")
      .transform((v) => v || "roles"),
    OAUTH_AUTHORIZATION_SERVERS: list.pipe(z.array(z.url())),
    CORS_ALLOWED_ORIGINS: list.pipe(z.array(origin)),
    ALLOW_PRIVATE_UPSTREAMS: flag,
    ALLOW_HTTP_UPSTREAMS: flag,
    MAX_BODY_BYTES: integer(1_024, 100 * 1024 * 1024, 4 * 1024 * 1024),
    UPSTREAM_TIMEOUT_MS: integer(100, 15 * 60_000, 60_000),
    SERVER_CACHE_TTL_MS: integer(0, 300_000, 5_000),
    EVENT_RETENTION_DAYS: integer(0, 36_500, 30),
    OSV_API_URL: urlOrOff("the OSV API's URL (https://api.osv.dev, or a mirror)"),
    NPM_REGISTRY_URL: urlOrOff("npm's registry URL (https://registry.npmjs.org, or a mirror)"),
    PYPI_URL: urlOrOff("PyPI's URL (https://pypi.org, or a mirror)"),
    ENCRYPTION_KEY: z.string({ error: "is required (32 random bytes, base64)" }),
  })
  .transform((env, ctx): GatewayConfig => {
    const encryptionKey = base64ToBytes(env.ENCRYPTION_KEY.trim());
    if (encryptionKey?.length !== 32) {
      ctx.addIssue({
        code: "custom",
        path: ["ENCRYPTION_KEY"],
        message: "must be 32 random bytes, base64-encoded",
      });
    }
    const secret = env.JWT_SECRET?.trim() ? new TextEncoder().encode(env.JWT_SECRET.trim()) : null;
    if (secret && secret.length < 32) {
      ctx.addIssue({ code: "custom", path: ["JWT_SECRET"], message: "must be at least 32 characters" });
    }
    let jwksUrl: URL | null = null;
    if (env.JWT_JWKS_URL) {
      try {
        jwksUrl = new URL(env.JWT_JWKS_URL);
      } catch {
        ctx.addIssue({ code: "custom", path: ["JWT_JWKS_URL"], message: "must be an absolute URL" });
      }
    }
    if (!secret && !env.JWT_JWKS_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["JWT_SECRET"],
        message: "no token verification key: set the JWT_SECRET secret or the JWT_JWKS_URL var",
      });
    }
    return {
      jwt: {
        issuer: env.JWT_ISSUER,
        audiences: env.JWT_AUDIENCE,
        secret,
        jwksUrl,
        clockSkewSeconds: env.JWT_CLOCK_SKEW_SECONDS,
        teamClaim: env.JWT_TEAM_CLAIM,
        rolesClaim: env.JWT_ROLES_CLAIM,
      },
      osvApiUrl: env.OSV_API_URL === "off" ? null : env.OSV_API_URL || OSV_API_URL,
      npmRegistryUrl: env.NPM_REGISTRY_URL === "off" ? null : env.NPM_REGISTRY_URL || NPM_REGISTRY_URL,
      pypiUrl: env.PYPI_URL === "off" ? null : env.PYPI_URL || PYPI_URL,
      oauthAuthorizationServers: env.OAUTH_AUTHORIZATION_SERVERS,
      corsAllowedOrigins: new Set(env.CORS_ALLOWED_ORIGINS),
      allowPrivateUpstreams: env.ALLOW_PRIVATE_UPSTREAMS,
      allowHttpUpstreams: env.ALLOW_HTTP_UPSTREAMS,
      maxBodyBytes: env.MAX_BODY_BYTES,
      upstreamTimeoutMs: env.UPSTREAM_TIMEOUT_MS,
      serverCacheTtlMs: env.SERVER_CACHE_TTL_MS,
      eventRetentionDays: env.EVENT_RETENTION_DAYS,
      encryptionKey: encryptionKey ?? new Uint8Array(0),
    };
  });

const parsed = new WeakMap<object, GatewayConfig>();

/** Parses the Worker's environment once per isolate; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): GatewayConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".") || "environment"} ${issue.message}`,
    );
    throw new ConfigError(`invalid gateway configuration: ${problems.join("; ")}`);
  }
  parsed.set(env, result.data);
  return result.data;
}
