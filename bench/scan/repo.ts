// The generated repository the tree scans read: N text files of a monorepo's usual kinds and sizes, a few large
// ones, and what a scan must skip (node_modules, a lockfile, images). One positive of every secret rule is planted
// at a known place (and some negatives), each in a file of its own, so recall on the tree can be checked.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { RULE_CASES, secretIn } from "../../test/fixtures/secrets/rule-cases.ts";
import * as gen from "./text-gen.ts";
import { Rng, TextGen } from "./text-gen.ts";

export interface RepoFile {
  /** Relative, '/'-separated. */
  path: string;
  text: string;
  bytes: number;
  kind: string;
}

export interface Planted {
  rule: string;
  label: "positive" | "negative";
  path: string;
  /** Offsets of the planted text (a whole case, on lines of its own) in the file's text. */
  start: number;
  end: number;
  /** Offsets of the secret itself (positives; for negatives the whole text). */
  secretStart: number;
  secretEnd: number;
  /** 1-based line where the planted text starts. */
  line: number;
}

export interface Repo {
  root: string;
  /** Every file both scanners should read, planted hosts included. */
  scanned: RepoFile[];
  /** Scanned files with nothing planted: the clean text. */
  clean: RepoFile[];
  planted: Planted[];
  /** Files a scan must not read, by why; some hold a secret, so a finding there shows a selection bug. */
  skipped: { path: string; reason: "vendored" | "lockfile" | "binary"; bytes: number }[];
  /** Paths both tools are told to leave out because they are the harness's (.secretlintignore). */
  harnessFiles: string[];
}

interface Kind {
  name: string;
  weight: number;
  avgBytes: number;
  make: (g: TextGen, bytes: number) => string;
  place: (g: TextGen, pkgs: readonly string[], svcs: readonly string[]) => string;
}

const KINDS: readonly Kind[] = [
  {
    name: "ts",
    weight: 0.33,
    avgBytes: 9_000,
    make: gen.typescript,
    place: (g, pkgs) =>
      g.rng.chance(0.75)
        ? `packages/${g.rng.pick(pkgs)}/src/${g.word()}/${kebab(g)}.ts`
        : `packages/${g.rng.pick(pkgs)}/test/${kebab(g)}.test.ts`,
  },
  {
    name: "js",
    weight: 0.09,
    avgBytes: 7_000,
    make: gen.javascript,
    place: (g, pkgs) => `packages/${g.rng.pick(pkgs)}/lib/${g.word()}/${kebab(g)}.js`,
  },
  {
    name: "py",
    weight: 0.15,
    avgBytes: 8_000,
    make: gen.python,
    place: (g, _, svcs) =>
      g.rng.chance(0.8)
        ? `services/${g.rng.pick(svcs)}/${g.snake()}/${g.snake()}.py`
        : `services/${g.rng.pick(svcs)}/tests/test_${g.snake()}.py`,
  },
  {
    name: "json",
    weight: 0.1,
    avgBytes: 4_000,
    make: gen.json,
    place: (g, pkgs) =>
      g.rng.chance(0.7)
        ? `packages/${g.rng.pick(pkgs)}/fixtures/${kebab(g)}.json`
        : `config/${kebab(g)}.json`,
  },
  {
    name: "yaml",
    weight: 0.07,
    avgBytes: 2_500,
    make: gen.yaml,
    place: (g) =>
      g.rng.chance(0.3)
        ? `.github/workflows/${kebab(g)}.yml`
        : `deploy/${g.rng.pick(["dev", "staging", "prod"])}/${kebab(g)}.yaml`,
  },
  {
    name: "md",
    weight: 0.12,
    avgBytes: 6_000,
    make: gen.markdown,
    place: (g, pkgs) =>
      g.rng.chance(0.7)
        ? `docs/${g.word()}/${kebab(g)}.md`
        : `packages/${g.rng.pick(pkgs)}/docs/${kebab(g)}.md`,
  },
  { name: "sh", weight: 0.03, avgBytes: 2_500, make: gen.shell, place: (g) => `scripts/${kebab(g)}.sh` },
  {
    name: "css",
    weight: 0.05,
    avgBytes: 4_000,
    make: gen.css,
    place: (g, pkgs) => `packages/${g.rng.pick(pkgs)}/src/styles/${kebab(g)}.css`,
  },
  {
    name: "sql",
    weight: 0.03,
    avgBytes: 5_000,
    make: gen.sql,
    place: (g, _, svcs) =>
      `services/${g.rng.pick(svcs)}/migrations/${String(g.rng.int(1, 9999)).padStart(4, "0")}_${g.snake()}.sql`,
  },
  { name: "csv", weight: 0.03, avgBytes: 12_000, make: gen.csv, place: (g) => `data/${kebab(g)}.csv` },
];

