// `helmet scan image.tar`: a container image saved with `docker save` (or an OCI image layout in a tar) is scanned
// as an image (config, layers, OS packages), not as one opaque file.
import { open, readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import type { UnpackedFile } from "../../../src/core/archive/unpack.ts";
import { ScanError } from "./scan-error.ts";

/** Largest image archive read (it is held in memory while its layers are applied). */
const MAX_IMAGE_BYTES = 2 * 1024 * 1024 * 1024;

/** The archive's entries when `path` is a saved image; null when it is anything else (scanned as a file). */
export async function readImageArchive(path: string): Promise<UnpackedFile[] | null> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile() || info.size < 1024) return null;
  const head = new Uint8Array(512);
  const handle = await open(path, "r");
  try {
    await handle.read(head, 0, 512, 0);
  } finally {
    await handle.close();
  }
  const tar = new TextDecoder().decode(head.subarray(257, 262)) === "ustar";
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  if (!tar && !gzip) return null;
  if (info.size > MAX_IMAGE_BYTES) {
    throw new ScanError(
      `${basename(path)} is over 2 GiB: save one image (docker save IMAGE) rather than several`,
    );
  }
  // Loaded only for a file that is a tar: a directory scan starts without the archive and image modules.
  const [{ UnpackError, unpackArchive }, { isImageArchive }] = await Promise.all([
    import("../../../src/core/archive/unpack.ts"),
    import("../../../src/core/scan/container/image.ts"),
  ]);
  let unpacked: Awaited<ReturnType<typeof unpackArchive>>;
  try {
    unpacked = await unpackArchive(await readFile(path), {
      maxArchiveBytes: MAX_IMAGE_BYTES,
      maxFileBytes: MAX_IMAGE_BYTES,
      maxTotalBytes: MAX_IMAGE_BYTES * 2,
      maxFiles: 100_000,
    });
  } catch (error) {
    if (error instanceof UnpackError) return null;
    throw error;
  }
  return isImageArchive(unpacked.files) ? unpacked.files : null;
}
