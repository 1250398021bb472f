// TOML for the Python files written in it (poetry.lock, uv.lock, pyproject.toml): a reader that keeps the tables before
// a syntax error, and the lines of keys and array items, which the TOML parser does not give.
import { parse, TomlError } from "smol-toml";
import type { JsonRecord } from "./lockfile-json.ts";
import { lines } from "./lockfile-support.ts";

const TABLE_HEADER = /^\s*\[/;

/**
 * Reads TOML; on a syntax error it reads again up to the table where the error is, so a truncated lockfile still
 * gives the packages before the damage.
 */
export function readToml(text: string): { value: JsonRecord; problem: string | null } {
  let rows: string[] | null = null;
  let problem: string | null = null;
  let end = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const value = parse(rows ? rows.slice(0, end).join("\n") : text) as JsonRecord;
      return { value, problem };
    } catch (error) {
      const line = error instanceof TomlError ? error.line : 0;
      const what = (error instanceof Error ? error.message : String(error))
        .split("\n")[0]
        ?.replace(/^Invalid TOML document:\s*/, "");
      problem ??= `not valid TOML${line ? ` at line ${line}` : ""}: ${what}`;
      if (!line) break;
      rows ??= text.split(/\r?\n/);
      // Cut before the table header the error belongs to (or is on), and try what comes before it.
      let header = Math.min(line, end) - 1;
      while (header > 0 && !TABLE_HEADER.test(rows[header] ?? "")) header--;
      if (header <= 0) break;
      end = header;
    }
  }
  return { value: {}, problem };
}

/**
 * The 1-based lines of a lockfile's `[[package]]` headers, in order (the n-th belongs to the n-th package). Lockfiles
 * hold thousands of packages with long hash lists: one cheap test per line, not a scan of every value.
 */
export function packageHeaderLines(text: string): number[] {
  const found: number[] = [];
  for (const { text: row, number } of lines(text)) {
    if (/^\s*\[\[\s*package\s*\]\]/.test(row)) found.push(number);
  }
  return found;
}

/** A place in a TOML document: table and key names, and indexes into arrays (["project", "dependencies", 2]). */
export type TomlPath = ReadonlyArray<string | number>;

/** The 1-based line where a key or array item starts, or undefined when the scan did not meet it. */
export type TomlLines = (path: TomlPath) => number | undefined;

const pathKey = (path: TomlPath) => path.join("\u0000");
/**
 * Dependency declarations sit a few levels deep. Paths are copied per key, so a hostile document nested or dotted
 * thousands deep would cost the square of its size: the scan stops at this depth instead.
 */
const MAX_PATH = 32;
const BARE_KEY = /[A-Za-z0-9_-]/;
const SPACE = /[ \t\r]/;

type Frame = { kind: "array"; path: TomlPath; index: number } | { kind: "table"; path: TomlPath };

/**
 * One pass over the text recording the line of every key (dotted keys, keys of inline tables and of `[table]` and
 * `[[array]]` sections) and of every array item, by path. Damaged text is skipped a character at a time, so the scan
 * always ends; a path it missed is undefined, for the caller to fall back on.
 */
