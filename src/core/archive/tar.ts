// A streaming tar reader: ustar, POSIX pax ('x' headers: path, size) and GNU long names ('L'), fed the tar stream
// in chunks of any size. Only regular files are read; links and devices are reported, never followed.

import { type EntryCollector, type EntryKind, formatBytes, UnpackError } from "./limits.ts";

const BLOCK = 512;
/** Largest pax extended header read; beyond path and size they carry xattrs and ACLs of a few KiB. */
const MAX_PAX_BYTES = 1024 * 1024;
/** Stored names may shrink when normalised ("./a//b"); longer than this many times the limit is too long anyway. */
const RAW_PATH_SLACK = 4;

const decoder = new TextDecoder("utf-8");

/** True when the block's checksum matches: a ustar, GNU or old-style (v7) tar header. */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.byteLength < BLOCK) return false;
  const stored = parseNumber(block.subarray(148, 156));
  if (Number.isNaN(stored)) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some old writers summed signed bytes; both are accepted, as GNU tar does.
  return stored === unsigned || stored === signed;
}

/** True for the all-zero block that ends a tar archive. */
export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return block.byteLength >= BLOCK;
}

/** An octal field (NUL- or space-terminated), or GNU base-256 when the top bit is set; NaN when malformed. */
function parseNumber(field: Uint8Array): number {
  const first = field[0] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) return Number.NaN; // negative
    let value = first & 0x7f;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return Number.isSafeInteger(value) ? value : Number.NaN;
  }
  let at = 0;
  while (field[at] === 0x20) at++; // old writers right-align with leading spaces
  let value = 0;
  for (; at < field.byteLength; at++) {
    const byte = field[at] ?? 0;
    if (byte === 0 || byte === 0x20) break;
    if (byte < 0x30 || byte > 0x37) return Number.NaN;
    value = value * 8 + (byte - 0x30);
  }
  return Number.isSafeInteger(value) ? value : Number.NaN;
}

/** A NUL-terminated string field. */
function text(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return decoder.decode(nul === -1 ? field : field.subarray(0, nul));
}

function isPosixUstar(block: Uint8Array): boolean {
  return text(block, 257, 6) === "ustar" && block[262] === 0;
}

interface Overrides {
  path?: string;
  size?: number;
  pathTooLong?: boolean;
  sparse?: boolean;
}

type Sink =
  | { kind: "file"; path: string; buffer: Uint8Array; filled: number }
  | { kind: "pax" | "longname"; buffer: Uint8Array; filled: number }
  | { kind: "discard" };

type Phase = "header" | "sparse-map" | "data" | "padding" | "end";

/** Reads a tar stream into an EntryCollector; `push` chunks as they come, then `end`. Throws UnpackError. */
export class TarReader {
  readonly #collector: EntryCollector;
  readonly #block = new Uint8Array(BLOCK);
  #blockFilled = 0;
  #phase: Phase = "header";
  #remaining = 0;
  #padding = 0;
  #sink: Sink = { kind: "discard" };
  #overrides: Overrides = {};
  /** The stored name of the entry being read, for messages. */
  #entryName = "";

