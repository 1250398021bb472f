// What the Worker tests' global setup provides to the tests (vitest `provide` / `inject`).

export type SigningKeys = Record<"RS256" | "ES256" | "EdDSA", { kid: string; privateJwk: JsonWebKey }>;

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the probe MCP server (test/fixtures/probe-server.ts). */
    probeUrl: string;
    /** Private keys whose public halves the probe serves as the gateway's JWKS. */
    signingKeys: SigningKeys;
  }
}
