// A zip reader driven by the central directory (what unzip and every other extractor trust), with ZIP64 sizes and
// offsets; stored and deflated entries only. Sizes the archive declares are hints: real output is counted.

import { concatBytes } from "../bytes.ts";
import { type EntryCollector, type EntryKind, inflate, UnpackError } from "./limits.ts";

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_BYTES = 22;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_BYTES = 56;
const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_BYTES = 46;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_BYTES = 30;
const ZIP64_EXTRA_ID = 0x0001;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8 = 0x0800;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

const utf8 = new TextDecoder("utf-8");
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
/** Code page 437, bytes 0x80 to 0xff: the name encoding when the UTF-8 flag is clear. */
const CP437_HIGH =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

const corrupt = (message: string) => new UnpackError("corrupt", `the zip archive is damaged: ${message}`);

function viewOf(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/** The offset of the end-of-central-directory record (the last whose comment reaches the end), or -1. */
export function findEndOfCentralDirectory(data: Uint8Array): number {
  if (data.byteLength < EOCD_BYTES) return -1;
  const view = viewOf(data);
  const lowest = Math.max(0, data.byteLength - EOCD_BYTES - U16_MAX);
  let withTrailingBytes = -1;
  for (let at = data.byteLength - EOCD_BYTES; at >= lowest; at--) {
    if (data[at] !== 0x50 || view.getUint32(at, true) !== EOCD_SIGNATURE) continue;
    const end = at + EOCD_BYTES + view.getUint16(at + 20, true);
    if (end === data.byteLength) return at;
    if (end < data.byteLength && withTrailingBytes === -1) withTrailingBytes = at;
  }
  return withTrailingBytes;
}

interface CentralEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  localOffset: number;
}

interface Directory {
  /** Where offset 0 of the archive is: above 0 when something (a self-extractor stub) was prepended. */
  base: number;
  start: number;
  end: number;
  entries: number;
  zip64: boolean;
}

function readU64(view: DataView, at: number): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt("a ZIP64 size or offset is out of range");
  return Number(value);
}

function locateDirectory(data: Uint8Array, eocd: number): Directory {
  const view = viewOf(data);
  let disk = view.getUint16(eocd + 4, true);
  let directoryDisk = view.getUint16(eocd + 6, true);
  let entries = view.getUint16(eocd + 10, true);
  let size = view.getUint32(eocd + 12, true);
  let offset = view.getUint32(eocd + 16, true);
  let end = eocd;
  let zip64 = false;
  const locator = eocd - ZIP64_LOCATOR_BYTES;
  const wantsZip64 = entries === U16_MAX || size === U32_MAX || offset === U32_MAX;
  if (wantsZip64 && locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR_SIGNATURE) {
    // The record is where the locator says, or (when bytes were prepended) right before the locator.
    let record = readU64(view, locator + 8);
    if (record + ZIP64_EOCD_BYTES > locator || view.getUint32(record, true) !== ZIP64_EOCD_SIGNATURE) {
      record = locator - ZIP64_EOCD_BYTES;
      if (record < 0 || view.getUint32(record, true) !== ZIP64_EOCD_SIGNATURE) {
        throw corrupt("the ZIP64 end-of-directory record is missing");
      }
    }
    disk = view.getUint32(record + 16, true);
    directoryDisk = view.getUint32(record + 20, true);
    entries = readU64(view, record + 32);
    size = readU64(view, record + 40);
    offset = readU64(view, record + 48);
    end = record;
    zip64 = true;
  }
  if (disk !== 0 || directoryDisk !== 0) {
    throw new UnpackError(
      "unsupported_format",
      "split (multi-part) zip archives are not supported; upload one file",
    );
  }
  const base = end - size - offset;
  if (base < 0) throw corrupt("the central directory lies outside the file");
  return { base, start: base + offset, end, entries, zip64 };
}

function decodeName(bytes: Uint8Array, flags: number): string {
  if (flags & FLAG_UTF8) return utf8.decode(bytes);
  if (bytes.every((byte) => byte < 0x80)) return utf8.decode(bytes);
  // Many tools write UTF-8 without setting the flag; otherwise the names are code page 437, as the format says.
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return Array.from(bytes, (byte) =>
      byte < 0x80 ? String.fromCharCode(byte) : CP437_HIGH[byte - 0x80],
    ).join("");
  }
}

function entryKind(name: string, externalAttributes: number): EntryKind {
  const type = (externalAttributes >>> 16) & 0o170000; // the Unix mode, when the writer stored one
  if (type === 0o120000) return "symlink";
  if (type === 0o040000 || name.endsWith("/") || name.endsWith("\\")) return "directory";
  return type === 0 || type === 0o100000 ? "file" : "special";
}

interface AdmittedEntry extends CentralEntry {
  path: string;
}

/**
 * Reads the central directory, admitting each entry (path checks, counts) as soon as it is read, so a directory of
 * a million entries fails on the first one past the limit; returns the entries to read.
 */
