// The shared core must run unchanged in the Worker and in the Node CLI: Web-standard APIs only.
import { describe, expect, it } from "vitest";

const sources = import.meta.glob("../../src/core/**/*.ts", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

/**
 * Module specifiers the core may import: its own files and pure-JavaScript packages: zod, re2js, the YAML and TOML
 * parsers (lockfiles) and Lezer's parsers (source code).
 */
const ALLOWED = /^(?:\.{1,2}\/|zod$|re2js$|yaml$|smol-toml$|@lezer\/(?:common|lr|javascript|python)$)/;

describe("src/core", () => {
  it("has modules to check", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(3);
  });

  it.each(Object.entries(sources))("%s imports nothing runtime-specific", (_file, source) => {
    const specifiers = [
      ...source.matchAll(/(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g),
    ].map((match) => match[1] ?? match[2] ?? "");
    const leaks = specifiers.filter((specifier) => !ALLOWED.test(specifier));
    expect(leaks).toEqual([]);
    expect(source).not.toMatch(/\b(?:process|Buffer|require|__dirname)\b[.(]/);
  });
});
