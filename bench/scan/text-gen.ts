// Text that reads like a real repository's files, from a seeded generator: source with identifiers, URLs, UUIDs,
// hex digests and base64 blobs where code has them, config, docs. The secret rules' keywords occur as they do in
// real code (token, key, secret, ://, pat, sk), so the prefilter and the entropy checks are exercised honestly.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: generated code quotes ${...} placeholders as text.

/** A small, fast, seeded PRNG (sfc32): the same seed gives the same repository. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    const t = (this.a + this.b + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

const WORDS = (
  "account address admin agent alert api app archive asset audit auth backup balance batch bill block " +
  "booking bucket buffer build bundle cache campaign card cart catalog channel chart check client cluster " +
  "comment config connection contact container content context cursor customer dashboard data device " +
  "digest document domain draft email endpoint entry event export feature feed field file filter flag form " +
  "gateway group handler header health history hook image import index input invoice item job key label " +
  "layout ledger limit link list loader locale lock log manifest member message metric migration model " +
  "module monitor node note notification offer order owner package page panel parser partner path payload " +
  "payment permission pipeline plan policy pool post preview price product profile project provider query " +
  "queue quota rate record region release report request resource response result retry review role route " +
  "rule schedule schema scope search section segment server service session setting shard shipment " +
  "signal snapshot source stage state status step storage store stream subscription summary supplier sync " +
  "table tag task team template tenant theme thread ticket timeline token topic trace transaction " +
  "transfer trigger upload usage user value variant version view visit volume warehouse webhook widget " +
  "window worker workflow workspace zone"
).split(" ");

const VERBS = (
  "build check create decode delete emit encode fetch find flush format get handle load map merge normalize " +
  "parse patch publish read refresh register remove render resolve retry save schedule send serialize " +
  "set sort split start stop sync track transform update upsert validate verify watch write"
).split(" ");

const PROSE = (
  "the a this that each every when if then so because while after before with without for from into over " +
  "under between across through service request response client server value file config team user data " +
  "runs returns keeps reads writes sends stores checks uses needs gives takes makes shows works fails " +
  "quickly safely once again later first last only also never always usually often rarely here there " +
  "naïve café façade résumé über déjà-vu → ← — – · … ✓ 🚀 ✨ 日本語 données Größe"
).split(" ");

const HOSTS = [
  "api.github.com",
  "registry.npmjs.org",
  "example.com",
  "api.example.com",
  "cdn.jsdelivr.net",
  "docs.python.org",
  "developer.mozilla.org",
  "storage.googleapis.com",
  "s3.amazonaws.com",
  "hooks.example.org",
  "auth.acme-corp.io",
  "status.acme-corp.io",
  "grafana.acme-corp.io",
  "localhost:3000",
  "127.0.0.1:8080",
  "pypi.org",
  "hub.docker.com",
  "ghcr.io",
];

const HEX = "0123456789abcdef";
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Building blocks of generated text; every method draws from the one PRNG. */
export class TextGen {
  readonly rng: Rng;

  constructor(rng: Rng) {
    this.rng = rng;
  }