/** The large files of a real repository: generated code, data, a long changelog; all under the 2 MiB limit. */
const LARGE: readonly { path: string; bytes: number; make: (g: TextGen, bytes: number) => string }[] = [
  { path: "data/geo-features.json", bytes: 1_500_000, make: gen.longLineJson },
  { path: "packages/core/src/generated/schema.ts", bytes: 1_200_000, make: gen.typescript },
  { path: "docs/CHANGELOG.md", bytes: 900_000, make: gen.markdown },
  { path: "data/ledger-export.csv", bytes: 1_800_000, make: gen.csv },
  { path: "test/fixtures/api-recordings.json", bytes: 1_400_000, make: gen.json },
  { path: "packages/web/public/vendor-bundle.js", bytes: 1_000_000, make: gen.javascript },
];

const kebab = (g: TextGen) => g.snake().replaceAll("_", "-");

/** A log-normal size around `avg` (sigma 0.8), bounded: most files small, a long tail. */
function sizeAround(rng: Rng, avg: number): number {
  const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return Math.round(Math.min(200_000, Math.max(200, (avg * Math.exp(0.8 * z)) / 1.377)));
}

function pickKind(rng: Rng): Kind {
  const total = KINDS.reduce((sum, k) => sum + k.weight, 0);
  let r = rng.next() * total;
  for (const kind of KINDS) {
    r -= kind.weight;
    if (r < 0) return kind;
  }
  return KINDS[0] as Kind;
}

const HOST_KINDS = new Set(["ts", "js", "py", "md", "yaml", "sh"]);
const utf8 = new TextEncoder();

/** Builds the repository in memory, then writes it under `root`. `files` is the number of scanned files. */
export function generateRepo(root: string, files: number, seed: number): Repo {
  const g = new TextGen(new Rng(seed));
  const rng = g.rng;
  const pkgs = [
    "core",
    "web",
    ...Array.from({ length: Math.max(2, Math.round(files / 250)) }, () => kebab(g)),
  ];
  const svcs = Array.from({ length: Math.max(2, Math.round(files / 700)) }, () => kebab(g));
  const byPath = new Map<string, RepoFile>();
  const add = (path: string, text: string, kind: string) => {
    let unique = path;
    for (let i = 2; byPath.has(unique); i++) unique = path.replace(/(\.[\w.]+)$/, `-${i}$1`);
    byPath.set(unique, { path: unique, text, bytes: 0, kind });
  };

  add(".gitignore", "node_modules/\ndist/\n*.log\n.env\n", "config");
  add("packages/core/.npmrc", "registry=https://registry.npmjs.org/\nsave-exact=true\n", "npmrc");
  for (const pkg of pkgs) {
    add(`packages/${pkg}/package.json`, gen.packageJson(g), "json");
    add(`packages/${pkg}/.env.example`, gen.envExample(g), "env");
  }
  const scale = Math.min(1, files / 10_000);
  for (const large of LARGE) add(large.path, large.make(g, Math.round(large.bytes * scale)), "large");
  while (byPath.size < files) {
    const kind = pickKind(rng);
    add(kind.place(g, pkgs, svcs), kind.make(g, sizeAround(rng, kind.avgBytes)), kind.name);
  }

  const planted = plant(g, byPath);
  const scanned = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  for (const file of scanned) file.bytes = utf8.encode(file.text).length;
  const hosts = new Set(planted.map((p) => p.path));
  const repo: Repo = {
    root,
    scanned,
    clean: scanned.filter((f) => !hosts.has(f.path)),
    planted,
    skipped: [],
    harnessFiles: [".secretlintignore"],
  };
  writeRepo(repo, g);
  return repo;
}

