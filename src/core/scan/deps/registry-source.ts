// The latest published version of packages, from their registries (npm's, PyPI's, or mirrors of them), for the
// outdated-dependency check. Web-standard APIs only. A package a registry does not answer for is left out, not
// guessed: outdated is hygiene, and a registry hiccup must not fail a scan.
import { readAtMost } from "../../bytes.ts";

export const NPM_REGISTRY_URL = "https://registry.npmjs.org";
export const PYPI_URL = "https://pypi.org";
const CONCURRENCY = 8;
/** npm's abbreviated metadata of a package with thousands of versions is a few MB. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface VersionSource {
  readonly description: string;
  /** The latest version of each package it could find, by `ecosystem\0name`. */
  latest(packages: ReadonlyArray<{ ecosystem: string; name: string }>): Promise<Map<string, string>>;
}

export const versionKey = (ecosystem: string, name: string) => `${ecosystem}\u0000${name}`;

export interface RegistryOptions {
  /** npm's registry or a mirror; null: npm packages are not asked about. */
  npmUrl?: string | null;
  /** PyPI or a mirror; null: Python packages are not asked about. */
  pypiUrl?: string | null;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Distinct packages asked about in one call at most (a bound on requests); the rest are left out. */
  maxPackages?: number;
}

/** npm: `GET /NAME` (abbreviated metadata, `dist-tags.latest`); PyPI: `GET /pypi/NAME/json` (`info.version`). */
export class PackageRegistries implements VersionSource {
  readonly description: string;
  readonly #npm: string | null;
  readonly #pypi: string | null;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #maxPackages: number;

  constructor(options: RegistryOptions = {}) {
    const base = (url: string | null) => (url === null ? null : url.replace(/\/+$/, ""));
    this.#npm = base(options.npmUrl === undefined ? NPM_REGISTRY_URL : options.npmUrl);
    this.#pypi = base(options.pypiUrl === undefined ? PYPI_URL : options.pypiUrl);
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#maxPackages = options.maxPackages ?? Number.POSITIVE_INFINITY;
    this.description = `registries ${[this.#npm, this.#pypi].filter(Boolean).join(" and ")}`;
  }

  async latest(packages: ReadonlyArray<{ ecosystem: string; name: string }>): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const unique = [
      ...new Map(packages.map((pkg) => [versionKey(pkg.ecosystem, pkg.name), pkg])).values(),
    ].slice(0, this.#maxPackages);
    for (let start = 0; start < unique.length; start += CONCURRENCY) {
      const chunk = unique.slice(start, start + CONCURRENCY);
      const answers = await Promise.all(chunk.map((pkg) => this.#latestOf(pkg.ecosystem, pkg.name)));
      chunk.forEach((pkg, i) => {
        const version = answers[i];
        if (version) out.set(versionKey(pkg.ecosystem, pkg.name), version);
      });
    }
    return out;
  }

  async #latestOf(ecosystem: string, name: string): Promise<string | null> {
    const url =
      ecosystem === "npm" && this.#npm !== null
        ? `${this.#npm}/${name.startsWith("@") ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name)}`
        : ecosystem === "PyPI" && this.#pypi !== null
          ? `${this.#pypi}/pypi/${encodeURIComponent(name)}/json`
          : null;
    if (!url) return null;
    try {
      const response = await this.#fetch(url, {
        headers: { accept: ecosystem === "npm" ? "application/vnd.npm.install-v1+json" : "application/json" },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      if (!response.ok) return null;
      const bytes = await readAtMost(response.body, MAX_RESPONSE_BYTES);
      if (!bytes) return null;
      const body = JSON.parse(new TextDecoder().decode(bytes)) as {
        "dist-tags"?: { latest?: unknown };
        info?: { version?: unknown };
      };
      const latest = ecosystem === "npm" ? body["dist-tags"]?.latest : body.info?.version;
      return typeof latest === "string" ? latest : null;
    } catch {
      return null;
    }
  }
}
