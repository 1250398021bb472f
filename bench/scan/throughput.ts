// The core's throughput on clean text, in memory (no I/O): scanTextForSecrets over every clean file, against
// trivial passes over the same strings in the same run (the floor any scan pays to touch the text once).
import { performance } from "node:perf_hooks";
import { detectSecrets } from "../../src/core/detectors/detect.ts";
import { KeywordMatcher } from "../../src/core/detectors/keyword-matcher.ts";
import { SECRET_RULES } from "../../src/core/detectors/secret-rules.ts";
import { scanTextForSecrets } from "../../src/core/scan/secret-scan.ts";
import type { RepoFile } from "./repo.ts";

export interface Pass {
  name: string;
  /** What the pass stands for in the report. */
  role: "floor" | "diagnostic" | "scan";
  note: string;
  run: (file: RepoFile) => number;
}

export interface PassResult {
  name: string;
  role: Pass["role"];
  note: string;
  samplesMs: number[];
  medianMs: number;
  mbPerSecond: number;
  /** Findings or hits the pass returned over all files in its last round (keeps the work from being optimised away). */
  output: number;
}

// The detectors' prefilter on its own: the same automaton over the rule table's keywords and the generic rule's.
const MATCHER = new KeywordMatcher([
  ...SECRET_RULES.map((rule) => rule.keywords),
  ["key", "secret", "token", "passw"],
]);

export const PASSES: readonly Pass[] = [
  {
    name: 'text.indexOf("\\0")',
    role: "floor",
    note: "one read of every character",
    run: (f) => (f.text.indexOf("\0") === -1 ? 0 : 1),
  },
  {
    name: "text.toLowerCase()",
    role: "floor",
    note: "one lower-cased copy",
    run: (f) => f.text.toLowerCase().length & 1,
  },
  {
    name: "KeywordMatcher.scan(text)",
    role: "diagnostic",
    note: "the detectors' one-pass keyword prefilter alone (rules' keywords found)",
    run: (f) => MATCHER.scan(f.text).found.reduce((n, hit) => n + hit, 0),
  },
  {
    name: "detectSecrets(text)",
    role: "diagnostic",
    note: "the shared detectors only (prefilter, provider regexes, generic)",
    run: (f) => detectSecrets(f.text).length,
  },
  {
    name: "scanTextForSecrets(path, text)",
    role: "scan",
    note: "the file scan's core: detectors + internal URLs + findings",
    run: (f) => scanTextForSecrets(f.path, f.text).length,
  },
];

const median = (values: readonly number[]) => {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/**
 * Times every pass over all `files`, `rounds` times after one unmeasured warm-up round; the passes' order rotates
 * each round so none always runs on a just-collected heap.
 */
export function measurePasses(
  files: readonly RepoFile[],
  rounds: number,
  log: (text: string) => void,
): PassResult[] {
  const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
  const samples = PASSES.map(() => [] as number[]);
  const outputs = PASSES.map(() => 0);
  for (let round = 0; round <= rounds; round++) {
    for (let k = 0; k < PASSES.length; k++) {
      const i = (k + round) % PASSES.length;
      const pass = PASSES[i] as Pass;
      const t0 = performance.now();
      let output = 0;
      for (const file of files) output += pass.run(file);
      const ms = performance.now() - t0;
      if (round > 0) (samples[i] as number[]).push(ms);
      outputs[i] = output;
    }
    log(round === 0 ? "in-memory passes: warm-up round done" : `in-memory passes: round ${round}/${rounds}`);
  }
  return PASSES.map((pass, i) => {
    const ms = median(samples[i] as number[]);
    return {
      name: pass.name,
      role: pass.role,
      note: pass.note,
      samplesMs: samples[i] as number[],
      medianMs: ms,
      mbPerSecond: bytes / 1e6 / (ms / 1000),
      output: outputs[i] as number,
    };
  });
}

export interface RuleCost {
  id: string;
  /** Clean files whose lower-cased text holds one of the rule's keywords: where its regex has to run. */
  filesGated: number;
  /** Searching every clean file for the rule's keywords, one includes each (lower-casing excluded). */
  keywordMs: number;
  /** Running the rule's regex over the files its keywords let through. */
  regexMs: number;
  matches: number;
}

/**
 * Each rule of the table on its own, gated by its keywords as the table states them: which rules' keywords are
 * common in clean code (so their regex runs on most files) and which regexes cost the most. An emulation of the
 * detector's loop, independent of how detect.ts implements its prefilter.
 */
export function measureRuleCosts(files: readonly RepoFile[]): RuleCost[] {
  const lowers = files.map((f) => f.text.toLowerCase());
  return SECRET_RULES.map((rule) => {
    const t0 = performance.now();
    const gated = files.filter((_, i) => rule.keywords.some((k) => (lowers[i] as string).includes(k)));
    const t1 = performance.now();
    let matches = 0;
    const pattern = rule.pattern;
    for (const file of gated) {
      pattern.lastIndex = 0;
      for (let m = pattern.exec(file.text); m !== null; m = pattern.exec(file.text)) {
        matches++;
        if (m[0].length === 0) pattern.lastIndex++;
      }
    }
    const t2 = performance.now();
    return { id: rule.id, filesGated: gated.length, keywordMs: t1 - t0, regexMs: t2 - t1, matches };
  });
}

export { median };
