// Safe unpacking of an uploaded MCP server package (tar, tar.gz or zip) into memory for scanning. Nothing is written
// anywhere: paths are normalised and checked, links are reported and never followed, and every buffer is bounded.

import { concatBytes, sha256Hex } from "../bytes.ts";
import {
  EntryCollector,
  formatBytes,
  inflate,
  resolveLimits,
  type SkippedEntry,
  UnpackError,
  type UnpackedFile,
  type UnpackLimits,
} from "./limits.ts";
import { isTarHeader, isZeroBlock, TarReader } from "./tar.ts";
import { findEndOfCentralDirectory, readZip } from "./zip.ts";

export type { SkippedEntry, SkipReason, UnpackErrorCode, UnpackedFile, UnpackLimits } from "./limits.ts";
export { DEFAULT_UNPACK_LIMITS, UnpackError } from "./limits.ts";

export type ArchiveFormat = "tar" | "tar.gz" | "zip";

export interface Unpacked {
  format: ArchiveFormat;
  /** Hex SHA-256 of the archive as uploaded, for the integrity record. */
  sha256: string;
  files: UnpackedFile[];
  skipped: SkippedEntry[];
  /** Bytes of the files kept. */
  totalBytes: number;
}

const TAR_BLOCK = 512;

type Detected = { format: "tar" } | { format: "tar.gz" } | { format: "zip"; endOfDirectory: number };

/** Unpacks a tar, tar.gz or zip held in memory. Throws UnpackError when the archive as a whole is refused. */
export async function unpackArchive(data: Uint8Array, limits?: Partial<UnpackLimits>): Promise<Unpacked> {
  const resolved = resolveLimits(limits);
  if (data.byteLength > resolved.maxArchiveBytes) {
    throw new UnpackError(
      "too_large",
      `the archive is ${formatBytes(data.byteLength)}; the limit is ${formatBytes(resolved.maxArchiveBytes)}`,
    );
  }
  const detected = detectFormat(data);
  const sha256 = await sha256Hex(data);
  const collector = new EntryCollector(resolved, data.byteLength);
  switch (detected.format) {
    case "tar": {
      collector.expanded(data.byteLength);
      const reader = new TarReader(collector);
      reader.push(data);
      reader.end();
      break;
    }
    case "tar.gz":
      await readTarGz(data, collector);
      break;
    case "zip":
      await readZip(data, detected.endOfDirectory, collector);
      break;
  }
  const { files, skipped, totalBytes } = collector;
  return { format: detected.format, sha256, files, skipped, totalBytes };
}

function startsWith(data: Uint8Array, bytes: number[], at = 0): boolean {
  return bytes.every((byte, i) => data[at + i] === byte);
}

const USTAR = [0x75, 0x73, 0x74, 0x61, 0x72]; // "ustar", at offset 257 in ustar and GNU headers

function looksLikeTar(block: Uint8Array): boolean {
  return block.byteLength >= TAR_BLOCK && (startsWith(block, USTAR, 257) || isTarHeader(block));
}

function detectFormat(data: Uint8Array): Detected {
  if (startsWith(data, [0x1f, 0x8b])) return { format: "tar.gz" };
  const zipMagic = startsWith(data, [0x50, 0x4b, 0x03, 0x04]) || startsWith(data, [0x50, 0x4b, 0x05, 0x06]);
  if (!zipMagic) {
    if (looksLikeTar(data)) return { format: "tar" };
    // An empty tar is only end-of-archive blocks.
    if (data.byteLength >= 2 * TAR_BLOCK && data.byteLength % TAR_BLOCK === 0 && isZeroBlock(data)) {
      return { format: "tar" };
    }
  }
  // The end-of-directory record also finds zips with something prepended (self-extracting stubs).
  const endOfDirectory = findEndOfCentralDirectory(data);
  if (endOfDirectory !== -1) return { format: "zip", endOfDirectory };
  if (zipMagic) {
    throw new UnpackError(
      "corrupt",
      "the zip archive is damaged: its central directory is missing (cut short?)",
    );
  }
  throw new UnpackError("unsupported_format", "the upload is not a tar, tar.gz (.tgz) or zip archive");
}

/** Inflates the gzip stream piece by piece into the tar reader, counting every byte against the budget. */
async function readTarGz(data: Uint8Array, collector: EntryCollector): Promise<void> {
  const reader = new TarReader(collector);
  // The first block decides whether the gzip holds a tar at all; pieces are held until it is complete.
  let head: Uint8Array[] | null = [];
  let headBytes = 0;
  await inflate(data, "gzip", (piece) => {
    collector.expanded(piece.byteLength);
    if (head === null) {
      reader.push(piece);
      return true;
    }
    head.push(piece);
    headBytes += piece.byteLength;
    if (headBytes < TAR_BLOCK) return true;
    const start = concatBytes(head, headBytes);
    head = null;
    checkHoldsTar(start);
    reader.push(start);
    return true;
  });
  if (head !== null) checkHoldsTar(concatBytes(head, headBytes));
  // Past the end-of-archive blocks the reader ignores input, but the stream is still inflated to the end (within
  // the budget), so a damaged gzip is reported rather than half-read.
  reader.end();
}

function checkHoldsTar(start: Uint8Array): void {
  if (looksLikeTar(start) || isZeroBlock(start)) return;
  throw new UnpackError(
    "unsupported_format",
    "the gzip file does not hold a tar archive (expected a .tar.gz or .tgz)",
  );
}
