// The progress line of a long scan: on a terminal, one line on stderr rewritten in place ("scanning: 1,234 files,
// 12.3 MB") once the scan has run for 300 ms, erased at the end; nothing at all when stderr is not a terminal.

const SHOW_AFTER_MS = 300;
const REDRAW_MS = 100;

const COUNT = new Intl.NumberFormat("en-US");

/** "1,234". */
export function count(value: number): string {
  return COUNT.format(value);
}

/** "12.3 MB", "4.1 kB", "512 B" (SI units, as file managers show them). */
export function byteSize(bytes: number): string {
  if (bytes < 1_000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1_000;
  let unit = 0;
  while (value >= 1_000 && unit < units.length - 1) {
    value /= 1_000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export class Progress {
  readonly #stream: NodeJS.WriteStream;
  readonly #describe: () => string;
  readonly #timer: NodeJS.Timeout | null;
  #shown = "";

  /** `describe` gives the line's current text; it is asked at most every 100 ms. */
  constructor(stream: NodeJS.WriteStream, describe: () => string) {
    this.#stream = stream;
    this.#describe = describe;
    const started = Date.now();
    this.#timer =
      stream.isTTY === true
        ? setInterval(() => {
            if (Date.now() - started >= SHOW_AFTER_MS) this.#draw();
          }, REDRAW_MS)
        : null;
    this.#timer?.unref();
  }

  #draw(): void {
    // A pseudo-terminal may report 0 columns: 80 then.
    const columns = this.#stream.columns || 80;
    const width = Math.max(20, columns - 1);
    const text = this.#describe().slice(0, width);
    if (text === this.#shown) return;
    this.#shown = text;
    this.#stream.write(`\r${text}\u001b[K`);
  }

  /** Stops and erases the line, so what follows starts on a clean line. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#shown !== "") this.#stream.write("\r\u001b[K");
    this.#shown = "";
  }
}
