// The API reference page and its assets: public, self-contained, under a CSP that allows only the page's own files.
import { describe, expect, it } from "vitest";
import { REFERENCE_CSP } from "../../src/http/api-reference.ts";
import { api } from "./helpers.ts";

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function expectStrictHeaders(response: Response) {
  expect(response.headers.get("content-security-policy")).toBe(CSP);
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
}

describe("API reference page", () => {
  it("exports the CSP the page is served with", () => {
    expect(REFERENCE_CSP).toBe(CSP);
  });

  it("serves the page without a token, loading only its own script and stylesheet", async () => {
    const response = await api("GET", "/api/docs", null);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expectStrictHeaders(response);
    const html = await response.text();
    expect(html).toContain('<script src="/api/docs/reference.js" defer></script>');
    expect(html).toContain('<link rel="stylesheet" href="/api/docs/reference.css">');
    // The CSP forbids inline code: every script has a src, no element has a style or an on* attribute.
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script src="/api/docs/reference.js" defer>']);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it("serves the script and the stylesheet without a token, cached briefly", async () => {
    const script = await api("GET", "/api/docs/reference.js", null);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("cache-control")).toBe("public, max-age=300");
    expectStrictHeaders(script);
    const code = await script.text();
    expect(code).toContain('const SPEC_URL = "/api/v1/openapi.json";');
    // Data reaches the page as text only, and the token never reaches storage.
    expect(code).not.toMatch(
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write|localStorage|sessionStorage/,
    );
    expect(code).not.toMatch(/\beval\(|new Function/);

    const css = await api("GET", "/api/docs/reference.css", null);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(css.headers.get("cache-control")).toBe("public, max-age=300");
    expectStrictHeaders(css);
    expect(await css.text()).not.toMatch(/@import|url\(/);
  });

  it("answers other paths under /api/docs with the REST 404", async () => {
    const response = await api("GET", "/api/docs/nothing.js", null);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("serves the OpenAPI document the page renders without a token", async () => {
    const response = await api("GET", "/api/v1/openapi.json", null);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const document = await response.json<{ openapi: string; info: { title: string }; paths: object }>();
    expect(document.openapi).toBe("3.1.0");
    expect(document.info.title).toBe("Helmet MCP gateway");
    expect(Object.keys(document.paths)).toContain("/api/v1/servers");
  });
});
