// Reading a response body as text with a bound, and parsing JSON that may not be JSON. Shared by the paths that
// must look at a whole upstream answer (session recovery, rewritten responses).

/** The body's text, stopping (and cancelling the rest) once it passes `limit` characters. */
export async function readBoundedText(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<{ text: string; truncated: boolean }> {
  if (!body) return { text: "", truncated: false };
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: text + decoder.decode(), truncated: false };
    text += decoder.decode(value, { stream: true });
    if (text.length > limit) {
      await reader.cancel();
      return { text, truncated: true };
    }
  }
}

/** The parsed value, or undefined when `text` is not JSON. */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
