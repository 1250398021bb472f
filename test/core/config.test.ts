// The scan services' settings: each names a service by URL, is "off", or is empty for the public default; anything
// else refuses to start, naming the variable.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";

const BASE = {
  JWT_ISSUER: "https://issuer.example",
  JWT_AUDIENCE: "helmet",
  JWT_SECRET: "s".repeat(32),
  ENCRYPTION_KEY: btoa("k".repeat(32)),
};
const configOf = (vars: Record<string, string>) => loadConfig({ ...BASE, ...vars } as unknown as Env);

describe("scan service settings", () => {
  it("defaults to the public services, takes mirrors, and turns each off on its own", () => {
    expect(configOf({})).toMatchObject({
      osvApiUrl: "https://api.osv.dev",
      npmRegistryUrl: "https://registry.npmjs.org",
      pypiUrl: "https://pypi.org",
    });
    expect(
      configOf({ NPM_REGISTRY_URL: "https://npm.internal.example/", PYPI_URL: "off", OSV_API_URL: "off" }),
    ).toMatchObject({ osvApiUrl: null, npmRegistryUrl: "https://npm.internal.example/", pypiUrl: null });
  });

  it("refuses a value that is neither a URL nor off, naming the variable", () => {
    for (const name of ["OSV_API_URL", "NPM_REGISTRY_URL", "PYPI_URL"]) {
      expect(() => configOf({ [name]: "registry.internal" }), name).toThrow(ConfigError);
      expect(() => configOf({ [name]: "disabled" }), name).toThrow(new RegExp(`${name} must be .* or "off"`));
    }
  });
});
