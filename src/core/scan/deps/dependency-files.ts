// Which files hold dependencies, by name: kept apart from the readers so a walk can tell without loading them.

export type LockfileKind =
  | "package-lock"
  | "pnpm-lock"
  | "yarn-lock"
  | "requirements"
  | "poetry-lock"
  | "uv-lock"
  | "pipfile-lock"
  | "package-json"
  | "pyproject";

const BY_NAME: Record<string, LockfileKind> = {
  "package-lock.json": "package-lock",
  "npm-shrinkwrap.json": "package-lock",
  "pnpm-lock.yaml": "pnpm-lock",
  "yarn.lock": "yarn-lock",
  "poetry.lock": "poetry-lock",
  "uv.lock": "uv-lock",
  "pipfile.lock": "pipfile-lock",
  "package.json": "package-json",
  "pyproject.toml": "pyproject",
};

/**
 * The kind of dependency file a path names by its base name, or null. requirements*.txt (requirements.txt,
 * requirements-dev.txt, requirements/base.txt…) count; so do package.json and pyproject.toml (declared ranges, for
 * unpinned checks).
 */
export function lockfileKind(path: string): LockfileKind | null {
  const parts = path.split(/[\\/]/);
  const base = (parts.at(-1) ?? "").toLowerCase();
  const known = BY_NAME[base];
  if (known) return known;
  // pip-tools and most projects name them requirements.txt, requirements-dev.txt, dev-requirements.txt, or keep
  // several in a requirements/ folder.
  if (/^(?:[\w.-]+[-_.])?requirements(?:[-_.][\w.-]+)?\.txt$/.test(base)) return "requirements";
  const folder = (parts.at(-2) ?? "").toLowerCase();
  if (folder === "requirements" && base.endsWith(".txt")) return "requirements";
  return null;
}
