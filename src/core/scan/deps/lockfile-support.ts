// What the lockfile readers share: a problem list that stops growing, the wording of damaged entries, a file's lines one
// at a time, and reachability over a dependency graph.

/** A damaged file can hold millions of bad lines; the report needs the first few and how many more there were. */
export const MAX_PROBLEMS = 50;

/** Problems in the order found, the first MAX_PROBLEMS kept and the rest counted. */
export class Problems {
  readonly #kept: string[] = [];
  #more = 0;

  add(problem: string): void {
    if (this.#kept.length < MAX_PROBLEMS) this.#kept.push(problem);
    else this.#more++;
  }

  /** The problems kept, after `leading` (a problem about the whole file, found last but worth reading first). */
  list(leading: readonly string[] = []): string[] {
    const more = this.#more > 0 ? [`…and ${this.#more} more problems`] : [];
    return [...leading, ...this.#kept, ...more];
  }
}

/** A syntax error after which the reader kept what it had read, with how much that was. */
export function recovered(problem: string | null, count: number): string[] {
  if (!problem) return [];
  return [
    count > 0 ? `${problem}; kept the ${count} package${count === 1 ? "" : "s"} read before it` : problem,
  ];
}

/**
 * An entry that is not the object or mapping the format wants. A YAML key with nothing under it reads as null: what
 * a file cut at a line end leaves.
 */
export function entryProblem(
  line: number,
  key: string,
  entry: unknown,
  expected: "an object" | "a mapping",
): string {
  const what =
    entry === null && expected === "a mapping"
      ? "has nothing under it (the file may be truncated)"
      : `is not ${expected}`;
  return `line ${line}: the entry for "${key}" ${what}`;
}

/** Each line of `text` with its 1-based number, without its line ending, read as needed rather than split at once. */
export function* lines(text: string): Generator<{ text: string; number: number }> {
  let start = 0;
  for (let number = 1; ; number++) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline;
    const cut = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    yield { text: text.slice(start, cut), number };
    if (newline === -1) return;
    start = newline + 1;
  }
}

/** Packages reached from `roots` over `edges` (ids in, ids out), breadth first. */
export function reachable(roots: Iterable<string>, edges: (id: string) => Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const root of roots) {
    if (!seen.has(root)) {
      seen.add(root);
      queue.push(root);
    }
  }
  for (let index = 0; index < queue.length; index++) {
    for (const next of edges(queue[index] ?? "")) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}
