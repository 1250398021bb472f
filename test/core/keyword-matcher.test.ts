// The one-pass keyword prefilter: it must report every owner whose keyword occurs (in either case, overlapping, at
// the edges, across non-ASCII text) and no other, since a missed keyword hides a secret from the scan.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeywordMatcher } from "../../src/core/detectors/keyword-matcher.ts";

describe("KeywordMatcher", () => {
  it("finds overlapping and nested keywords, in either case, at the edges", () => {
    const matcher = new KeywordMatcher([["ghp_"], ["hp_x"], ["sk-ant-"], ["sk-"], ["://"], ["zzz"]]);
    expect([...matcher.scan("GHP_XYZ")]).toEqual([1, 1, 0, 0, 0, 0]);
    expect([...matcher.scan("key=sk-ant-abc")]).toEqual([0, 0, 1, 1, 0, 0]);
    expect([...matcher.scan("https://x")]).toEqual([0, 0, 0, 0, 1, 0]);
    expect([...matcher.scan("zz")]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("lets non-ASCII text break a match but not hide one after it", () => {
    const matcher = new KeywordMatcher([["abc"]]);
    expect(matcher.scan("ab\u00e9c")[0]).toBe(0);
    expect(matcher.scan("\u00e9\u{1F600}abc")[0]).toBe(1);
  });

  it("refuses keywords it cannot match", () => {
    expect(() => new KeywordMatcher([["Upper"]])).toThrow(/lower-case ASCII/);
    expect(() => new KeywordMatcher([["caf\u00e9"]])).toThrow(/lower-case ASCII/);
    expect(() => new KeywordMatcher([[""]])).toThrow();
  });

  it("agrees with a substring search on any text and keywords", () => {
    const keyword = fc.stringMatching(/^[a-c_:/-]{1,4}$/);
    fc.assert(
      fc.property(
        fc.array(fc.array(keyword, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }),
        fc.string({ unit: fc.constantFrom("a", "B", "c", "_", ":", "/", "-", "\u00e9", " ") }),
        (owners, text) => {
          const found = new KeywordMatcher(owners).scan(text);
          const lower = text.toLowerCase();
          owners.forEach((list, i) => {
            expect(found[i], `${JSON.stringify(list)} in ${JSON.stringify(text)}`).toBe(
              list.some((k) => lower.includes(k)) ? 1 : 0,
            );
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