function readDirectory(data: Uint8Array, directory: Directory, collector: EntryCollector): AdmittedEntry[] {
  const view = viewOf(data);
  const admitted: AdmittedEntry[] = [];
  let count = 0;
  let at = directory.start;
  while (at < directory.end) {
    if (at + CENTRAL_BYTES > directory.end || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw corrupt("a central directory entry is malformed");
    }
    const flags = view.getUint16(at + 8, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const next = at + CENTRAL_BYTES + nameLength + extraLength + commentLength;
    if (next > directory.end) throw corrupt("a central directory entry runs past the directory");
    const nameStart = at + CENTRAL_BYTES;
    const name = decodeName(data.subarray(nameStart, nameStart + nameLength), flags);
    let compressedSize = view.getUint32(at + 20, true);
    const uncompressedSize = view.getUint32(at + 24, true);
    let localOffset = view.getUint32(at + 42, true);
    if (compressedSize === U32_MAX || uncompressedSize === U32_MAX || localOffset === U32_MAX) {
      // ZIP64 extra field: 8-byte values for exactly the fields set to 0xffffffff, in this order.
      const extra = data.subarray(nameStart + nameLength, nameStart + nameLength + extraLength);
      const values = zip64Values(extra);
      const take = () => {
        const value = values.shift();
        if (value === undefined) throw corrupt(`the entry ${JSON.stringify(name)} lacks its ZIP64 sizes`);
        return value;
      };
      if (uncompressedSize === U32_MAX) take();
      if (compressedSize === U32_MAX) compressedSize = take();
      if (localOffset === U32_MAX) localOffset = take();
    }
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const kind = entryKind(name, view.getUint32(at + 38, true));
    count++;
    at = next;
    const path = collector.admit(name, kind);
    if (path === null) continue;
    if (flags & FLAG_ENCRYPTED) {
      collector.skip(path, "encrypted");
    } else if (method !== METHOD_STORED && method !== METHOD_DEFLATE) {
      collector.skip(path, "unsupported_compression");
    } else {
      admitted.push({ path, name, method, crc, compressedSize, localOffset });
    }
  }
  const expected = directory.zip64 ? directory.entries : directory.entries % 0x10000;
  const found = directory.zip64 ? count : count % 0x10000;
  if (found !== expected) throw corrupt(`the directory lists ${expected} entries but holds ${found}`);
  return admitted;
}

function zip64Values(extra: Uint8Array): number[] {
  const view = viewOf(extra);
  for (let at = 0; at + 4 <= extra.byteLength; ) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (at + 4 + size > extra.byteLength) break;
    if (id === ZIP64_EXTRA_ID) {
      const values: number[] = [];
      for (let field = at + 4; field + 8 <= at + 4 + size; field += 8) values.push(readU64(view, field));
      return values;
    }
    at += 4 + size;
  }
  return [];
}

/** The entry's compressed bytes, found through its local header. */
function entryData(data: Uint8Array, base: number, entry: CentralEntry): Uint8Array {
  const view = viewOf(data);
  const local = base + entry.localOffset;
  if (local + LOCAL_BYTES > data.byteLength || view.getUint32(local, true) !== LOCAL_SIGNATURE) {
    throw corrupt(`the local header of ${JSON.stringify(entry.name)} is missing`);
  }
  const start = local + LOCAL_BYTES + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  const end = start + entry.compressedSize;
  if (end > data.byteLength) {
    throw corrupt(`the entry ${JSON.stringify(entry.name)} runs past the end of the file`);
  }
  return data.subarray(start, end);
}

/** Inflates at most `maxBytes` of an entry, counting every byte against the archive's budget; null when larger. */
async function inflateEntry(
  compressed: Uint8Array,
  maxBytes: number,
  collector: EntryCollector,
): Promise<Uint8Array | null> {
  const pieces: Uint8Array[] = [];
  let total = 0;
  const ended = await inflate(compressed, "deflate-raw", (piece) => {
    collector.expanded(piece.byteLength);
    total += piece.byteLength;
    if (total > maxBytes) return false;
    pieces.push(piece);
    return true;
  });
  if (!ended) return null;
  return concatBytes(pieces, total);
}

/** Reads a whole zip archive (found by its end-of-central-directory record) into the collector. */
export async function readZip(data: Uint8Array, eocd: number, collector: EntryCollector): Promise<void> {
  const directory = locateDirectory(data, eocd);
  const { maxFileBytes } = collector.limits;
  for (const entry of readDirectory(data, directory, collector)) {
    const { path } = entry;
    const compressed = entryData(data, directory.base, entry);
    let bytes: Uint8Array | null;
    if (entry.method === METHOD_STORED) {
      collector.expanded(compressed.byteLength);
      bytes = compressed.byteLength > maxFileBytes ? null : compressed.slice();
    } else {
      bytes = await inflateEntry(compressed, maxFileBytes, collector);
    }
    if (bytes === null) {
      collector.skip(path, "too_large");
      continue;
    }
    if (crc32(bytes) !== entry.crc) {
      throw corrupt(`the contents of ${JSON.stringify(entry.name)} fail their CRC check`);
    }
    collector.keep(path, bytes);
  }
}

let crcTable: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = U32_MAX;
  for (const byte of bytes) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ U32_MAX) >>> 0;
}
