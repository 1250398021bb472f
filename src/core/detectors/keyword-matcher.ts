// Which of many keywords occur in a text, in one pass: an Aho-Corasick automaton over ASCII, compiled to a flat
// transition table, case-insensitive. The detectors run a rule's regex only when one of its keywords occurs, so
// clean text costs one table walk instead of a substring search per keyword. Web-standard APIs only.

const ALPHABET = 128;
/** Keywords are shorter than this; an output entry packs owner × KEYWORD_LENGTHS + length into one number. */
const KEYWORD_LENGTHS = 256;

export class KeywordMatcher {
  /** The walked table: see the constructor. Failure links are folded in, so a scan never backtracks. */
  readonly #transitions: Int32Array;
  /** For states that end a keyword: offset and length of their owners in #owners; -1 when none. */
  readonly #outputStart: Int32Array;
  readonly #outputLength: Int32Array;
  readonly #owners: Int32Array;
  readonly #ownerCount: number;

  /**
   * `keywords[i]` are owner i's keywords (lower-case ASCII; others are refused, since the table only knows ASCII).
   * scan() answers which owners had at least one keyword in the text.
   */
  constructor(keywords: ReadonlyArray<readonly string[]>) {
    this.#ownerCount = keywords.length;
    // The trie, with per-state owner lists.
    const children: Array<Map<number, number>> = [new Map()];
    const owned: number[][] = [[]];
    keywords.forEach((list, owner) => {
      for (const keyword of list) {
        if (
          keyword.length === 0 ||
          keyword.length >= KEYWORD_LENGTHS ||
          [...keyword].some((char) => char.charCodeAt(0) >= ALPHABET) ||
          keyword !== keyword.toLowerCase()
        ) {
          throw new Error(`keyword ${JSON.stringify(keyword)} must be non-empty lower-case ASCII`);
        }
        let state = 0;
        for (let i = 0; i < keyword.length; i++) {
          const code = keyword.charCodeAt(i);
          let next = children[state]?.get(code);
          if (next === undefined) {
            next = children.length;
            children.push(new Map());
            owned.push([]);
            children[state]?.set(code, next);
          }
          state = next;
        }
        // An entry is the owner and the keyword's length, so a scan can say where the keyword started.
        owned[state]?.push(owner * KEYWORD_LENGTHS + keyword.length);
      }
    });
    // Breadth-first: failure links, folded into a complete transition table, and outputs merged along them.
    const states = children.length;
    const transitions = new Int32Array(states * ALPHABET);
    const failure = new Int32Array(states);
    const queue: number[] = [];
    for (let code = 0; code < ALPHABET; code++) {
      const child = children[0]?.get(code);
      if (child !== undefined) {
        transitions[code] = child;
        queue.push(child);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head] as number;
      const fail = failure[state] as number;
      const merged = owned[state] as number[];
      for (const entry of owned[fail] as number[]) if (!merged.includes(entry)) merged.push(entry);
      for (let code = 0; code < ALPHABET; code++) {
        const child = children[state]?.get(code);
        if (child === undefined) {
          transitions[state * ALPHABET + code] = transitions[fail * ALPHABET + code] as number;
        } else {
          transitions[state * ALPHABET + code] = child;
          failure[child] = transitions[fail * ALPHABET + code] as number;
          queue.push(child);
        }
      }
    }
    // The table the scan walks: entries are the next state's row offset (state × 128), negated (bitwise NOT) when
    // that state ends a keyword, and upper-case ASCII letters lead where their lower-case letters do.
    const table = new Int32Array(states * ALPHABET);
    for (let state = 0; state < states; state++) {
      for (let code = 0; code < ALPHABET; code++) {
        const folded = code >= 65 && code <= 90 ? code | 0x20 : code;
        const next = transitions[state * ALPHABET + folded] as number;
        table[state * ALPHABET + code] =
          (owned[next] as number[]).length > 0 ? ~(next * ALPHABET) : next * ALPHABET;
      }
    }
    this.#transitions = table;
    this.#outputStart = new Int32Array(states).fill(-1);
    this.#outputLength = new Int32Array(states);
    const flat: number[] = [];
    for (let state = 0; state < states; state++) {
      const list = owned[state] as number[];
      if (list.length === 0) continue;
      this.#outputStart[state] = flat.length;
      this.#outputLength[state] = list.length;
      flat.push(...list);
    }
    this.#owners = Int32Array.from(flat);
  }

  /**
   * found[i] = 1 when one of owner i's keywords occurs in `text` (ASCII letters in either case). For the owners
   * `track` marks, starts[i] also lists where their keywords begin, in ascending order.
   */
  scan(text: string, track?: Uint8Array): { found: Uint8Array; starts: Array<number[] | undefined> } {
    const found = new Uint8Array(this.#ownerCount);
    const starts: Array<number[] | undefined> = [];
    const table = this.#transitions;
    let row = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= ALPHABET) {
        // No keyword holds a non-ASCII character: the match so far breaks here.
        row = 0;
        continue;
      }
      row = table[row + code] as number;
      if (row < 0) {
        row = ~row;
        const state = row / ALPHABET;
        const start = this.#outputStart[state] as number;
        const end = start + (this.#outputLength[state] as number);
        for (let k = start; k < end; k++) {
          const entry = this.#owners[k] as number;
          const owner = (entry / KEYWORD_LENGTHS) | 0;
          found[owner] = 1;
          if (track?.[owner] === 1) {
            const list = starts[owner] ?? [];
            list.push(i + 1 - (entry % KEYWORD_LENGTHS));
            starts[owner] = list;
          }
        }
      }
    }
    return { found, starts };
  }
}
