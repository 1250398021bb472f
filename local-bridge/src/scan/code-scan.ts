// `helmet scan PATH`'s code part: the sources that register tools or hold a privilege pattern (the scan workers
// say which, having read every file) are analysed as one project, so a tool's input is followed into helpers other
// files export; those helpers are read from disk only when an import needs them.
import { analyzeProject } from "../../../src/core/scan/code/code-analyzer.ts";
import type { Detected } from "../../../src/core/scan/finding.ts";
import { readText } from "./file-batch.ts";
import type { WalkedFile } from "./file-walk.ts";

/** Tool vulnerabilities in `entries` (report paths), with every source the walk listed in reach of their imports. */
export function scanSources(sources: readonly WalkedFile[], entries: readonly string[]): Detected[] {
  if (entries.length === 0) return [];
  const absolute = new Map(sources.map((file) => [file.path, file.absolute]));
  const read = (path: string) => {
    const file = absolute.get(path);
    const outcome = file === undefined ? undefined : readText(file);
    return outcome === undefined || typeof outcome === "string" ? undefined : outcome.text;
  };
  return analyzeProject(absolute.keys(), read, [...entries].sort());
}
