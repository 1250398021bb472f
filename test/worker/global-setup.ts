// Starts the real upstreams the Worker tests talk to (on 127.0.0.1, stopped afterwards) and the JWKS that
// asymmetric test tokens are signed with.
import { exportJWK, generateKeyPair } from "jose";
import type { TestProject } from "vitest/node";
import { startProbeServer } from "../fixtures/probe-server.ts";
import type { SigningKeys } from "./provided-context.ts";

export default async function setup(project: TestProject) {
  const signingKeys = {} as SigningKeys;
  const publicKeys = [];
  for (const alg of ["RS256", "ES256", "EdDSA"] as const) {
    const { publicKey, privateKey } = await generateKeyPair(alg, {
      extractable: true,
      crv: alg === "EdDSA" ? "Ed25519" : undefined,
    });
    const kid = `test-${alg}`;
    signingKeys[alg] = { kid, privateJwk: (await exportJWK(privateKey)) as JsonWebKey };
    publicKeys.push({ ...(await exportJWK(publicKey)), kid, alg, use: "sig" });
  }
  const probe = await startProbeServer({ jwks: { keys: publicKeys } });
  project.provide("probeUrl", probe.url);
  project.provide("signingKeys", signingKeys);
  return () => probe.close();
}
