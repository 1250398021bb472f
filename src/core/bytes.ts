// Bytes: reading a stream up to a limit, joining chunks, and SHA-256 as hex. Web-standard APIs only.

/** The chunks in one array of `total` bytes (their summed length). */
export function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.byteLength;
  }
  return joined;
}

/** All of `stream`, or null (the stream cancelled) as soon as it passes `limit` bytes. */
export async function readAtMost(
  stream: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return concatBytes(chunks, total);
}

/** SHA-256 of `data` (text as UTF-8) in lower-case hex. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  // A view on a SharedArrayBuffer is copied: digest takes memory only this thread can change.
  const bytes =
    typeof data === "string"
      ? new TextEncoder().encode(data)
      : data.buffer instanceof ArrayBuffer
        ? (data as Uint8Array<ArrayBuffer>)
        : new Uint8Array(data);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