  word(): string {
    return this.rng.pick(WORDS);
  }
  verb(): string {
    return this.rng.pick(VERBS);
  }
  camel(): string {
    const n = this.rng.int(1, 3);
    let out = this.rng.chance(0.5) ? this.verb() : this.word();
    for (let i = 1; i < n; i++) out += cap(this.word());
    return out;
  }
  pascal(): string {
    return cap(this.camel());
  }
  snake(): string {
    return this.camel()
      .replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
      .replace(/^_/, "");
  }
  upperSnake(): string {
    return this.snake().toUpperCase();
  }
  chars(alphabet: string, n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(this.rng.next() * alphabet.length)];
    return out;
  }
  hex(n: number): string {
    return this.chars(HEX, n);
  }
  base64(n: number): string {
    // Binary payloads (images, fonts) have runs of zero bytes: AAAA in base64.
    let out = "";
    while (out.length < n) out += this.rng.chance(0.1) ? "AAAAAAAA" : this.chars(B64, 16);
    out = out.slice(0, n - (n % 4));
    return this.rng.chance(0.5) ? `${out.slice(0, -2)}==` : out;
  }
  alnum(n: number): string {
    return this.chars(ALNUM, n);
  }
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  }
  url(): string {
    const host = this.rng.pick(HOSTS);
    const scheme = host.startsWith("localhost") || host.startsWith("127.") ? "http" : "https";
    const segments = Array.from({ length: this.rng.int(1, 4) }, () => this.snake().replaceAll("_", "-"));
    const query = this.rng.chance(0.3)
      ? `?${this.word()}=${this.rng.int(1, 500)}&page=${this.rng.int(1, 9)}`
      : "";
    return `${scheme}://${host}/${segments.join("/")}${query}`;
  }
  prose(words: number): string {
    const out: string[] = [];
    for (let i = 0; i < words; i++) out.push(this.rng.chance(0.35) ? this.rng.pick(PROSE) : this.word());
    const text = out.join(" ");
    return `${cap(text)}.`;
  }
  semver(): string {
    return `${this.rng.int(0, 9)}.${this.rng.int(0, 30)}.${this.rng.int(0, 20)}`;
  }
  /** A code-like value: most are ordinary, some are the digests and blobs real code carries. */
  literal(): string {
    const r = this.rng.next();
    if (r < 0.25) return `"${this.camel()}"`;
    if (r < 0.4) return String(this.rng.int(0, 100_000));
    if (r < 0.55) return `"${this.url()}"`;
    if (r < 0.65) return `"${this.uuid()}"`;
    if (r < 0.72) return `"${this.hex(this.rng.pick([32, 40, 64]))}"`;
    if (r < 0.76) return `"sha512-${this.base64(88)}"`;
    if (r < 0.8) return `"data:image/png;base64,${this.base64(this.rng.int(64, 600))}"`;
    if (r < 0.9) return this.rng.chance(0.5) ? "true" : "null";
    return `[${Array.from({ length: this.rng.int(1, 4) }, () => this.rng.int(0, 999)).join(", ")}]`;
  }
}

const cap = (s: string) => (s.length === 0 ? s : s[0]?.toUpperCase() + s.slice(1));

/** Lines of text of a kind until `bytes` is reached (roughly). */
function fill(target: number, block: () => string, header = ""): string {
  const parts = [header];
  let size = header.length;
  while (size < target) {
    const next = block();
    parts.push(next);
    size += next.length;
  }
  return parts.join("");
}

