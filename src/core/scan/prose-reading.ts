// Reading prose for what it says rather than what it mentions: sentences, quotation, negation and the imperative.
// The shared ground of the phrase shapes (instruction-signals.ts) and the data checks (data-signals.ts).

/** Up to n words of filler between the parts of a shape (within one sentence). */
export const gap = (words: number) => `(?:[^.!?\\n]{0,${words * 12}}?)`;

/** Whitespace collapsed and typographic quotes made plain, so shapes match however the text was typed. */
export function normalizedProse(text: string): string {
  return text
    .normalize("NFKC")
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[ \t\u00a0]+/g, " ");
}

/** The sentence around `index`: what a mention or an exception is judged on. */
export function sentenceAt(prose: string, index: number, length: number): string {
  const before = prose.slice(0, index);
  const start =
    Math.max(
      before.lastIndexOf("."),
      before.lastIndexOf("\n"),
      before.lastIndexOf("!"),
      before.lastIndexOf("?"),
    ) + 1;
  const rest = prose.slice(index + length);
  const stop = rest.search(/[.!?\n]/);
  return prose.slice(start, stop === -1 ? prose.length : index + length + stop);
}

/** A phrase in quotation marks is mentioned (a detector's documentation), not said. */
export function quoted(prose: string, index: number, length: number): boolean {
  const before = prose.slice(Math.max(0, index - 3), index);
  const after = prose.slice(index + length, index + length + 3);
  return /["'`\u201c\u2018«]\s*$/.test(before) && /^\s*["'`\u201d\u2019»]/.test(after);
}

/** Sentences, split where prose ends one (a period inside a URL or a file name does not). */
export function sentences(prose: string): string[] {
  // An ellipsis ("replacing ... with") does not end a sentence.
  return prose
    .split(/(?<=[^.][.!?])\s+|[\n\u3002\uff01\uff1f]+/)
    .filter((sentence) => sentence.trim().length > 0);
}

export function firstMatch(pattern: RegExp, sentence: string): string | null {
  return pattern.exec(sentence)?.[0] ?? null;
}

/** The first match of `pattern` in `sentence` that is not in quotation marks. */
export function said(pattern: RegExp, sentence: string): string | null {
  for (const match of sentence.matchAll(new RegExp(pattern.source, `${pattern.flags.replace("g", "")}g`))) {
    if (!quoted(sentence, match.index, match[0].length)) return match[0];
  }
  return null;
}

/** What may come right before a verb in the imperative: the start of a clause, a modal, "please", "you". */
export const IMPERATIVE_LEAD =
  /(?:^|[,;:(\-–—]\s*|\b(?:you|please|so|just|simply|now|must|should|shall|always|first|then|also|and|or|to|need to|needs to|have to|has to|make sure to|be sure to|remember to|ensure you|kindly|immediately|silently|secretly|quietly)\s+)$/i;
/** A negation just before: protective advice ("never include passwords"), not a request. */
export const NEGATED =
  /\b(?:not|never|no|don't|dont|do not|doesn't|cannot|can't|won't|nicht|nie|niemals|kein\w*|jamais|pas|nunca|ni)\s+(?:\w+\s+){0,2}$|(?:不要|别|切勿|禁止|不得|不可)\s*$/i;
/** Latin-script verbs taken as commands only in the imperative; CJK verbs have no inflection to check. */
const LATIN = /^[\p{Script=Latin}\s'-]+$/u;

/** Nouns that make the word before them a noun too: "email address", "post body", "copy settings". */
const NOUN_COMPOUND =
  /^\s+(?:address(?:es)?|accounts?|servers?|clients?|body|subject|headers?|threads?|lists?|templates?|ids?|inbox(?:es)?|notifications?|settings|preferences|fields?|formats?|domains?|providers?)\b/i;

/** The first verb of `verbs` in `sentence` used as a command: imperative, not negated, not quoted, not a noun. */
export function commandedMatch(verbs: RegExp, sentence: string): RegExpExecArray | null {
  const pattern = new RegExp(verbs.source, `${verbs.flags.replace("g", "")}g`);
  for (let match = pattern.exec(sentence); match !== null; match = pattern.exec(sentence)) {
    const before = sentence.slice(Math.max(0, match.index - 40), match.index);
    if (NEGATED.test(before) || quoted(sentence, match.index, match[0].length)) continue;
    if (LATIN.test(match[0]) && !IMPERATIVE_LEAD.test(before)) continue;
    if (LATIN.test(match[0]) && NOUN_COMPOUND.test(sentence.slice(match.index + match[0].length))) continue;
    return match;
  }
  return null;
}

export function commanded(verbs: RegExp, sentence: string): string | null {
  return commandedMatch(verbs, sentence)?.[0] ?? null;
}

/** A sentence that is a quotation (a detector's example), not something said. */
export function quotedWhole(sentence: string): boolean {
  return /^\s*["\u201c\u2018'`«].*["\u201d\u2019'`»]\s*[.!?]?\s*$/.test(sentence);
}
