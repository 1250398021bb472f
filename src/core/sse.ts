// Incremental Server-Sent Events parser (WHATWG event-stream rules) with bounded memory. Web-standard APIs only.

const CR = 13;
const LF = 10;
/** How much of an over-long line is kept to recognise its field name. */
const FIELD_HEAD_CHARS = 16;

export interface SseEvent {
  /** The `event:` field, or "message" when absent. */
  type: string;
  /** The joined `data:` lines; null when the event was larger than the parser keeps (see `size`). */
  data: string | null;
  /** Bytes of `data` (UTF-16 code units of the joined lines), counted even when the data was not kept. */
  size: number;
  id: string | null;
  retry: number | null;
}

export interface SseParserOptions {
  /** Largest event data kept in memory; larger events are reported with `data: null`. */
  maxEventChars: number;
}

/**
 * Feed it byte chunks as they arrive; it calls `onEvent` once per complete event. Memory stays bounded by
 * `maxEventChars` whatever the stream's size, and work is linear in the input: each chunk is scanned once.
 */
export class SseParser {
  readonly #decoder = new TextDecoder("utf-8");
  readonly #onEvent: (event: SseEvent) => void;
  readonly #maxChars: number;
  /** The unterminated tail of the last chunk; bounded, see #keepPartial. */
  #partial = "";
  /** Characters of an over-long line already dropped (the line's head stays in #partial for its field name). */
  #droppedChars = 0;
  /** The previous text ended with CR: an LF starting the next text belongs to the same line break. */
  #pendingCr = false;
  #data: string[] = [];
  #dataChars = 0;
  #dataOverflow = false;
  #hasData = false;
  #type = "";
  #id: string | null = null;
  #lastId: string | null = null;
  #retry: number | null = null;

  constructor(onEvent: (event: SseEvent) => void, options: SseParserOptions) {
    this.#onEvent = onEvent;
    this.#maxChars = options.maxEventChars;
  }

  push(chunk: Uint8Array): void {
    this.#feed(this.#decoder.decode(chunk, { stream: true }));
  }

  /** Flushes the decoder; an event not terminated by a blank line is dropped, as the SSE spec requires. */
  end(): void {
    this.#feed(this.#decoder.decode());
  }

  #feed(text: string): void {
    let i = 0;
    if (this.#pendingCr) {
      this.#pendingCr = false;
      if (text.charCodeAt(0) === LF) i = 1;
    }
    // Positions of the next CR and LF, each searched for once per occurrence: linear in the text.
    let nextCr = text.indexOf("\r", i);
    let nextLf = text.indexOf("\n", i);
    while (i < text.length) {
      if (nextCr !== -1 && nextCr < i) nextCr = text.indexOf("\r", i);
      if (nextLf !== -1 && nextLf < i) nextLf = text.indexOf("\n", i);
      const lineBreak = nextCr === -1 ? nextLf : nextLf === -1 ? nextCr : Math.min(nextCr, nextLf);
      if (lineBreak === -1) {
        this.#keepPartial(text.slice(i));
        return;
      }
      this.#endLine(text.slice(i, lineBreak));
      i = lineBreak + 1;
      if (text.charCodeAt(lineBreak) === CR) {
        if (i === text.length) this.#pendingCr = true;
        else if (text.charCodeAt(i) === LF) i += 1;
      }
    }
  }

  #keepPartial(rest: string): void {
    const kept = this.#partial.length + rest.length;
    if (kept <= this.#maxChars + FIELD_HEAD_CHARS) {
      this.#partial += rest;
      return;
    }
    // Too long to keep: hold on to the head (for the field name) and only count the rest.
    const combined = this.#partial + rest;
    this.#partial = combined.slice(0, FIELD_HEAD_CHARS);
    this.#droppedChars += combined.length - FIELD_HEAD_CHARS;
  }

  #endLine(piece: string): void {
    const line = this.#partial + piece;
    const dropped = this.#droppedChars;
    this.#partial = "";
    this.#droppedChars = 0;
    if (dropped === 0) {
      this.#line(line);
      return;
    }
    // Only a data line can be long enough to overflow and still matter: it makes the event's data unkept.
    if (fieldName(line) !== "data") return;
    this.#dataChars += dropped + line.length + (this.#hasData ? 1 : 0);
    this.#hasData = true;
    this.#dataOverflow = true;
    this.#data = [];
  }

  #line(line: string): void {
    if (line === "") {
      this.#dispatch();
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.#appendData(value);
        break;
      case "event":
        this.#type = value;
        break;
      case "id":
        if (!value.includes("\0")) this.#id = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.#retry = Number(value);
        break;
      default:
        break;
    }
  }

  #appendData(value: string): void {
    const added = value.length + (this.#hasData ? 1 : 0);
    this.#hasData = true;
    this.#dataChars += added;
    if (this.#dataOverflow) return;
    if (this.#dataChars > this.#maxChars) {
      this.#dataOverflow = true;
      this.#data = [];
      return;
    }
    this.#data.push(value);
  }

  #dispatch(): void {
    if (this.#id !== null) this.#lastId = this.#id;
    if (this.#hasData) {
      this.#onEvent({
        type: this.#type || "message",
        data: this.#dataOverflow ? null : this.#data.join("\n"),
        size: this.#dataChars,
        id: this.#lastId,
        retry: this.#retry,
      });
    } else if (this.#retry !== null || this.#id !== null) {
      // An event with no data (such as a 2025-11-25 priming event) still carries an id or retry hint.
      this.#onEvent({
        type: this.#type || "message",
        data: "",
        size: 0,
        id: this.#lastId,
        retry: this.#retry,
      });
    }
    this.#data = [];
    this.#dataChars = 0;
    this.#dataOverflow = false;
    this.#hasData = false;
    this.#type = "";
    this.#id = null;
    this.#retry = null;
  }
}

/**
 * One event in wire form, with its id, type and retry hint kept. Empty `data` writes no data line: the event then
 * only carries its id or retry hint, as a priming event does.
 */
export function formatSseEvent(event: Pick<SseEvent, "type" | "id" | "retry">, data: string): string {
  let out = "";
  if (event.id !== null) out += `id: ${event.id}\n`;
  if (event.type !== "message") out += `event: ${event.type}\n`;
  if (event.retry !== null) out += `retry: ${event.retry}\n`;
  if (data) for (const line of data.split("\n")) out += `data: ${line}\n`;
  return `${out}\n`;
}

function fieldName(line: string): string {
  const colon = line.indexOf(":");
  return colon === -1 ? line : line.slice(0, colon);
}
