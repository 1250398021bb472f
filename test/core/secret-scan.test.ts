// Secrets in a file's text: where they are (line and column), what the report shows (masked), which rule, and the
// comments and placeholders that keep a line quiet. Test values are fake.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fingerprinted } from "../../src/core/scan/finding.ts";
import { maskSecret, scanTextForSecrets } from "../../src/core/scan/secret-scan.ts";

const GITHUB = "ghp_0123456789abcdefghijABCDEFGHIJ012345";

describe("scanTextForSecrets", () => {
  it("locates a provider token by line and column and masks it in the evidence", () => {
    const text = `// config\nconst client = new Octokit({\n  auth: "${GITHUB}",\n});\n`;
    const [finding, ...rest] = scanTextForSecrets("src/github.ts", text);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      ruleId: "secret-github-token",
      severity: "high",
      location: { type: "file", path: "src/github.ts", line: 3, column: 10 },
      cwe: ["CWE-798"],
    });
    expect(finding?.match).toBe(`auth: "${maskSecret(GITHUB)}",`);
    expect(finding?.match).not.toContain(GITHUB.slice(4));
  });

  it("calls credentials in a database URL a database secret, and other URLs with credentials what they are", () => {
    const text = [
      "DATABASE_URL=postgres://app:s3cr3t-Passw0rd@db.example.com:5432/app",
      "MIRROR=https://deploy:hunter2hunter2@git.example.com/repo.git",
    ].join("\n");
    expect(
      scanTextForSecrets(".env", text).map((f) => [f.ruleId, f.location.type === "file" && f.location.line]),
    ).toEqual([
      ["secret-database-url", 1],
      ["secret-url-credentials", 2],
    ]);
  });

  it("leaves stand-ins alone: example database passwords, code references, integrity hashes, images inlined", () => {
    const text = [
      "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style placeholder, written as in a .env file
      "REDIS_URL=redis://default:${REDIS_PASSWORD}@cache:6379",
      'const apiKey = process.env.PAYMENTS_API_KEY ?? "";',
      '"token": "sha512-Qs9dBvR2nXhP3kT7wYz5aLc8mN1oE4fG6jH0iK2lU9vW3xS7yB5dC1eF8gA4hJ6k",',
      `const logo = "data:image/png;base64,iVBORw0KGgo${"A".repeat(40)}Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kL5mN7pQ9rS1tU3vW5x";`,
    ].join("\n");
    expect(scanTextForSecrets(".env.example", text)).toEqual([]);
  });

  it("reports internal addresses low and leaves localhost alone", () => {
    const text =
      'const api = "http://10.2.3.4:8080/v1";\nconst wiki = "https://wiki.corp/x";\nfetch("http://localhost:3000");';
    const findings = scanTextForSecrets("src/api.ts", text);
    expect(findings.map((f) => [f.ruleId, f.severity, f.match])).toEqual([
      ["secret-internal-url", "low", 'const api = "http://10.2.3.4:8080/v1";'],
      ["secret-internal-url", "low", 'const wiki = "https://wiki.corp/x";'],
    ]);
  });

  it("finds internal addresses exactly where one plain pattern over the whole text does", () => {
    // The specification: scheme as a word, `://`, the whole host (no backtracking into it) internal, port, path.
    const spec =
      /(?<=\b(https?|wss?|grpc)):\/\/(?=([a-z0-9.-]{1,253}))\2(?<=\/\/(?:10(?:\.\d{1,3}){3}|192\.168(?:\.\d{1,3}){2}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2}|(?:[a-z0-9-]{1,63}\.){1,7}(?:internal|corp|intranet|lan|private|localdomain)))(?::\d{1,5})?(?:\/[^\s"'`<>)]{0,200})?/dgi;
    const label = fc.constantFrom(
      ...[
        "a",
        "b-c",
        "vault",
        "Internal",
        "internal",
        "corp",
        "lan",
        "private",
        "localdomain",
        "example",
        "com",
      ],
      ...["10", "172", "192", "168", "16", "31", "0", "255", "1000"],
    );
    const url = fc.record({
      before: fc.constantFrom("", " ", "x", '"', "(", "\n", "é"),
      scheme: fc.constantFrom("http", "https", "HTTPS", "ws", "wss", "grpc", "ftp", "xhttp", ""),
      host: fc.array(label, { minLength: 0, maxLength: 5 }).map((labels) => labels.join(".")),
      after: fc.constantFrom("", ":8080", "/v1/x y", ":99999/p", "?q=1", "_x", ".", "-", "://", "/a)b"),
    });
    fc.assert(
      fc.property(fc.array(url, { maxLength: 6 }), (urls) => {
        const text = urls.map((u) => `${u.before}${u.scheme}://${u.host}${u.after}`).join("");
        const expected = [...text.matchAll(spec)].map((match) => {
          const start = match.indices?.[1]?.[0] ?? match.index;
          return text.slice(start, match.index + match[0].length);
        });
        const found = scanTextForSecrets("urls.txt", text)
          .filter((finding) => finding.ruleId === "secret-internal-url")
          .map((finding) => finding.identity);
        expect(found).toEqual(expected.map((url) => url.toLowerCase()));
      }),
      { numRuns: 3_000 },
    );
  });

  it("takes an address as internal only when its whole host is", () => {
    const internal = ["grpc://172.16.4.2:9000", "wss://a.b.c.lan/ws", "http://vault.internal:8200/v1/kv"];
    const publicHosts = [
      "https://vault.internal.example.com/x",
      "https://10.0.0.1.nip.io/",
      "http://100.1.2.3/",
      "https://corp.example.com/",
    ];
    const found = scanTextForSecrets("notes.md", [...internal, ...publicHosts].join("\n"));
    expect(found.map((f) => f.match)).toEqual(internal);
  });

  it("finds a high-entropy value under a secret-like name, and skips placeholders", () => {
    const found = scanTextForSecrets("app.yml", "client_secret: 9fK2xQ7mZp4Lr8Tw1Vb6Nc3Hs5Jd0Ga\n");
    expect(found.map((f) => f.ruleId)).toEqual(["secret-generic-high-entropy"]);
    const placeholders = [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style placeholder, written as in a config file
      "api_key = ${API_KEY_FROM_ENVIRONMENT_VARIABLE}",
      "password: your_password_goes_here_please",
      "token = xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ].join("\n");
    expect(scanTextForSecrets("README.md", placeholders)).toEqual([]);
  });

  it("marks findings silenced by helmet-ignore (on the line, or alone above it; all rules or those named) suppressed", () => {
    const text = [
      `a = "${GITHUB}" // helmet-ignore`,
      "# helmet-ignore: secret-github-token",
      `b = "${GITHUB}"`,
      "# helmet-ignore: secret-slack-token",
      `c = "${GITHUB}"`,
      `d = "${GITHUB}"; // helmet-ignore: SECRET-GITHUB-TOKEN, secret-jwt`,
    ].join("\n");
    const findings = scanTextForSecrets("x.py", text);
    expect(
      findings.map((f) => [f.location.type === "file" && f.location.line, f.suppressed ?? false]),
    ).toEqual([
      [1, true],
      [3, true],
      [5, false],
      [6, true],
    ]);
  });

  it("gives the same secret the same fingerprint when lines move, and two equal secrets two fingerprints", async () => {
    const before = await fingerprinted(scanTextForSecrets("a.ts", `x = "${GITHUB}"\ny = "${GITHUB}"`));
    const after = await fingerprinted(
      scanTextForSecrets("a.ts", `// moved\n\nx = "${GITHUB}"\ny = "${GITHUB}"`),
    );
    expect(before.map((f) => f.fingerprint)).toEqual(after.map((f) => f.fingerprint));
    expect(new Set(before.map((f) => f.fingerprint)).size).toBe(2);
    const elsewhere = await fingerprinted(scanTextForSecrets("b.ts", `x = "${GITHUB}"`));
    expect(elsewhere[0]?.fingerprint).not.toBe(before[0]?.fingerprint);
  });
});