/** One positive of every rule and a negative of every fifth rule, each on lines of its own in a file of its own. */
function plant(g: TextGen, byPath: Map<string, RepoFile>): Planted[] {
  const rng = g.rng;
  const hosts = [...byPath.values()].filter((f) => HOST_KINDS.has(f.kind)).map((f) => f.path);
  const used = new Set<string>();
  const takeHost = (): RepoFile => {
    if (used.size >= hosts.length) throw new Error("too few files to plant every case in a file of its own");
    for (;;) {
      const path = rng.pick(hosts);
      if (used.has(path)) continue;
      used.add(path);
      return byPath.get(path) as RepoFile;
    }
  };
  const out: Planted[] = [];
  const rules = Object.keys(RULE_CASES).sort();
  rules.forEach((rule, i) => {
    const cases = RULE_CASES[rule] ?? { positives: [], negatives: [] };
    const positive = cases.positives[0];
    if (positive !== undefined) {
      const host = positive.includes("_authToken")
        ? (byPath.get("packages/core/.npmrc") as RepoFile)
        : takeHost();
      out.push(insert(g, host, rule, "positive", positive));
    }
    const negative = cases.negatives[0];
    if (i % 5 === 0 && negative !== undefined) out.push(insert(g, takeHost(), rule, "negative", negative));
  });
  return out;
}

function insert(g: TextGen, file: RepoFile, rule: string, label: Planted["label"], text: string): Planted {
  const starts = [0];
  for (
    let i = file.text.indexOf("\n");
    i !== -1 && i < file.text.length - 1;
    i = file.text.indexOf("\n", i + 1)
  )
    starts.push(i + 1);
  const lineIndex = file.kind === "npmrc" ? starts.length : g.rng.int(1, Math.max(1, starts.length - 1));
  const at = lineIndex >= starts.length ? file.text.length : (starts[lineIndex] as number);
  file.text = `${file.text.slice(0, at)}${text}\n${file.text.slice(at)}`;
  const secret = label === "positive" ? (secretIn(text) ?? text) : text;
  const offset = text.indexOf(secret);
  return {
    rule,
    label,
    path: file.path,
    start: at,
    end: at + text.length,
    secretStart: at + offset,
    secretEnd: at + offset + secret.length,
    line: Math.min(lineIndex, starts.length) + 1,
  };
}

function writeRepo(repo: Repo, g: TextGen): void {
  const made = new Set<string>();
  const write = (path: string, data: string | Uint8Array) => {
    const full = join(repo.root, path);
    const dir = dirname(full);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    writeFileSync(full, data);
  };
  for (const file of repo.scanned) write(file.path, file.text);

  // What must be skipped; a canary secret in each, so reading them would show as a finding.
  const canary = RULE_CASES.github_token?.positives[0] ?? "";
  const skip = (path: string, data: string | Uint8Array, reason: Repo["skipped"][number]["reason"]) => {
    write(path, data);
    repo.skipped.push({
      path,
      reason,
      bytes: typeof data === "string" ? utf8.encode(data).length : data.length,
    });
  };
  const vendored = Math.max(10, Math.round(repo.scanned.length / 30));
  for (let i = 0; i < vendored; i++) {
    const pkg = `node_modules/${i % 7 === 0 ? `@${g.word()}/` : ""}${kebab(g)}`;
    const name = i % 3 === 0 ? "README.md" : i % 3 === 1 ? "index.js" : "package.json";
    const text =
      name === "README.md"
        ? gen.markdown(g, 3_000)
        : name === "index.js"
          ? gen.javascript(g, 6_000)
          : gen.packageJson(g);
    skip(`${pkg}/${name}`, i === 0 ? `${canary}\n${text}` : text, "vendored");
  }
  const lock = gen.lockfile(g, Math.max(50, Math.round(repo.scanned.length * 0.6)));
  skip(
    "package-lock.json",
    lock.replace('"lockfileVersion"', `"_canary": ${JSON.stringify(canary)},\n  "lockfileVersion"`),
    "lockfile",
  );
  for (let i = 0; i < Math.max(2, Math.round(repo.scanned.length / 500)); i++) {
    const bytes = new Uint8Array(g.rng.int(2_000, 20_000));
    for (let j = 0; j < bytes.length; j++) bytes[j] = j % 9 === 0 ? 0 : Math.floor(g.rng.next() * 256);
    bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    skip(`packages/web/assets/${kebab(g)}-${i}.png`, bytes, "binary");
  }
  // secretlint reads its ignore file from the scanned directory only; Helmet is told to leave it out.
  write(".secretlintignore", "package-lock.json\n");
}
