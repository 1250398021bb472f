// The API's contract, read from its own OpenAPI document: every route the gateway serves is documented, every
// operation says who may call it and how it fails, and every query parameter refuses a bad value with a 400 that
// names it. (The document's validity against the OpenAPI 3.1 schema is checked in Node: test/e2e/openapi.test.ts.)
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { GATEWAY, mintToken } from "./helpers.ts";

interface Schema {
  type?: string | string[];
  enum?: string[];
  minimum?: number;
  maxLength?: number;
  pattern?: string;
  example?: unknown;
  description?: string;
  $ref?: string;
}
interface Parameter {
  name: string;
  in: "query" | "path" | "header";
  required?: boolean;
  description?: string;
  example?: unknown;
  schema: Schema;
}
interface Operation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Parameter[];
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
}
interface Document {
  openapi: string;
  tags: Array<{ name: string }>;
  paths: Record<string, Record<string, Operation>>;
}

/** Served outside the API description on purpose: the description itself, its reference page, and the index. */
const undocumented = (route: string) =>
  route === "GET /" || route === "GET /api/v1/openapi.json" || route.startsWith("GET /api/docs");

let doc: Document;
let admin: string;

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );

beforeAll(async () => {
  const response = await SELF.fetch(`${GATEWAY}/api/v1/openapi.json`);
  expect(response.status).toBe(200);
  doc = await response.json<Document>();
  admin = await mintToken({ team: "contract", sub: "ada" });
});

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1, served without a token, with this gateway as its server", async () => {
    expect(doc.openapi).toBe("3.1.0");
    expect((doc as unknown as { servers: Array<{ url: string }> }).servers).toEqual([{ url: GATEWAY }]);
  });

  it("documents every route the gateway serves, and nothing it does not", () => {
    const served = new Set(
      createApp()
        .routes.filter((route) => route.method !== "ALL")
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const documented = new Set(operations().map(({ method, path }) => `${method} ${path}`));
    expect([...served].filter((route) => !documented.has(route) && !undocumented(route))).toEqual([]);
    expect([...documented].filter((route) => !served.has(route))).toEqual([]);
  });

  it("gives every operation a summary, a declared tag, described parameters, and its failures", () => {
    const tags = new Set(doc.tags.map((tag) => tag.name));
    for (const { method, path, operation } of operations()) {
      const where = `${method} ${path}`;
      expect(operation.summary, where).toBeTruthy();
      expect(operation.tags?.length, where).toBeGreaterThan(0);
      for (const tag of operation.tags ?? []) expect(tags.has(tag), `${where}: tag ${tag}`).toBe(true);
      for (const parameter of operation.parameters ?? []) {
        const description = parameter.description ?? parameter.schema.description;
        expect(description, `${where}: parameter ${parameter.name}`).toBeTruthy();
      }
      const isPublic = path.startsWith("/.well-known/");
      if (isPublic) {
        expect(operation.security, where).toEqual([]);
        continue;
      }
      // Authenticated: it says how a missing token and a missing role are refused, in the shared error shape.
      for (const status of ["401", "403", "500"]) {
        const response = operation.responses[status];
        expect(response, `${where}: ${status}`).toBeDefined();
        const schema = response?.content?.["application/json"]?.schema.$ref;
        const expected = path.startsWith("/mcp/")
          ? "#/components/schemas/McpError"
          : "#/components/schemas/Error";
        expect(schema, `${where}: ${status} body`).toBe(expected);
      }
    }
  });
});

/** A value the parameter's schema refuses, or null when every string is acceptable. */
function badValue(schema: Schema): string | null {
  if (schema.enum) return "not-one-of-them";
  const types = [schema.type].flat();
  if (types.includes("integer") || types.includes("number")) return "twelve";
  if (schema.maxLength !== undefined) return "x".repeat(schema.maxLength + 1);
  if (schema.pattern !== undefined) return "!";
  // Times: ISO 8601 or epoch milliseconds, nothing else.
  if (typeof schema.example === "string" && /^\d{4}-\d\d-\d\dT/.test(schema.example)) return "next tuesday";
  return null;
}

const exampleOf = (parameter: Parameter) => String(parameter.example ?? parameter.schema.example ?? "x");

describe("every query parameter", () => {
  it("refuses a bad value with 400 validation_failed naming the parameter", async () => {
    let checked = 0;
    for (const { method, path, operation } of operations()) {
      if (method !== "GET" || !path.startsWith("/api/v1/")) continue;
      const parameters = operation.parameters ?? [];
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => {
        const parameter = parameters.find((p) => p.in === "path" && p.name === name);
        return encodeURIComponent(parameter ? exampleOf(parameter) : "x");
      });
      for (const parameter of parameters.filter((p) => p.in === "query")) {
        const bad = badValue(parameter.schema);
        if (bad === null) continue;
        // Everything else required gets its example, so the bad value is the only problem.
        const query = new URLSearchParams(
          parameters
            .filter((p) => p.in === "query" && p.required && p.name !== parameter.name)
            .map((p) => [p.name, exampleOf(p)]),
        );
        query.set(parameter.name, bad);
        const response = await SELF.fetch(`${GATEWAY}${url}?${query}`, {
          headers: { authorization: `Bearer ${admin}` },
        });
        const where = `${path}?${parameter.name}=${bad.slice(0, 20)}`;
        expect(response.status, where).toBe(400);
        const body = await response.json<{ error: { code: string; message: string } }>();
        expect(body.error.code, where).toBe("validation_failed");
        expect(body.error.message, where).toContain(`'${parameter.name}'`);
        checked++;
      }
    }
    // Logs and violations have 18 each, sessions, metrics, export and the rest add theirs.
    expect(checked).toBeGreaterThan(50);
  });
});
