// Who is calling: subject, team and roles read from verified token claims, and the role hierarchy.
import type { JWTPayload } from "jose";
import type { JwtSettings } from "../config.ts";

/** viewer reads logs and servers; member also uses MCP endpoints; admin also manages servers and policies. */
export const ROLES = ["viewer", "member", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  subject: string;
  team: string;
  /** Every role name the token carries, including ones the gateway does not use. */
  roles: readonly string[];
  /** All claims of the verified token, for policies that match on them. */
  claims: Readonly<Record<string, unknown>>;
}

export type IdentityResult =
  | { ok: true; identity: Identity }
  | {
      ok: false;
      /** For the caller. */
      message: string;
      /** For the operator's log. */
      detail: string;
    };

export function identityFromClaims(claims: JWTPayload, settings: JwtSettings): IdentityResult {
  const subject = claims.sub;
  if (typeof subject !== "string" || subject === "") {
    return { ok: false, message: "The access token has no subject.", detail: "the token has no sub claim" };
  }
  const team = claims[settings.teamClaim];
  if (typeof team !== "string" || team === "") {
    return {
      ok: false,
      message: "The access token does not name a team.",
      detail: `the token has no "${settings.teamClaim}" claim naming the caller's team`,
    };
  }
  return { ok: true, identity: { subject, team, roles: rolesOf(claims[settings.rolesClaim]), claims } };
}

/** Roles may be a JSON array or a space- or comma-separated string (as OAuth scopes are). */
function rolesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((role): role is string => typeof role === "string");
  if (typeof value === "string") return value.split(/[\s,]+/).filter((role) => role.length > 0);
  return [];
}

/** True when the identity holds `role` or a role above it. */
export function hasRole(identity: Identity, role: Role): boolean {
  const needed = ROLES.indexOf(role);
  return identity.roles.some((held) => {
    const rank = ROLES.indexOf(held as Role);
    return rank !== -1 && rank >= needed;
  });
}
