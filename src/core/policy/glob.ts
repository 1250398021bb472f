// Glob patterns for names (`read_*`, `tools/*`, `file:///etc/*`): `*` matches any run of characters, `?` one
// character, `\` escapes the next one. Matching is iterative, never recursive: a pattern cannot blow up.

export type GlobMatcher = (text: string) => boolean;

interface Token {
  kind: "literal" | "any" | "one";
  char: string;
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === "\\" && i + 1 < pattern.length) {
      tokens.push({ kind: "literal", char: pattern[++i] as string });
    } else if (char === "*") {
      if (tokens.at(-1)?.kind !== "any") tokens.push({ kind: "any", char });
    } else if (char === "?") {
      tokens.push({ kind: "one", char });
    } else {
      tokens.push({ kind: "literal", char });
    }
  }
  return tokens;
}

/** The literal text a pattern starts with (all of it when it has no wildcards), and whether that is all. */
export function globPrefix(pattern: string): { prefix: string; exact: boolean } {
  const tokens = tokenize(pattern);
  const firstWildcard = tokens.findIndex((t) => t.kind !== "literal");
  const literal = firstWildcard === -1 ? tokens : tokens.slice(0, firstWildcard);
  return { prefix: literal.map((t) => t.char).join(""), exact: firstWildcard === -1 };
}

export function compileGlob(pattern: string): GlobMatcher {
  const tokens = tokenize(pattern);
  if (tokens.every((t) => t.kind === "literal")) {
    const literal = tokens.map((t) => t.char).join("");
    return (text) => text === literal;
  }
  if (tokens.length === 1 && tokens[0]?.kind === "any") return () => true;
  const last = tokens.length - 1;
  const literalsBetween = (from: number, to: number) =>
    tokens.slice(from, to).every((t) => t.kind === "literal")
      ? tokens
          .slice(from, to)
          .map((t) => t.char)
          .join("")
      : null;
  // The common shapes `prefix*` and `*suffix` need no general matching.
  if (tokens[last]?.kind === "any") {
    const prefix = literalsBetween(0, last);
    if (prefix !== null) return (text) => text.startsWith(prefix);
  }
  if (tokens[0]?.kind === "any") {
    const suffix = literalsBetween(1, tokens.length);
    if (suffix !== null) return (text) => text.endsWith(suffix);
  }
  return (text) => {
    // Classic wildcard matching with a single backtrack point: O(pattern × text) at worst.
    let t = 0;
    let p = 0;
    let starP = -1;
    let starT = 0;
    while (t < text.length) {
      const token = tokens[p];
      if (token && (token.kind === "one" || (token.kind === "literal" && token.char === text[t]))) {
        p++;
        t++;
      } else if (token?.kind === "any") {
        starP = p++;
        starT = t;
      } else if (starP !== -1) {
        p = starP + 1;
        t = ++starT;
      } else {
        return false;
      }
    }
    while (tokens[p]?.kind === "any") p++;
    return p === tokens.length;
  };
}

/** A matcher that accepts a text matching any of the patterns. */
export function compileGlobs(patterns: readonly string[]): GlobMatcher {
  const matchers = patterns.map(compileGlob);
  return matchers.length === 1 ? (matchers[0] as GlobMatcher) : (text) => matchers.some((m) => m(text));
}
