// The data side of the lockfile readers: a JSON reader that remembers the line of every object key and keeps what it
// read before an error (truncated lockfiles are common), and small helpers over parsed JSON, YAML and TOML values.

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The string at `key`, or undefined when it is missing or not a string. */
export function stringAt(record: JsonRecord, key: string): string | undefined {
  const value = record[key];
  return typeof value === "string" ? value : undefined;
}

/** The object at `key`, or an empty one (callers iterate it). */
export function recordAt(record: JsonRecord, key: string): JsonRecord {
  const value = record[key];
  return isRecord(value) ? value : {};
}

export interface JsonRead {
  /** The document, or as much of it as was read before the error (open objects and arrays closed where they stop). */
  value: unknown;
  /** What is wrong and where, or null. */
  error: string | null;
  /** The 1-based line where `key` of `object` starts, when the object came from this read. */
  keyLine(object: object, key: string): number | undefined;
}

/** JSON nests this deep in lockfiles only by accident or malice; deeper input is reported, not recursed into. */
const MAX_DEPTH = 256;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class JsonSyntaxError extends Error {}

/**
 * Reads JSON in one pass, recording each key's line as it goes (JSON.parse gives no positions, and searching the text
 * for each key afterwards would be quadratic on a 20,000-package lockfile). Never throws.
 */
export function readJson(text: string): JsonRead {
  const lines = new WeakMap<object, Map<string, number>>();
  let pos = 0;
  let line = 1;
  let lineStart = 0;

  const fail = (expected: string): never => {
    const found =
      pos >= text.length
        ? "the end of the file (it may be truncated)"
        : JSON.stringify(text.slice(pos, pos + 1));
    throw new JsonSyntaxError(
      `expected ${expected} but found ${found} at line ${line}, column ${pos - lineStart + 1}`,
    );
  };

  const skipSpace = (): void => {
    while (pos < text.length) {
      const code = text.charCodeAt(pos);
      if (code === 10) {
        line++;
        lineStart = pos + 1;
      } else if (code !== 32 && code !== 9 && code !== 13) {
        return;
      }
      pos++;
    }
  };

  const readString = (): string => {
    const start = pos;
    let end = pos + 1;
    for (;;) {
      end = text.indexOf('"', end);
      if (end === -1) {
        pos = text.length;
        return fail("a closing quote");
      }
      // A quote preceded by an odd number of backslashes is escaped.
      let slashes = 0;
      while (text.charCodeAt(end - 1 - slashes) === 92) slashes++;
      if (slashes % 2 === 0) break;
      end++;
    }
    const raw = text.slice(start, end + 1);
    const newline = raw.indexOf("\n");
    if (newline !== -1) {
      pos = start + newline;
      return fail("a closing quote");
    }
    pos = end + 1;
    if (!raw.includes("\\")) return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch {
      pos = start;
      return fail("a valid string escape");
    }
  };

  // Containers are attached to their parent before they are filled, so a truncated file keeps what it had.
  const readValue = (depth: number, place: (value: unknown) => void): void => {
    skipSpace();
    const char = text[pos];
    if (char === "{") {
      if (depth >= MAX_DEPTH) fail(`no more than ${MAX_DEPTH} levels of nesting`);
      const object: JsonRecord = Object.create(null) as JsonRecord;
      const keys = new Map<string, number>();
      lines.set(object, keys);
      place(object);
      pos++;
      skipSpace();
      if (text[pos] === "}") {
        pos++;
        return;
      }
      for (;;) {
        skipSpace();
        if (text[pos] !== '"') fail("a quoted key");
        const keyLine = line;
        const key = readString();
        skipSpace();
        if (text[pos] !== ":") fail('":"');
        pos++;
        // A repeated key's last value is the one kept, as JSON.parse does: its line is the one to point at.
        keys.set(key, keyLine);
        readValue(depth + 1, (value) => {
          object[key] = value;
        });
        skipSpace();
        if (text[pos] === ",") {
          pos++;
        } else if (text[pos] === "}") {
          pos++;
          return;
        } else {
          fail('"," or "}"');
        }
      }
    }
    if (char === "[") {
      if (depth >= MAX_DEPTH) fail(`no more than ${MAX_DEPTH} levels of nesting`);
      const array: unknown[] = [];
      place(array);
      pos++;
      skipSpace();
      if (text[pos] === "]") {
        pos++;
        return;
      }
      for (;;) {
        readValue(depth + 1, (value) => {
          array.push(value);
        });
        skipSpace();
        if (text[pos] === ",") {
          pos++;
        } else if (text[pos] === "]") {
          pos++;
          return;
        } else {
          fail('"," or "]"');
        }
      }
    }
    if (char === '"') {
      place(readString());
      return;
    }
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        place(value);
        return;
      }
    }
    NUMBER.lastIndex = pos;
    const number = NUMBER.exec(text);
    if (number) {
      pos += number[0].length;
      place(Number(number[0]));
      return;
    }
    fail("a value");
  };

  let value: unknown;
  let error: string | null = null;
  try {
    readValue(0, (read) => {
      value = read;
    });
    skipSpace();
    if (pos < text.length) fail("the end of the file after the JSON value");
  } catch (caught) {
    if (!(caught instanceof JsonSyntaxError)) throw caught;
    error = caught.message;
  }
  return { value, error, keyLine: (object, key) => lines.get(object)?.get(key) };
}
