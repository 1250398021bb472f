import { describe, expect, it } from "vitest";
import { compileGlob } from "../../src/core/policy/glob.ts";

describe("compileGlob", () => {
  it("matches *, ? and literals, anchored at both ends", () => {
    const cases: Array<[string, string, boolean]> = [
      ["read_*", "read_file", true],
      ["read_*", "unread_file", false],
      ["*", "", true],
      ["a?c", "abc", true],
      ["a?c", "ac", false],
      ["*/etc/*", "file:///etc/passwd", true],
      ["a*b*c", "axxbyyc", true],
      ["a*b*c", "axxbyy", false],
      ["tools/call", "tools/call", true],
      ["tools/call", "tools/calls", false],
    ];
    for (const [pattern, text, expected] of cases)
      expect(compileGlob(pattern)(text), `${pattern} ~ ${text}`).toBe(expected);
  });

  it("treats escaped wildcards as literals", () => {
    expect(compileGlob("a\\*b")("a*b")).toBe(true);
    expect(compileGlob("a\\*b")("axb")).toBe(false);
    expect(compileGlob("what\\?")("what?")).toBe(true);
  });

  it("stays cheap on patterns that make backtracking matchers explode", () => {
    const matcher = compileGlob(`${"*a".repeat(30)}b`);
    // A recursive matcher takes exponential time here; this one is bounded by pattern × text.
    expect(matcher("a".repeat(5_000))).toBe(false);
  });
});
