// Writing ustar archives in tests (Web-standard APIs only, so Worker, core and CLI tests share it): package uploads
// and container image archives built on the fly.

/** A ustar archive of `files` (path → text or bytes), gzip-compressed when asked. */
export async function tarOf(files: Record<string, string | Uint8Array>, gzip = true): Promise<Uint8Array> {
  const encoder = new TextEncoder();
  const blocks: Uint8Array[] = [];
  for (const [path, content] of Object.entries(files)) {
    const body = typeof content === "string" ? encoder.encode(content) : content;
    const header = new Uint8Array(512);
    const put = (offset: number, value: string) => header.set(encoder.encode(value), offset);
    put(0, path);
    put(100, "0000644\0");
    put(108, "0000000\0");
    put(116, "0000000\0");
    put(124, `${body.length.toString(8).padStart(11, "0")}\0`);
    put(136, "00000000000\0");
    put(148, "        ");
    put(156, "0");
    put(257, "ustar\u000000");
    const sum = header.reduce((total, byte) => total + byte, 0);
    put(148, `${sum.toString(8).padStart(6, "0")}\0 `);
    blocks.push(header, body, new Uint8Array((512 - (body.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  const tar = new Uint8Array(await new Blob(blocks as Uint8Array<ArrayBuffer>[]).arrayBuffer());
  if (!gzip) return tar;
  const stream = new Blob([tar]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
