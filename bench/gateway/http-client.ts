// A minimal HTTP/1.1 client on node:http with keep-alive: the load generator's only network code, so its cost is
// small and the same for every target. No retries except the one Node recommends for a reused keep-alive socket
// the server closed meanwhile.
import { Agent, type IncomingHttpHeaders, request } from "node:http";

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface StreamedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Body bytes received. */
  bytes: number;
  /** The body's last bytes (up to 4 KiB), to check how it ended without keeping the rest. */
  tail: string;
}

export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: "lifo" });
}

interface Sent {
  status: number;
  headers: IncomingHttpHeaders;
}

const TAIL_BYTES = 4_096;

function send(
  agent: Agent,
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
  onChunk: (chunk: Buffer) => void,
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body);
    const req = request({
      agent,
      host: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      method,
      headers: payload ? { ...headers, "content-length": String(payload.byteLength) } : headers,
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`no complete answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.once("error", (error) => {
      clearTimeout(timer);
      const retry = req.reusedSocket && (error as NodeJS.ErrnoException).code === "ECONNRESET";
      reject(retry ? new RetryableError(error.message) : error);
    });
    req.once("response", (res) => {
      res.on("data", onChunk);
      res.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      res.once("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      });
    });
    req.end(payload);
  });
}

class RetryableError extends Error {}

async function withRetry<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof RetryableError)) throw error;
    return attempt();
  }
}

/** Sends one request and reads the whole response body. */
export function fetchAll(
  agent: Agent,
  url: URL,
  method: string,
  headers: Record<string, string>,
  body?: string,
  timeoutMs = 30_000,
): Promise<HttpResponse> {
  return withRetry(async () => {
    const chunks: Buffer[] = [];
    const sent = await send(agent, url, method, headers, body, timeoutMs, (chunk) => chunks.push(chunk));
    return { ...sent, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks) };
  });
}

/** Sends one request and consumes the response as fast as it comes, counting bytes and keeping only the tail. */
export async function fetchCounting(
  agent: Agent,
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<StreamedResponse> {
  let bytes = 0;
  let tail: Buffer = Buffer.alloc(0);
  const sent = await send(agent, url, "POST", headers, body, timeoutMs, (chunk) => {
    bytes += chunk.byteLength;
    tail =
      chunk.byteLength >= TAIL_BYTES
        ? chunk.subarray(chunk.byteLength - TAIL_BYTES)
        : Buffer.concat([tail, chunk]).subarray(-TAIL_BYTES);
  });
  return { ...sent, bytes, tail: tail.toString("utf8") };
}
