// The text a model reads in an MCP definition (tool, prompt, resource, server instructions), field by field, and
// what is hidden in it from the person reviewing it: invisible characters, Unicode tag text, comments, text pushed
// out of sight by blank lines, encoded blobs. Analyzers read both the visible text and the hidden parts.
import type { DefinitionKind } from "./finding.ts";

/** One string of a definition and where it sits (a dotted path such as inputSchema.properties.path.description). */
export interface TextField {
  field: string;
  text: string;
  /** Names (tool, property, argument) as opposed to prose. */
  isName: boolean;
}

const MAX_SCHEMA_DEPTH = 12;
const MAX_FIELDS = 2_000;

function schemaFields(schema: unknown, path: string, depth: number, out: TextField[]): void {
  if (depth > MAX_SCHEMA_DEPTH || out.length >= MAX_FIELDS) return;
  if (typeof schema === "string") {
    out.push({ field: path, text: schema, isName: false });
    return;
  }
  if (Array.isArray(schema)) {
    for (const [i, item] of schema.entries()) schemaFields(item, `${path}[${i}]`, depth + 1, out);
    return;
  }
  if (typeof schema !== "object" || schema === null) return;
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties" && typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const [name, property] of Object.entries(value)) {
        out.push({ field: `${path}.properties.${name}`, text: name, isName: true });
        schemaFields(property, `${path}.properties.${name}`, depth + 1, out);
      }
      continue;
    }
    // Keywords whose strings are structure, not text a model reads as prose.
    if (key === "type" || key === "$schema" || key === "$ref" || key === "format" || key === "required")
      continue;
    schemaFields(value, `${path}.${key}`, depth + 1, out);
  }
}

/** Every string of a definition a model reads, with its field path. */
export function definitionFields(kind: DefinitionKind, definition: Record<string, unknown>): TextField[] {
  const out: TextField[] = [];
  const text = (field: string, value: unknown, isName = false) => {
    if (typeof value === "string" && value.length > 0) out.push({ field, text: value, isName });
  };
  switch (kind) {
    case "tool": {
      text("name", definition.name, true);
      text("title", definition.title);
      text("description", definition.description);
      const annotations = definition.annotations;
      if (typeof annotations === "object" && annotations !== null) {
        text("annotations.title", (annotations as Record<string, unknown>).title);
      }
      schemaFields(definition.inputSchema, "inputSchema", 0, out);
      schemaFields(definition.outputSchema, "outputSchema", 0, out);
      break;
    }
    case "prompt": {
      text("name", definition.name, true);
      text("title", definition.title);
      text("description", definition.description);
      if (Array.isArray(definition.arguments)) {
        definition.arguments.forEach((argument: unknown, i) => {
          if (typeof argument !== "object" || argument === null) return;
          const { name, description } = argument as Record<string, unknown>;
          text(`arguments[${i}].name`, name, true);
          text(`arguments[${i}].description`, description);
        });
      }
      break;
    }
    case "resource": {
      text("uri", definition.uri ?? definition.uriTemplate, true);
      text("name", definition.name, true);
      text("title", definition.title);
      text("description", definition.description);
      break;
    }
    case "instructions":
      text("instructions", definition.instructions);
      break;
  }
  return out;
}

// -----------------------------------------------------------------------------------------------------------------
// Hidden text

export type HiddenChannel =
  | "tag_characters"
  | "html_comment"
  | "markdown_comment"
  | "pushed_out_of_sight"
  | "encoded"
  | "markup_block"
  | "chat_template";

export interface HiddenText {
  channel: HiddenChannel;
  text: string;
}

/** Unicode tag characters (U+E0000–U+E007F) mirror ASCII invisibly: decoded, they are text no reviewer sees. */
export function decodeTagCharacters(text: string): string {
  let out = "";
  // Subdivision flags spell a region code in tag characters: not hidden text.
  for (const char of text.replace(/\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{2,7}\u{E007F}/gu, "")) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xe0020 && code <= 0xe007e) out += String.fromCharCode(code - 0xe0000);
  }
  return out;
}