export function typescript(g: TextGen, target: number): string {
  const r = g.rng;
  const imports = Array.from(
    { length: r.int(2, 7) },
    () =>
      `import { ${g.pascal()}, ${g.camel()} } from "${r.chance(0.6) ? `../${g.snake()}` : `@acme/${g.word()}`}";\n`,
  ).join("");
  const header = `// ${g.prose(r.int(8, 18))}\n${imports}\n`;
  return fill(
    target,
    () => {
      const name = g.camel();
      const type = g.pascal();
      switch (r.int(0, 9)) {
        case 0:
          return `export interface ${type} {\n${Array.from({ length: r.int(2, 8) }, () => `  ${g.camel()}${r.chance(0.3) ? "?" : ""}: ${r.pick(["string", "number", "boolean", `${g.pascal()}[]`, "Date | null"])};\n`).join("")}}\n\n`;
        case 1:
          return `/** ${g.prose(r.int(5, 14))} */\nexport async function ${name}(${g.camel()}: ${type}, options: ${g.pascal()}Options = {}): Promise<${g.pascal()}> {\n  const ${g.camel()} = await this.${g.camel()}.${g.verb()}(${g.camel()}.${g.camel()});\n  if (!${g.camel()}) throw new Error("${g.prose(r.int(3, 8))}");\n  return { ...${g.camel()}, ${g.camel()}: ${g.literal()} };\n}\n\n`;
        case 2:
          return `export const ${g.upperSnake()} = ${g.literal()};\nconst ${name} = new Map<string, ${type}>();\n`;
        case 3:
          return `const response = await fetch(\`${g.url()}\${${g.camel()}}\`, {\n  method: "${r.pick(["GET", "POST", "PUT", "DELETE"])}",\n  headers: { Authorization: \`Bearer \${token}\`, "content-type": "application/json" },\n});\nif (!response.ok) throw new ${type}Error(response.status, await response.text());\n\n`;
        case 4:
          return `describe("${name}", () => {\n  it("${g.prose(r.int(4, 9)).toLowerCase()}", async () => {\n    const ${g.camel()} = ${g.literal()};\n    expect(await ${name}(${g.literal()})).toEqual(${g.literal()});\n  });\n});\n\n`;
        case 5:
          // An environment variable read into apiKey, as about one file in fifty has it.
          return `  private readonly ${g.camel()}Key = \`${g.word()}:\${${g.camel()}.id}\`;\n  const token = ${r.chance(0.5) ? `req.headers.get("authorization")?.slice(7)` : `await ${g.camel()}Token(${g.camel()})`};\n${r.chance(0.005) ? `  const apiKey = process.env.${g.upperSnake()}_API_KEY ?? "";\n` : ""}`;
        case 6:
          return `export class ${type}${r.pick(["Service", "Store", "Client", "Repository"])} {\n  constructor(private readonly ${g.camel()}: ${g.pascal()}) {}\n\n  async ${g.verb()}(${g.camel()}: string): Promise<void> {\n    for (const ${g.camel()} of Object.keys(this.${g.camel()})) {\n      await this.${g.camel()}.${g.verb()}(${g.camel()}, ${g.literal()});\n    }\n  }\n}\n\n`;
        case 7:
          return `// ${g.prose(r.int(6, 20))}\n`;
        case 8:
          return `const ${name}: Record<string, ${type}> = {\n${Array.from({ length: r.int(2, 6) }, () => `  ${g.camel()}: ${g.literal()},\n`).join("")}};\n\n`;
        default:
          return `  ${name} = ${g.camel()}.filter((${g.camel()}) => ${g.camel()}.${g.camel()} !== ${g.literal()}).map(${g.camel()});\n`;
      }
    },
    header,
  );
}

export function javascript(g: TextGen, target: number): string {
  return typescript(g, target)
    .replace(/^import \{ (.+) \} from (".+");$/gm, "const { $1 } = require($2);")
    .replace(/: (?:string|number|boolean|Promise<\w+>|Record<string, \w+>|\w+\[\]|\w+)(?=[,)=;])/g, "");
}

export function python(g: TextGen, target: number): string {
  const r = g.rng;
  const header = `"""${g.prose(r.int(8, 16))}"""\nfrom __future__ import annotations\n\nimport os\nimport json\nfrom ${g.snake()} import ${g.pascal()}, ${g.snake()}\n\n`;
  return fill(
    target,
    () => {
      switch (r.int(0, 6)) {
        case 0:
          return `\ndef ${g.snake()}(${g.snake()}: ${g.pascal()}, ${g.snake()}: int = ${r.int(0, 100)}) -> dict:\n    """${g.prose(r.int(5, 12))}"""\n    ${g.snake()} = ${g.snake()}.${g.snake()}(${g.snake()})\n    if not ${g.snake()}:\n        raise ValueError("${g.prose(r.int(3, 7))}")\n    return {"${g.snake()}": ${g.snake()}, "id": "${g.uuid()}"}\n`;
        case 1:
          return `${g.upperSnake()} = os.environ.get("${g.upperSnake()}", ${g.literal()})\nAPI_KEY = os.environ["${g.upperSnake()}_API_KEY"]\n`;
        case 2:
          return `\nclass ${g.pascal()}(${g.pascal()}):\n    ${g.snake()}: str = "${g.word()}"\n\n    def ${g.snake()}(self, token: str | None = None) -> None:\n        self.session.headers["Authorization"] = f"Bearer {token}"\n        resp = self.session.get("${g.url()}", timeout=${r.int(5, 60)})\n        resp.raise_for_status()\n`;
        case 3:
          return `# ${g.prose(r.int(6, 16))}\n`;
        case 4:
          return `    ${g.snake()} = [${g.literal()}, ${g.literal()}]\n    checksum = "${g.hex(64)}"\n`;
        case 5:
          return `\n@pytest.mark.parametrize("${g.snake()}", [${g.literal()}, ${g.literal()}])\ndef test_${g.snake()}(${g.snake()}):\n    assert ${g.snake()}(${g.snake()}) == ${g.literal()}\n`;
        default:
          return `    for ${g.snake()} in ${g.snake()}.items():\n        logger.info("${g.prose(r.int(3, 8))} %s", ${g.snake()})\n`;
      }
    },
    header,
  );
}

