// YAML for the lockfiles written in it (pnpm-lock.yaml, Yarn Berry's yarn.lock): plain data plus the line of each key,
// syntax errors as problems, and the rest of the document still read.
import { isMap, isScalar, LineCounter, parseDocument } from "yaml";

export interface YamlRead {
  /** The document as plain data, as much as could be read. */
  value: unknown;
  problems: string[];
  /** The 1-based lines of the keys of the mapping at `path` (top-level keys for []). */
  keyLines(path: readonly string[]): Map<string, number>;
}

/** The parser's errors shown in full; a damaged file has one per line after the damage, and the first few say it. */
const MAX_YAML_ERRORS = 5;

/**
 * The yaml package and toJS recurse per nesting level; a hostile document nested thousands deep exhausts the stack,
 * which the parser reports as RESOURCE_EXHAUSTION and toJS throws as a RangeError. Either is said plainly.
 */
const NESTED = "the YAML is nested too deeply to read";
const isStackOverflow = (message: string) => /call stack|too much recursion|stack overflow/i.test(message);

/** Reads YAML keeping key lines; syntax errors become problems and the rest of the document is still read. */
export function readYaml(text: string): YamlRead {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, logLevel: "error" });
  const found = new Set<string>();
  let nested = false;
  for (const error of doc.errors) {
    const line = counter.linePos(error.pos[0]).line;
    const first = error.message.split("\n")[0] ?? error.code;
    if (error.code === "RESOURCE_EXHAUSTION" && isStackOverflow(first)) {
      // Reported once per level the overflow unwinds through; once is enough.
      if (!nested) found.add(`${NESTED} (at line ${line})`);
      nested = true;
    } else {
      found.add(`not valid YAML at line ${line}: ${first.replace(/ at line \d+, column \d+:?$/, "")}`);
    }
  }
  const problems = [...found].slice(0, MAX_YAML_ERRORS);
  if (found.size > MAX_YAML_ERRORS) problems.push(`…and ${found.size - MAX_YAML_ERRORS} more YAML errors`);
  let value: unknown;
  try {
    // The alias limit stops "billion laughs" documents from expanding without bound.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    problems.push(isStackOverflow(message) ? NESTED : `the YAML could not be read: ${message}`);
  }
  return {
    value,
    problems,
    keyLines(path) {
      const lines = new Map<string, number>();
      const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
      if (!isMap(node)) return lines;
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key : null;
        if (key?.range && !lines.has(String(key.value))) {
          lines.set(String(key.value), counter.linePos(key.range[0]).line);
        }
      }
      return lines;
    },
  };
}

/** A scalar as text (YAML reads some versions and flags as numbers). */
export function scalarText(value: unknown): string | undefined {
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}
