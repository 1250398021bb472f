// Why the file scan leaves a file out: the shared selection rules (core file-selection.ts: dependency and VCS
// directories, lockfiles, minified bundles, binaries, files over 2 MiB), plus what only a walk on disk meets.
import type { FileSkipReason } from "../../../src/core/scan/file-selection.ts";

export type SkipReason = FileSkipReason | "symlink" | "unreadable";

const WORDS: Record<SkipReason, [string, string]> = {
  binary: ["binary", "binary"],
  too_large: ["over 2 MiB", "over 2 MiB"],
  lockfile: ["lockfile", "lockfiles"],
  minified: ["minified", "minified"],
  vendored: ["vendored", "vendored"],
  symlink: ["link out of the root", "links out of the root"],
  unreadable: ["unreadable", "unreadable"],
};

/** "1 binary, 2 lockfiles" for the skipped counts, in a fixed order. */
export function skippedText(counts: Readonly<Partial<Record<SkipReason, number>>>): string {
  return (Object.keys(WORDS) as SkipReason[])
    .filter((reason) => (counts[reason] ?? 0) > 0)
    .map((reason) => {
      const count = counts[reason] ?? 0;
      return `${count} ${WORDS[reason][count === 1 ? 0 : 1]}`;
    })
    .join(", ");
}