export function json(g: TextGen, target: number): string {
  const r = g.rng;
  const records: string[] = [];
  let size = 0;
  while (size < target) {
    const fields = Array.from({ length: r.int(3, 9) }, () => `    "${g.camel()}": ${g.literal()}`);
    if (r.chance(0.3)) fields.push(`    "etag": "W/\\"${g.hex(32)}\\""`);
    const record = `  {\n${fields.join(",\n")}\n  }`;
    records.push(record);
    size += record.length + 2;
  }
  return `[\n${records.join(",\n")}\n]\n`;
}

export function packageJson(g: TextGen): string {
  const r = g.rng;
  const deps = Array.from(
    { length: r.int(3, 15) },
    () => `    "${r.chance(0.4) ? `@${g.word()}/` : ""}${g.snake().replaceAll("_", "-")}": "^${g.semver()}"`,
  );
  return `{\n  "name": "@acme/${g.word()}-${g.word()}",\n  "version": "${g.semver()}",\n  "private": true,\n  "type": "module",\n  "scripts": {\n    "build": "tsc -p .",\n    "test": "vitest run",\n    "lint": "biome check ."\n  },\n  "dependencies": {\n${deps.join(",\n")}\n  }\n}\n`;
}

export function yaml(g: TextGen, target: number): string {
  const r = g.rng;
  if (r.chance(0.4)) {
    const header = `name: ${g.word()}\non:\n  push:\n    branches: [main]\n  pull_request:\njobs:\n`;
    return fill(
      target,
      () =>
        `  ${g.snake()}:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@${g.hex(40)}\n      - uses: actions/setup-node@v4\n        with:\n          node-version: 24\n      - run: npm ci && npm run ${g.word()}\n        env:\n          NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}\n          ${g.upperSnake()}: \${{ vars.${g.upperSnake()} }}\n`,
      header,
    );
  }
  const header = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${g.word()}-${g.word()}\n  labels:\n    app: ${g.word()}\nspec:\n  replicas: ${r.int(1, 6)}\n  template:\n    spec:\n      containers:\n`;
  return fill(
    target,
    () =>
      `        - name: ${g.word()}\n          image: ghcr.io/acme/${g.word()}@sha256:${g.hex(64)}\n          env:\n            - name: ${g.upperSnake()}\n              value: "${g.url()}"\n            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: ${g.word()}-credentials\n                  key: password\n`,
    header,
  );
}

export function markdown(g: TextGen, target: number): string {
  const r = g.rng;
  return fill(
    target,
    () => {
      switch (r.int(0, 5)) {
        case 0:
          return `\n## ${cap(g.word())} ${g.word()}\n\n`;
        case 1:
          return `\`\`\`sh\ncurl -H "Authorization: Bearer $${g.upperSnake()}_TOKEN" ${g.url()}\nexport ${g.upperSnake()}=<your-token>\n\`\`\`\n\n`;
        case 2:
          return `- ${g.prose(r.int(4, 12))} See [${g.word()}](${g.url()}).\n`;
        case 3:
          return `| ${g.word()} | \`${g.camel()}\` | ${g.prose(r.int(3, 7))} |\n`;
        default:
          return `${g.prose(r.int(20, 70))}\n\n`;
      }
    },
    `# ${cap(g.word())} ${g.word()}\n\n`,
  );
}

