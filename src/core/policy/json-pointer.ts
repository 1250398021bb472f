// JSON Pointer (RFC 6901) resolution, for policy conditions on message arguments.

export const MISSING: unique symbol = Symbol("missing");

/** Splits a pointer into its unescaped reference tokens; null when it is not a valid pointer. */
export function parsePointer(pointer: string): string[] | null {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) return null;
  const tokens = pointer.slice(1).split("/");
  if (tokens.some((token) => /~[^01]|~$/.test(token))) return null;
  return tokens.map((token) => token.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The value at the pointer's tokens inside `value`, or MISSING. */
export function resolvePointer(value: unknown, tokens: readonly string[]): unknown {
  let current: unknown = value;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      if (!/^(?:0|[1-9]\d*)$/.test(token)) return MISSING;
      const index = Number(token);
      if (index >= current.length) return MISSING;
      current = current[index];
    } else if (typeof current === "object" && current !== null && Object.hasOwn(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return MISSING;
    }
  }
  return current;
}