const HTML_COMMENT = /<!--([\s\S]{0,20000}?)(?:-->|$)/g;
const MARKDOWN_COMMENT =
  /^[ \t]{0,3}\[(?:\/\/|comment|hidden)?\]:\s{0,8}(?:#|<>)\s{0,8}(?:\(([^)\n]{0,4000})\)|"([^"\n]{0,4000})")/gim;
/** Tags that frame text for the model rather than the reader: <IMPORTANT>, <system>, <instructions>... */
const MARKUP_BLOCK =
  /<(important|system|instructions?|admin|secret|hidden|critical|note-to-(?:ai|model|assistant)|assistant|context|rules?)\b[^>]{0,100}>([\s\S]{0,20000}?)(?:<\/\1\s*>|$)/gi;
/** Many blank lines or a long run of spaces: text after them is off the screen in most clients. */
const PUSHED_DOWN = /(?:\n[ \t]*){6,}|[ \t\u00a0]{80,}/;
/** Chat-template control tokens: a fake system or user turn inside a definition. */
const CHAT_TEMPLATE =
  /<\|(?:im_start|im_end|system|user|assistant|endoftext|start_header_id|end_header_id|eot_id)\|>|\[\/?INST\]|<<\/?SYS>>|^#{2,3}\s{0,3}(?:system|instructions?)\s{0,3}:/im;
/** Hex long enough to carry a sentence. */
const HEX_BLOB = /(?<![0-9a-f])(?:[0-9a-f]{2}){24,4000}(?![0-9a-f])/gi;
/** Text that asks for itself to be decoded: ROT13 is invisible to keyword rules and trivial for a model. */
const ROT13_HINT = /\brot[\s-]?13\b|\bcaesar\b/i;

function rot13(text: string): string {
  return text.replace(/[a-z]/gi, (char) => {
    const base = char <= "Z" ? 65 : 97;
    return String.fromCharCode(((char.charCodeAt(0) - base + 13) % 26) + base);
  });
}

function decodedHex(blob: string): string | null {
  const bytes = Uint8Array.from(blob.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
  return prose(bytes);
}

/** Bytes that decode as UTF-8 prose (mostly letters and spaces, a few words), or null. */
function prose(bytes: Uint8Array): string | null {
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    const letters = text.match(/[\p{L}\s]/gu)?.length ?? 0;
    return letters / text.length > 0.8 && /\s\S+\s/.test(text) ? text : null;
  } catch {
    return null;
  }
}

/** Base64 long enough to carry a sentence. */
const BASE64_BLOB = /(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{40,8000}={0,2}(?![A-Za-z0-9+/=])/g;

function decodedBase64(blob: string): string | null {
  if (blob.length % 4 === 1) return null;
  try {
    const binary = atob(blob.padEnd(blob.length + ((4 - (blob.length % 4)) % 4), "="));
    return prose(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
  } catch {
    return null;
  }
}

/** What a reviewer sees of `text`: without invisible characters, comments, markup blocks or text pushed down. */
export function visibleText(text: string): string {
  let visible = withoutInvisible(text)
    .replace(HTML_COMMENT, " ")
    .replace(MARKDOWN_COMMENT, " ")
    .replace(MARKUP_BLOCK, " ");
  const pushed = PUSHED_DOWN.exec(visible);
  if (pushed) visible = visible.slice(0, pushed.index);
  return visible;
}

/** The parts of `text` hidden from a human reviewer, by how they are hidden. */
export function hiddenParts(text: string): HiddenText[] {
  const out: HiddenText[] = [];
  const tagged = decodeTagCharacters(text);
  if (tagged.trim()) out.push({ channel: "tag_characters", text: tagged });
  for (const match of text.matchAll(HTML_COMMENT)) {
    if (match[1]?.trim()) out.push({ channel: "html_comment", text: match[1] });
  }
  for (const match of text.matchAll(MARKDOWN_COMMENT)) {
    const body = match[1] ?? match[2];
    if (body?.trim()) out.push({ channel: "markdown_comment", text: body });
  }
  for (const match of text.matchAll(MARKUP_BLOCK)) {
    if (match[2]?.trim()) out.push({ channel: "markup_block", text: match[2] });
  }
  const pushed = PUSHED_DOWN.exec(text);
  if (pushed) {
    const after = text.slice(pushed.index + pushed[0].length);
    if (after.trim()) out.push({ channel: "pushed_out_of_sight", text: after });
  }
  for (const match of text.matchAll(BASE64_BLOB)) {
    const decoded = decodedBase64(match[0]);
    if (decoded) out.push({ channel: "encoded", text: decoded });
  }
  for (const match of text.matchAll(HEX_BLOB)) {
    const decoded = decodedHex(match[0]);
    if (decoded) out.push({ channel: "encoded", text: decoded });
  }
  if (ROT13_HINT.test(text)) out.push({ channel: "encoded", text: rot13(text) });
  const template = CHAT_TEMPLATE.exec(text);
  if (template) out.push({ channel: "chat_template", text: text.slice(template.index) });
  return out;
}

// -----------------------------------------------------------------------------------------------------------------
// Invisible and deceptive characters

export type CharacterTrick =
  | "zero_width"
  | "tag_characters"
  | "bidi_control"
  | "variation_selectors"
  | "combining_marks";

export interface CharacterFinding {
  trick: CharacterTrick;
  count: number;
  /** The first one's code point, as U+XXXX. */
  example: string;
}

const ZERO_WIDTH = new Set([
  0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xfeff, 0x180e, 0x00ad,
]);
const BIDI_CONTROLS = new Set([0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]);
const ZWJ = 0x200d;
const ZWNJ = 0x200c;

const isPictographic = (char: string | undefined) =>
  char !== undefined && /\p{Extended_Pictographic}/u.test(char);
const isNonLatinLetter = (char: string | undefined) =>
  char !== undefined && /\p{L}/u.test(char) && !/\p{Script=Latin}/u.test(char);
const isVariationSelector = (code: number) =>
  (code >= 0xfe00 && code <= 0xfe0f) || (code >= 0xe0100 && code <= 0xe01ef);

const BLACK_FLAG = 0x1f3f4;
const CANCEL_TAG = 0xe007f;
const isTagLetterOrDigit = (code: number) =>
  (code >= 0xe0030 && code <= 0xe0039) || (code >= 0xe0061 && code <= 0xe007a);

/**
 * A combining mark on a Latin letter that does not compose with it (U+0332 under every letter): it breaks up words for
 * keyword rules while the text still reads. Accents written decomposed compose under NFC and are left alone.
 */
const isStrayMark = (base: string | undefined, mark: string) =>
  base !== undefined &&
  /\p{Script=Latin}/u.test(base) &&
  /^\p{M}$/u.test(mark) &&
  (base + mark).normalize("NFC").length > base.length;
/** Fewer than this many stray marks is more likely a transliteration than a trick. */
const STRAY_MARKS_REPORTED = 3;

const hex = (code: number) => `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;

/**
 * Characters that hide or reorder text. Legitimate uses are left alone: a zero-width joiner inside an emoji
 * sequence, a zero-width non-joiner between letters of scripts that need it, one variation selector after an emoji
 * or a letter, a byte order mark at the very start.
 */
export function characterTricks(text: string): CharacterFinding[] {
  const chars = Array.from(text);
  const found = new Map<CharacterTrick, CharacterFinding>();
  const add = (trick: CharacterTrick, code: number) => {
    const entry = found.get(trick);
    if (entry) entry.count++;
    else found.set(trick, { trick, count: 1, example: hex(code) });
  };
  for (let i = 0; i < chars.length; i++) {
    const code = chars[i]?.codePointAt(0) ?? 0;
    if (code === BLACK_FLAG) {
      // A subdivision flag (England, Scotland, Wales): the flag, 2–7 tag letters or digits, then CANCEL TAG.
      let j = i + 1;
      while (j < chars.length && j - i <= 7 && isTagLetterOrDigit(chars[j]?.codePointAt(0) ?? 0)) j++;
      if (j - i >= 3 && chars[j]?.codePointAt(0) === CANCEL_TAG) i = j;
      continue;
    }
    if (code >= 0xe0000 && code <= 0xe007f) add("tag_characters", code);
    else if (BIDI_CONTROLS.has(code)) add("bidi_control", code);
    else if (ZERO_WIDTH.has(code)) {
      if (code === 0xfeff && i === 0) continue;
      if (code === ZWJ && isPictographic(chars[i - 1]) && isPictographic(chars[i + 1])) continue;
      if ((code === ZWNJ || code === ZWJ) && isNonLatinLetter(chars[i - 1]) && isNonLatinLetter(chars[i + 1]))
        continue;
      add("zero_width", code);
    } else if (isVariationSelector(code)) {
      // One selector after a visible character is presentation; runs of them carry data (one byte each).
      const previous = chars[i - 1]?.codePointAt(0) ?? 0;
      if (i === 0 || isVariationSelector(previous) || code >= 0xe0100) add("variation_selectors", code);
    }
  }
  let stray = 0;
  let firstStray = 0;
  for (let i = 1; i < chars.length; i++) {
    if (!isStrayMark(chars[i - 1], chars[i] as string)) continue;
    if (stray++ === 0) firstStray = chars[i]?.codePointAt(0) ?? 0;
  }
  if (stray >= STRAY_MARKS_REPORTED)
    found.set("combining_marks", { trick: "combining_marks", count: stray, example: hex(firstStray) });
  return [...found.values()];
}

/** `text` without invisible characters, for reading what it says. */
export function withoutInvisible(text: string): string {
  let out = "";
  let previous: string | undefined;
  for (const char of text.normalize("NFC")) {
    const code = char.codePointAt(0) ?? 0;
    if ((code >= 0xe0000 && code <= 0xe007f) || BIDI_CONTROLS.has(code) || ZERO_WIDTH.has(code)) continue;
    if (isVariationSelector(code)) continue;
    // Marks woven through Latin words ("N̲ever") hide the words from keyword rules, not from the reader.
    if (isStrayMark(previous, char)) continue;
    out += char;
    previous = char;
  }
  return out;
}

/** The scripts of the letters in a name, for spotting Latin mixed with look-alike Cyrillic or Greek. */
export function letterScripts(name: string): Set<string> {
  const scripts = new Set<string>();
  for (const char of name) {
    if (!/\p{L}/u.test(char)) continue;
    if (/\p{Script=Latin}/u.test(char)) scripts.add("Latin");
    else if (/\p{Script=Cyrillic}/u.test(char)) scripts.add("Cyrillic");
    else if (/\p{Script=Greek}/u.test(char)) scripts.add("Greek");
    else if (/\p{Script=Armenian}/u.test(char)) scripts.add("Armenian");
    else scripts.add("Other");
  }
  return scripts;
}

/**
 * An identifier or value as the words it spells: "includeTheFullKubeconfig" and "home_dot_kube_slash_config" read
 * "include The Full Kubeconfig" and "home.kube/config" (punctuation spelled out is an old way past filters).
 */
export function identifierProse(identifier: string): string {
  return identifier
    .replace(/[_\s-]+dot[_\s-]+/gi, ".")
    .replace(/[_\s-]+slash[_\s-]+/gi, "/")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}
