// The one-pass keyword prefilter: it must report every owner whose keyword occurs (in either case, overlapping, at
// the edges, across non-ASCII text) and no other, since a missed keyword hides a secret from the scan.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { startsWithKeyword } from "../../src/core/detectors/detect.ts";
import { KeywordMatcher } from "../../src/core/detectors/keyword-matcher.ts";

/** Where `keyword` begins in `text`, overlaps included. */
function allStarts(text: string, keyword: string): number[] {
  const out: number[] = [];
  for (let at = text.indexOf(keyword); at !== -1; at = text.indexOf(keyword, at + 1)) out.push(at);
  return out;
}

describe("KeywordMatcher", () => {
  it("finds overlapping and nested keywords, in either case, at the edges", () => {
    const matcher = new KeywordMatcher([["ghp_"], ["hp_x"], ["sk-ant-"], ["sk-"], ["://"], ["zzz"]]);
    expect([...matcher.scan("GHP_XYZ").found]).toEqual([1, 1, 0, 0, 0, 0]);
    expect([...matcher.scan("key=sk-ant-abc").found]).toEqual([0, 0, 1, 1, 0, 0]);
    expect([...matcher.scan("https://x").found]).toEqual([0, 0, 0, 0, 1, 0]);
    expect([...matcher.scan("zz").found]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("lets non-ASCII text break a match but not hide one after it", () => {
    const matcher = new KeywordMatcher([["abc"]]);
    expect(matcher.scan("ab\u00e9c").found[0]).toBe(0);
    expect(matcher.scan("\u00e9\u{1F600}abc").found[0]).toBe(1);
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
          const { found, starts } = new KeywordMatcher(owners).scan(
            text,
            new Uint8Array(owners.length).fill(1),
          );
          const lower = text.toLowerCase();
          owners.forEach((list, i) => {
            expect(found[i], `${JSON.stringify(list)} in ${JSON.stringify(text)}`).toBe(
              list.some((k) => lower.includes(k)) ? 1 : 0,
            );
            // Every place one of the owner's keywords begins, and no other.
            const expected = [...new Set(list.flatMap((k) => allStarts(lower, k)))].sort((x, y) => x - y);
            expect([...new Set(starts[i] ?? [])].sort((x, y) => x - y)).toEqual(expected);
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("startsWithKeyword", () => {
  it("says a pattern is anchored only when every match must begin with one of its keywords", () => {
    expect(startsWithKeyword(/\bSK[0-9a-f]{32}\b/, ["sk"])).toBe(true);
    expect(startsWithKeyword(/\bsk-ant-[\w-]{20,255}/, ["sk-ant-"])).toBe(true);
    expect(startsWithKeyword(/\bSG\.[\w-]{22}/, ["sg."])).toBe(true);
    // The keyword is longer than the sure literal, a top-level alternative can start anywhere, `s?` may be absent.
    expect(startsWithKeyword(/\bgh[pousr]_[A-Za-z0-9]{36}/, ["ghp_", "gho_"])).toBe(false);
    expect(startsWithKeyword(/\bsk_live_x|\bpk_live_x/, ["sk_live_"])).toBe(false);
    expect(startsWithKeyword(/https?:\/\/x/, ["https"])).toBe(false);
    expect(startsWithKeyword(/-----BEGIN[ A-Z]{0,30}PRIVATE KEY-----/, ["private key-----"])).toBe(false);
  });

  it("looks past a lookbehind and into a leading group of alternatives", () => {
    // What a lookbehind matches is before the match: the match itself begins with `NRAL`.
    expect(startsWithKeyword(/(?<=\b([a-z0-9]{36}))NRAL\b/, ["nral"])).toBe(true);
    expect(startsWithKeyword(/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, ["akia", "asia"])).toBe(true);
    expect(startsWithKeyword(/(?:(?<=\bapi[_-]?)key|\btoken)\s{0,3}=/, ["key", "token"])).toBe(true);
    // One alternative begins elsewhere; the group may be absent; the class holds `|` and `)`, not alternatives.
    expect(startsWithKeyword(/(?:key|\w+secret)=/, ["key", "secret"])).toBe(false);
    expect(startsWithKeyword(/(?:key|token)?=x/, ["key", "token"])).toBe(false);
    expect(startsWithKeyword(/(?:key[|)]|token)=/, ["key", "token"])).toBe(true);
    expect(startsWithKeyword(/[|)](?:key)/, ["key"])).toBe(false);
  });
});
