import { describe, expect, it } from "vitest";
import { logExcerpt } from "../../src/core/log-excerpt.ts";

describe("logExcerpt", () => {
  it("withholds values under secret-looking keys but keeps protocol fields", () => {
    const excerpt = logExcerpt({
      password: "hunter2",
      apiKey: "abc",
      _meta: { progressToken: 7 },
      maxTokens: 100,
      path: "/tmp",
    });
    expect(JSON.parse(excerpt)).toEqual({
      password: "[REDACTED]",
      apiKey: "[REDACTED]",
      _meta: { progressToken: 7 },
      maxTokens: 100,
      path: "/tmp",
    });
  });

  it("replaces credential formats wherever they appear", () => {
    const samples = {
      github: "token ghp_0123456789abcdefghijABCDEFGHIJ012345 here",
      aws: "AKIAIOSFODNN7EXAMPLE",
      jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl",
      url: "postgres://admin:s3cret@db.internal:5432/app",
      pem: "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----",
    };
    const excerpt = logExcerpt(samples);
    for (const secret of [
      "ghp_0123456789",
      "AKIAIOSFODNN7EXAMPLE",
      "eyJhbGciOiJIUzI1NiJ9.eyJ",
      "s3cret",
      "MIIEvQ",
    ]) {
      expect(excerpt).not.toContain(secret);
    }
    expect(excerpt).toContain("[REDACTED:github_token]");
    expect(excerpt).toContain("db.internal");
  });

  it("leaves ordinary text alone", () => {
    expect(logExcerpt({ text: "skip the tokenizer; sk- is not a key" })).toBe(
      '{"text":"skip the tokenizer; sk- is not a key"}',
    );
  });

  it("bounds its output and its work on huge or deep values", () => {
    const huge = logExcerpt({ text: "a".repeat(1_000_000) }, 2_048);
    expect(huge.length).toBeLessThan(2_200);
    let deep: unknown = "bottom";
    for (let i = 0; i < 10_000; i++) deep = { next: deep };
    expect(logExcerpt(deep).length).toBeLessThan(2_200);
    const wide = logExcerpt(Array.from({ length: 100_000 }, (_, i) => i));
    expect(wide.length).toBeLessThan(2_200);
  });

  it("does not leave the head of a credential cut by truncation", () => {
    const text = `${"a".repeat(1_020)} ghp_0123456789abcdefghijABCDEFGHIJ012345`;
    expect(logExcerpt({ text })).not.toContain("ghp_");
  });
});
