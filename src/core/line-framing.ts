// Newline-delimited framing for MCP's stdio transport: each JSON-RPC message is one line of UTF-8. Bytes arrive in
// chunks that split lines (and multi-byte characters) anywhere; the splitter cuts on the newline byte before
// decoding, so a character is never split, and joins a line's pieces once, so a 10 MiB line costs linear time.
// Memory is bounded: a line longer than `maxLineBytes` is dropped as it streams and reported by its size.
// Web-standard APIs only.

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export interface LineSplitterOptions {
  /** Longest line kept, in bytes (without the newline). */
  maxLineBytes: number;
  /** A line that was longer than maxLineBytes and so was dropped. */
  onOversized?: (bytes: number) => void;
}

export class LineSplitter {
  readonly #onLine: (line: string) => void;
  readonly #maxLineBytes: number;
  readonly #onOversized: (bytes: number) => void;
  readonly #decoder = new TextDecoder("utf-8");
  /** Pieces of the current, unterminated line. */
  #pieces: Uint8Array[] = [];
  #pendingBytes = 0;
  /** The current line is over the limit: its bytes are counted, not kept. */
  #dropping = false;

  constructor(onLine: (line: string) => void, options: LineSplitterOptions) {
    this.#onLine = onLine;
    this.#maxLineBytes = options.maxLineBytes;
    this.#onOversized = options.onOversized ?? (() => {});
  }

  /** Feeds a chunk; calls onLine once per complete line (without its "\n" or "\r\n"). */
  push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) {
        this.#keep(chunk.subarray(start));
        return;
      }
      this.#keep(chunk.subarray(start, end));
      this.#finishLine();
      start = end + 1;
    }
  }

  /** The input ended: a last line without a newline still counts as a line. */
  end(): void {
    if (this.#pendingBytes > 0 || this.#dropping) this.#finishLine();
  }

  #keep(piece: Uint8Array): void {
    if (piece.byteLength === 0) return;
    this.#pendingBytes += piece.byteLength;
    if (this.#dropping) return;
    if (this.#pendingBytes > this.#maxLineBytes) {
      this.#dropping = true;
      this.#pieces = [];
      return;
    }
    // The chunk's buffer may be reused by its producer: keep a copy.
    this.#pieces.push(piece.slice());
  }

  #finishLine(): void {
    const bytes = this.#pendingBytes;
    const pieces = this.#pieces;
    const dropped = this.#dropping;
    this.#pieces = [];
    this.#pendingBytes = 0;
    this.#dropping = false;
    if (dropped) {
      this.#onOversized(bytes);
      return;
    }
    let line: Uint8Array;
    if (pieces.length === 1) {
      line = pieces[0] as Uint8Array;
    } else {
      line = new Uint8Array(bytes);
      let at = 0;
      for (const piece of pieces) {
        line.set(piece, at);
        at += piece.byteLength;
      }
    }
    const length = line.byteLength > 0 && line[line.byteLength - 1] === CARRIAGE_RETURN ? bytes - 1 : bytes;
    this.#onLine(this.#decoder.decode(line.subarray(0, length)));
  }
}
