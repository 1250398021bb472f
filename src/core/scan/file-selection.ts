// Which files a secret scan reads: not vendored dependencies, not lockfiles (their integrity hashes are random by
// design), not binaries, not files too large to be source. The CLI's walk and the upload scan share these rules.

/** Directories of installed dependencies and tool caches: other people's code, scanned by its own publishers. */
const VENDORED_DIRECTORIES = new Set([
  ".git",
  ".hg",
  ".svn",
  "node_modules",
  "bower_components",
  "jspm_packages",
  "vendor",
  ".venv",
  "venv",
  "__pycache__",
  ".tox",
  ".mypy_cache",
  ".pytest_cache",
  ".ruff_cache",
  ".gradle",
  ".yarn",
  ".pnpm-store",
]);

const LOCKFILES = new Set([
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "bun.lock",
  "bun.lockb",
  "poetry.lock",
  "pipfile.lock",
  "uv.lock",
  "pdm.lock",
  "cargo.lock",
  "composer.lock",
  "gemfile.lock",
  "go.sum",
  "packages.lock.json",
  "mix.lock",
  "pubspec.lock",
  "flake.lock",
]);

const BINARY_EXTENSIONS = new Set(
  (
    "png jpg jpeg gif bmp ico webp avif tiff psd pdf zip gz tgz bz2 xz zst 7z rar tar jar war ear class so dll " +
    "dylib exe bin obj o a lib wasm woff woff2 ttf otf eot mp3 mp4 m4a mov avi mkv webm ogg wav flac pyc pyo " +
    "node sqlite sqlite3 db parquet avro npy pkl h5 onnx pt iso dmg img deb rpm apk ipa"
  ).split(" "),
);

/** Files larger than this are not source a person wrote; they are skipped and counted. */
export const MAX_SCANNED_FILE_BYTES = 2 * 1024 * 1024;

export type FileSkipReason = "vendored" | "lockfile" | "binary" | "minified" | "too_large";

/** Why a file at `path` (forward slashes) is not read, from its path alone; null when it is read. */
export function skipByPath(path: string): FileSkipReason | null {
  const parts = path.split("/");
  if (parts.slice(0, -1).some((part) => VENDORED_DIRECTORIES.has(part))) return "vendored";
  return skipByName(parts.at(-1) ?? "");
}

/**
 * Why a file named `name` is not read, from its name alone (lockfile, minified, binary extension); null when it
 * is read. For a walk that has already left out the directories skipsDirectory() names.
 */
export function skipByName(fileName: string): FileSkipReason | null {
  const name = fileName.toLowerCase();
  if (LOCKFILES.has(name)) return "lockfile";
  const dot = name.lastIndexOf(".");
  if (dot === -1) return null;
  if (/\.min\.(?:js|css|mjs)$|\.(?:js|css)\.map$/.test(name)) return "minified";
  if (BINARY_EXTENSIONS.has(name.slice(dot + 1))) return "binary";
  return null;
}

/** Whether a directory is skipped whole (vendored), so a walk need not enter it. */
export function skipsDirectory(name: string): boolean {
  return VENDORED_DIRECTORIES.has(name);
}

/** A NUL byte in the first 8 KiB: what git and most scanners take for binary content. */
export function looksBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 8192);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return true;
  return false;
}
