import { describe, expect, it } from "vitest";
import { detect, entropy, redactText, redactValue } from "../../src/core/detectors/detect.ts";
import { SECRET_RULES } from "../../src/core/detectors/secret-rules.ts";

/** One string each rule must find, and one look-alike it must not. Test values are fake. */
const SAMPLES: Record<string, { hit: string; miss: string }> = {
  private_key: {
    hit: "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
    miss: "-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----",
  },
  jwt: {
    hit: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl",
    miss: "eyJ is how JSON starts in base64",
  },
  bearer_token: { hit: "Authorization: Bearer abcdefghijklmnop1234", miss: "the bearer of bad news" },
  aws_access_key_id: { hit: "AKIAIOSFODNN7EXAMPLE", miss: "AKIA is a prefix" },
  aws_secret_access_key: {
    hit: "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    miss: "aws secret rotation is monthly",
  },
  github_token: { hit: "ghp_0123456789abcdefghijABCDEFGHIJ012345", miss: "ghp_short" },
  github_fine_grained_token: {
    hit: "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ",
    miss: "github_pat_ tokens are long",
  },
  gitlab_token: { hit: "glpat-abcdefghij0123456789", miss: "glpat-short" },
  slack_token: { hit: "xoxb-123456789012-abcdefghij", miss: "xoxo and hugs" },
  slack_webhook: {
    hit: "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXX",
    miss: "see hooks.slack.com docs",
  },
  stripe_key: { hit: "sk_live_4eC39HqLyjWDarjtT1zdp7dc", miss: "sk_live_ is the prefix" },
  google_api_key: { hit: "AIzaSyA-0123456789abcdefghijklmnopqrstu", miss: "AIza appears in keys" },
  google_oauth_secret: { hit: "GOCSPX-abcdefghijklmnopqrstuvwxyz12", miss: "GOCSPX-short" },
  anthropic_key: { hit: "sk-ant-api03-abcdefghijklmnopqrstuvwxyz", miss: "sk-ant- is Anthropic's prefix" },
  openai_key: { hit: "sk-proj-abcdefghijklmnopqrstuvwxyz0123", miss: "sk-learn is a library" },
  huggingface_token: { hit: "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH", miss: "hf_model is a name" },
  npm_token: { hit: "npm_abcdefghijklmnopqrstuvwxyz0123456789", miss: "npm_config_cache" },
  pypi_token: { hit: `pypi-AgEIcHlwaS5vcmc${"a".repeat(60)}`, miss: "pypi-server" },
  sendgrid_key: { hit: `SG.${"a".repeat(22)}.${"b".repeat(43)}`, miss: "SG.com" },
  twilio_key: { hit: "SK0123456789abcdef0123456789abcdef", miss: "SKU-12345" },
  mailgun_key: { hit: "key-0123456789abcdef0123456789abcdef", miss: "key-value store" },
  shopify_token: { hit: "shpat_0123456789abcdef0123456789abcdef", miss: "shpat_ prefix" },
  digitalocean_token: { hit: `dop_v1_${"a1".repeat(32)}`, miss: "dop_v1_ prefix" },
  azure_storage_key: {
    hit: `DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${"A".repeat(86)}==`,
    miss: "AccountKey=short==",
  },
  telegram_bot_token: { hit: "123456789:AAabcdefghijklmnopqrstuvwxyz0123456", miss: "12:30 AA meeting" },
  url_credentials: { hit: "postgres://admin:s3cret@db.example.com/app", miss: "https://example.com/path" },
};

describe("secret rules", () => {
  // Every rule's own true and false positives are in secret-rules.test.ts; these samples check redaction in context.
  it("samples only rules that exist", () => {
    expect(SECRET_RULES.map((r) => r.id)).toEqual(expect.arrayContaining(Object.keys(SAMPLES)));
  });

  it.each(Object.entries(SAMPLES))("%s finds its format and not the look-alike", (id, { hit, miss }) => {
    expect(detect(`before ${hit} after`).map((d) => d.detector)).toContain(id);
    expect(detect(`before ${miss} after`).map((d) => d.detector)).not.toContain(id);
  });
});

describe("personal data and generic secrets", () => {
  it("finds emails, Luhn-valid cards, IBANs and phone numbers, and not their look-alikes", () => {
    const found = (text: string) => detect(text).map((d) => d.detector);
    expect(found("write to jane.doe@example.co.uk today")).toEqual(["email"]);
    expect(found("card 4111 1111 1111 1111 expires")).toEqual(["credit_card"]);
    expect(found("order 4111 1111 1111 1112 shipped")).toEqual([]);
    expect(found("IBAN GB82 WEST 1234 5698 7654 32 please")).toEqual(["iban"]);
    expect(found("IBAN GB82 WEST 1234 5698 7654 33 please")).toEqual([]);
    expect(found("call +44 20 7946 0958 now")).toEqual(["phone"]);
    expect(found("server 192.168.100.200 version 1.22.333")).toEqual([]);
    expect(found("on 2026-11-21 at 10:30")).toEqual([]);
  });

  it("finds a high-entropy value next to a secret-like name, not a low-entropy one", () => {
    expect(detect('config: {"client_secret": "q8Zr2LmXv9TbN4sKp7WyJc3Hd"}').map((d) => d.detector)).toEqual([
      "generic_secret",
    ]);
    expect(detect("password = aaaaaaaaaaaaaaaaaaaaaaaa")).toEqual([]);
    expect(entropy("aaaa")).toBe(0);
    expect(entropy("abcd")).toBe(2);
  });
});

describe("redaction", () => {
  it("replaces each finding and names its detector, keeping the rest of the text", () => {
    expect(redactText("token ghp_0123456789abcdefghijABCDEFGHIJ012345 for jane@example.com").text).toBe(
      "token [REDACTED:github_token] for [REDACTED:email]",
    );
  });

  it("redacts inside JSON values and reports each path, never the value", () => {
    const { value, redactions } = redactValue({
      content: [{ type: "text", text: "key AKIAIOSFODNN7EXAMPLE" }],
      "odd key": { contact: "ops@example.com" },
      count: 3,
    });
    expect(value).toEqual({
      content: [{ type: "text", text: "key [REDACTED:aws_access_key_id]" }],
      "odd key": { contact: "[REDACTED:email]" },
      count: 3,
    });
    expect(redactions).toEqual([
      { detector: "aws_access_key_id", path: "$.content[0].text" },
      { detector: "email", path: '$["odd key"].contact' },
    ]);
    expect(JSON.stringify(redactions)).not.toContain("AKIA");
  });

  it("gets through long hostile input (a backtracking blow-up would never return)", () => {
    const hostile = `${"a@".repeat(50_000)}${"1 ".repeat(50_000)}${"sk-".repeat(20_000)}+1 ${"2-".repeat(20_000)}`;
    expect(Array.isArray(detect(hostile))).toBe(true);
  });
});