  constructor(collector: EntryCollector) {
    this.#collector = collector;
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.byteLength && this.#phase !== "end") {
      const available = chunk.byteLength - at;
      if (this.#phase === "header" || this.#phase === "sparse-map") {
        const take = Math.min(BLOCK - this.#blockFilled, available);
        this.#block.set(chunk.subarray(at, at + take), this.#blockFilled);
        this.#blockFilled += take;
        at += take;
        if (this.#blockFilled < BLOCK) continue;
        this.#blockFilled = 0;
        if (this.#phase === "header") this.#onHeader();
        else if (this.#block[504] === 0) this.#expectData(this.#remaining); // the last sparse map extension
      } else if (this.#phase === "data") {
        const take = Math.min(this.#remaining, available);
        this.#write(chunk.subarray(at, at + take));
        this.#remaining -= take;
        at += take;
        if (this.#remaining === 0) this.#finishEntry();
      } else {
        const take = Math.min(this.#padding, available);
        this.#padding -= take;
        at += take;
        if (this.#padding === 0) this.#phase = "header";
      }
    }
  }

  /** The stream ended: fine at an entry boundary (with or without the zero blocks), corrupt inside an entry. */
  end(): void {
    if (this.#phase === "end" || (this.#phase === "header" && this.#blockFilled === 0)) return;
    const where = this.#entryName === "" ? "" : ` inside the entry ${JSON.stringify(this.#entryName)}`;
    throw new UnpackError(
      "corrupt",
      `the tar archive is cut short${where}; it may have been truncated on upload`,
    );
  }

  #onHeader(): void {
    const block = this.#block;
    if (isZeroBlock(block)) {
      this.#phase = "end";
      return;
    }
    if (!isTarHeader(block)) {
      throw new UnpackError("corrupt", "a tar header is damaged (its checksum does not match)");
    }
    const type = String.fromCharCode(block[156] ?? 0);
    const headerSize = parseNumber(block.subarray(124, 136));
    if (Number.isNaN(headerSize)) {
      throw new UnpackError("corrupt", "a tar header has an unreadable size field");
    }
    this.#entryName = this.#headerPath(block);

    switch (type) {
      case "x":
      case "X": // Solaris' older spelling of the pax header
      case "L":
        this.#readMeta(type === "L" ? "longname" : "pax", headerSize);
        return;
      case "g": // global pax headers set defaults nothing here relies on
      case "K": // GNU long link name: links are never followed
      case "V": // volume label
        this.#discard(headerSize);
        return;
    }

    const overrides = this.#overrides;
    this.#overrides = {};
    const path = overrides.path ?? this.#entryName;
    this.#entryName = path;
    const size = overrides.size ?? headerSize;
    const kind = entryKind(type, path, overrides.sparse === true);
    const problem = overrides.pathTooLong ? "path_too_long" : undefined;
    const admitted = this.#collector.admit(path, kind, problem);
    const carriesData = kind === "file" || kind === "special" || type === "D";
    const dataSize = carriesData ? size : 0;
    if (admitted === null) {
      this.#discard(dataSize, type === "S");
    } else if (size > this.#collector.limits.maxFileBytes) {
      this.#collector.skip(admitted, "too_large");
      this.#discard(dataSize);
    } else {
      this.#sink = { kind: "file", path: admitted, buffer: new Uint8Array(size), filled: 0 };
      this.#expectData(dataSize);
    }
  }

  /** The name from the header itself: ustar joins prefix and name; GNU uses the prefix field for other things. */
  #headerPath(block: Uint8Array): string {
    const name = text(block, 0, 100);
    const prefix = isPosixUstar(block) ? text(block, 345, 155) : "";
    return prefix === "" ? name : `${prefix}/${name}`;
  }

  #readMeta(kind: "pax" | "longname", size: number): void {
    const limit = kind === "pax" ? MAX_PAX_BYTES : this.#collector.limits.maxPathLength * RAW_PATH_SLACK + 1;
    if (size > limit) {
      if (kind === "pax") {
        throw new UnpackError("corrupt", `a pax extended header is over ${formatBytes(MAX_PAX_BYTES)}`);
      }
      this.#overrides.pathTooLong = true;
      this.#discard(size);
    } else {
      this.#sink = { kind, buffer: new Uint8Array(size), filled: 0 };
      this.#expectData(size);
    }
  }

  #discard(size: number, sparseMap = false): void {
    this.#sink = { kind: "discard" };
    // An old GNU sparse file ('S') may follow its header with map extension blocks before the data.
    if (sparseMap && this.#block[482] !== 0) {
      this.#remaining = size;
      this.#phase = "sparse-map";
      return;
    }
    this.#expectData(size);
  }

  #expectData(size: number): void {
    this.#remaining = size;
    this.#padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size > 0) this.#phase = "data";
    else this.#finishEntry();
  }

  #write(piece: Uint8Array): void {
    const sink = this.#sink;
    if (sink.kind === "discard") return;
    sink.buffer.set(piece, sink.filled);
    sink.filled += piece.byteLength;
  }

  #finishEntry(): void {
    const sink = this.#sink;
    this.#sink = { kind: "discard" };
    if (sink.kind === "file") this.#collector.keep(sink.path, sink.buffer);
    else if (sink.kind === "pax") this.#applyPax(parsePax(sink.buffer));
    else if (sink.kind === "longname") this.#overrides.path = decoder.decode(sink.buffer).replace(/\0+$/, "");
    this.#phase = this.#padding > 0 ? "padding" : "header";
  }

  #applyPax(records: Map<string, string>): void {
    for (const [key, value] of records) {
      if (key === "path") this.#overrides.path = value === "" ? undefined : value;
      else if (key === "size") {
        if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
          throw new UnpackError("corrupt", "a pax extended header has an unreadable size");
        }
        this.#overrides.size = Number(value);
      } else if (key.startsWith("GNU.sparse.")) this.#overrides.sparse = true;
    }
  }
}

function entryKind(type: string, path: string, sparse: boolean): EntryKind {
  switch (type) {
    case "0":
    case "\0":
    case "7": // contiguous file: a regular file everywhere but one old system
      if (sparse) return "special";
      return path.endsWith("/") ? "directory" : "file";
    case "5":
    case "D": // GNU dump directory
      return "directory";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    default: // devices, fifos, GNU sparse and multi-volume parts, unknown vendor types
      return "special";
  }
}

/** Pax records: "<length> <key>=<value>\n", the length counting the whole record. */
function parsePax(bytes: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  const malformed = () => new UnpackError("corrupt", "a pax extended header in the tar archive is malformed");
  let at = 0;
  while (at < bytes.byteLength && bytes[at] !== 0) {
    const space = bytes.indexOf(0x20, at);
    if (space === -1) throw malformed();
    const lengthText = decoder.decode(bytes.subarray(at, space));
    const length = Number(lengthText);
    const end = at + length;
    if (!/^\d+$/.test(lengthText) || end <= space + 1 || end > bytes.byteLength || bytes[end - 1] !== 0x0a) {
      throw malformed();
    }
    const record = bytes.subarray(space + 1, end - 1);
    const equals = record.indexOf(0x3d);
    if (equals === -1) throw malformed();
    records.set(decoder.decode(record.subarray(0, equals)), decoder.decode(record.subarray(equals + 1)));
    at = end;
  }
  return records;
}
