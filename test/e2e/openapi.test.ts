// The OpenAPI document the running gateway serves, validated against the official OpenAPI 3.1 JSON Schema.
// (Which routes it lists and how they fail is checked inside workerd: test/worker/api-contract.test.ts.)
import { Validator } from "@seriousme/openapi-schema-validator";
import { beforeAll, describe, expect, inject, it } from "vitest";

const gatewayUrl = inject("gatewayUrl");
let document: Record<string, unknown>;

beforeAll(async () => {
  const response = await fetch(`${gatewayUrl}/api/v1/openapi.json`, { signal: AbortSignal.timeout(10_000) });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("application/json");
  document = (await response.json()) as Record<string, unknown>;
});

describe("/api/v1/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document whose references all resolve", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it("is refused by the same validator when broken, so the check above can fail", async () => {
    const broken = structuredClone(document) as { paths: Record<string, Record<string, unknown>> };
    const [path] = Object.keys(broken.paths);
    if (path === undefined) throw new Error("the document lists no paths");
    broken.paths[path] = { get: { responses: "none" } };
    const result = await new Validator().validate(broken);
    expect(result.valid).toBe(false);
  });

  it("names the gateway it came from as its server", () => {
    expect(document.servers).toEqual([{ url: gatewayUrl }]);
  });
});