export function envExample(g: TextGen): string {
  const r = g.rng;
  const lines = [
    "# Copy to .env and fill in the values.",
    "NODE_ENV=development",
    `PORT=${r.int(3000, 9000)}`,
    "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app",
    "REDIS_URL=redis://localhost:6379",
    `${g.upperSnake()}_API_KEY=`,
    "STRIPE_SECRET_KEY=sk_test_replace_me",
    "JWT_SECRET=change-me",
    `${g.upperSnake()}_TOKEN=your-token-here`,
    `PUBLIC_URL=${g.url()}`,
  ];
  return `${lines.filter(() => r.chance(0.85)).join("\n")}\n`;
}

export function shell(g: TextGen, target: number): string {
  const r = g.rng;
  return fill(
    target,
    () =>
      r.chance(0.3)
        ? `# ${g.prose(r.int(4, 10))}\n`
        : `${g.snake()}() {\n  local ${g.snake()}="$1"\n  curl -fsSL "${g.url()}" -o "/tmp/${g.word()}.json"\n  echo "sha256: ${g.hex(64)}"\n}\n`,
    "#!/usr/bin/env bash\nset -euo pipefail\n\n",
  );
}

export function css(g: TextGen, target: number): string {
  const r = g.rng;
  return fill(
    target,
    () =>
      `.${g.snake().replaceAll("_", "-")} {\n  color: #${g.hex(6)};\n  margin: ${r.int(0, 32)}px ${r.int(0, 32)}px;\n  background: url("data:image/svg+xml;base64,${g.base64(r.int(40, 240))}");\n}\n`,
  );
}

export function sql(g: TextGen, target: number): string {
  const r = g.rng;
  return fill(target, () =>
    r.chance(0.3)
      ? `CREATE TABLE ${g.snake()} (\n  id TEXT PRIMARY KEY,\n  ${g.snake()} TEXT NOT NULL,\n  created_at INTEGER NOT NULL\n);\n`
      : `INSERT INTO ${g.snake()} (id, ${g.snake()}, hash) VALUES ('${g.uuid()}', '${g.word()}', '${g.hex(40)}');\n`,
  );
}

/** A CSV export: UUIDs, digests and numbers, the random-looking columns data files are full of. */
export function csv(g: TextGen, target: number): string {
  const r = g.rng;
  return fill(
    target,
    () =>
      `${g.uuid()},${g.word()},${r.int(0, 1_000_000)},${g.hex(40)},${g.alnum(r.int(12, 24))},${g.url()}\n`,
    "id,kind,amount,commit,reference,url\n",
  );
}

/** One long line, as generated data and bundled JSON have. */
export function longLineJson(g: TextGen, target: number): string {
  return `${json(g, target).replace(/\n\s*/g, "")}\n`;
}

/** A lockfile: integrity digests that look random by design, the reason scanners skip lockfiles. */
export function lockfile(g: TextGen, packages: number): string {
  const entries = Array.from({ length: packages }, () => {
    const name = g.snake().replaceAll("_", "-");
    const version = g.semver();
    return `    "node_modules/${name}": {\n      "version": "${version}",\n      "resolved": "https://registry.npmjs.org/${name}/-/${name}-${version}.tgz",\n      "integrity": "sha512-${g.base64(88)}",\n      "license": "MIT"\n    }`;
  });
  return `{\n  "name": "acme",\n  "lockfileVersion": 3,\n  "packages": {\n${entries.join(",\n")}\n  }\n}\n`;
}