export function tomlLines(text: string): TomlLines {
  const rows = new Map<string, number>();
  const arrays = new Map<string, number>();
  const stack: Frame[] = [];
  let table: TomlPath = [];
  let pos = 0;
  let line = 1;

  const record = (path: TomlPath, at: number) => {
    const key = pathKey(path);
    if (!rows.has(key)) rows.set(key, at);
  };
  const newline = () => {
    line++;
    pos++;
  };
  /** Spaces, and with `acrossLines` also line ends and comments (between statements and array items). */
  const skip = (acrossLines: boolean) => {
    while (pos < text.length) {
      const char = text[pos] ?? "";
      if (SPACE.test(char)) pos++;
      else if (acrossLines && char === "\n") newline();
      else if (acrossLines && char === "#") while (pos < text.length && text[pos] !== "\n") pos++;
      else return;
    }
  };
  /** A basic or literal string, single- or multi-line; returns its text undecoded but for simple escapes. */
  const string = (): string => {
    const quote = text[pos] ?? '"';
    const multi = text.startsWith(quote.repeat(3), pos);
    pos += multi ? 3 : 1;
    const start = pos;
    while (pos < text.length) {
      const char = text[pos];
      // An escape hides the character after it, unless that is a line end (which still counts as a line).
      if (char === "\\" && quote === '"') pos += text[pos + 1] === "\n" ? 1 : 2;
      else if (char === "\n" && !multi) break;
      else if (char === "\n") newline();
      else if (char === quote && (!multi || text.startsWith(quote.repeat(3), pos))) {
        const value = text.slice(start, pos);
        pos += multi ? 3 : 1;
        // A multi-line string may end in up to two more quotes that belong to it.
        while (multi && text[pos] === quote) pos++;
        return value;
      } else pos++;
    }
    return text.slice(start, pos);
  };
  /** A dotted key (`a."b.c".d`), or null when there is none here. */
  const key = (): string[] | null => {
    const parts: string[] = [];
    for (;;) {
      skip(false);
      const char = text[pos] ?? "";
      if (char === '"' || char === "'") parts.push(string());
      else if (BARE_KEY.test(char)) {
        const start = pos;
        while (BARE_KEY.test(text[pos] ?? "")) pos++;
        parts.push(text.slice(start, pos));
      } else return null;
      skip(false);
      if (text[pos] !== ".") return parts;
      pos++;
    }
  };
  /** A value for `path`: arrays and inline tables open a frame; scalars are stepped over. */
  const value = (path: TomlPath) => {
    skip(false);
    const char = text[pos];
    if (char === "[") {
      pos++;
      stack.push({ kind: "array", path, index: 0 });
    } else if (char === "{") {
      pos++;
      stack.push({ kind: "table", path });
    } else if (char === '"' || char === "'") {
      string();
    } else {
      while (pos < text.length && !/[,\]}\n#]/.test(text[pos] ?? "")) pos++;
    }
  };
  const header = () => {
    const array = text.startsWith("[[", pos);
    pos += array ? 2 : 1;
    const parts = key() ?? [];
    if (parts.length > MAX_PATH) {
      table = parts;
      return;
    }
    // Sections under an [[array]] belong to its latest element: [[package]] then [package.extras].
    const path: Array<string | number> = [];
    parts.forEach((part, index) => {
      path.push(part);
      const count = arrays.get(pathKey(path));
      if (count !== undefined && index < parts.length - 1) path.push(count - 1);
    });
    if (array) {
      const count = arrays.get(pathKey(path)) ?? 0;
      arrays.set(pathKey(path), count + 1);
      path.push(count);
    }
    table = path;
    record(path, line);
    while (pos < text.length && text[pos] !== "\n") pos++;
  };
  /** `key = value` under `base` (the current table, or an inline table being read). */
  const keyValue = (base: TomlPath) => {
    const at = line;
    const parts = key();
    skip(false);
    if (!parts || text[pos] !== "=") return;
    pos++;
    const path = [...base, ...parts];
    record(path, at);
    value(path);
  };

  while (pos < text.length) {
    const start = pos;
    const frame = stack.at(-1);
    if (table.length > MAX_PATH || (frame && frame.path.length > MAX_PATH)) break;
    if (!frame) {
      skip(true);
      if (pos >= text.length) break;
      if (text[pos] === "[") header();
      else keyValue(table);
    } else if (frame.kind === "array") {
      skip(true);
      const char = text[pos];
      if (char === "]") {
        pos++;
        stack.pop();
      } else if (char === ",") {
        pos++;
      } else if (char !== undefined) {
        const path = [...frame.path, frame.index++];
        record(path, line);
        value(path);
      }
    } else {
      skip(true);
      const char = text[pos];
      if (char === "}") {
        pos++;
        stack.pop();
      } else if (char === ",") {
        pos++;
      } else {
        keyValue(frame.path);
      }
    }
    // Whatever the text, every turn moves on: damage is stepped over rather than looped on.
    if (pos === start) {
      if (text[pos] === "\n") newline();
      else pos++;
    }
  }
  return (path) => rows.get(pathKey(path));
}
