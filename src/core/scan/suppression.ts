// False positives, silenced where they are: a `helmet-ignore` comment on the line (or the line above) silences every
// rule there, `helmet-ignore: RULE-ID[, RULE-ID]` only those rules. Paths and rules excluded by configuration are the
// scan configuration's job (scan-config.ts).

export interface IgnoredRules {
  matches(ruleId: string): boolean;
}

const MARKER = /helmet-ignore(?:\s*:\s*([A-Za-z0-9_,\s-]{1,400}))?/;

const NOTHING: IgnoredRules = { matches: () => false };
const EVERYTHING: IgnoredRules = { matches: () => true };

function fromLine(line: string | undefined): IgnoredRules | null {
  if (line === undefined || !line.includes("helmet-ignore")) return null;
  const marker = MARKER.exec(line);
  if (!marker) return null;
  if (!marker[1]) return EVERYTHING;
  const ids = new Set(
    marker[1]
      .split(/[\s,]+/)
      .map((id) => id.trim().toLowerCase())
      .filter(Boolean),
  );
  return { matches: (ruleId) => ids.has(ruleId.toLowerCase()) };
}

/** What the comments on a finding's line, or alone on the line above, silence. */
export function ignoredRules(previousLine: string | undefined, line: string | undefined): IgnoredRules {
  const own = fromLine(line);
  // The line above counts only when it is a comment and nothing else, so code above is not silenced by accident.
  const above =
    previousLine !== undefined && /^\s*(?:\/\/|#|\/\*|\*|--|;|<!--)/.test(previousLine)
      ? fromLine(previousLine)
      : null;
  if (!own && !above) return NOTHING;
  return { matches: (ruleId) => Boolean(own?.matches(ruleId) || above?.matches(ruleId)) };
}
