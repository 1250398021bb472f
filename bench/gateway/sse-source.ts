// A tiny stateless MCP server (Streamable HTTP, no session id) whose one tool, `stream`, answers with a
// text/event-stream of large notifications (about `eventBytes` each, `bytes` in all) and then the tool result.
// It exists to push big SSE bodies through the gateway at the highest rate a client can take.
//
// Run as a child process: `node bench/gateway/sse-source.ts`. It prints `{"port":N}` once listening on a free
// port of 127.0.0.1 and exits when its stdin closes (its parent is gone) or after --max-seconds.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";

const KNOWN_VERSIONS = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];
const MAX_REQUEST_BYTES = 1024 * 1024;
const MAX_STREAM_BYTES = 1024 * 1024 * 1024;

interface Rpc {
  jsonrpc?: string;
  id?: string | number | null;
  method?: string;
  params?: {
    protocolVersion?: string;
    name?: string;
    arguments?: { bytes?: number; eventBytes?: number; kind?: string };
    _meta?: { progressToken?: string | number };
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > MAX_REQUEST_BYTES) {
        req.destroy();
        reject(new Error("request too large"));
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.once("error", reject);
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const rpcError = (id: Rpc["id"], code: number, message: string) => ({
  jsonrpc: "2.0",
  id: id ?? null,
  error: { code, message },
});

/** Resolves once the socket can take more, or the client went away. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}

function clampInt(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === "number" && Number.isInteger(value)
    ? Math.min(max, Math.max(min, value))
    : fallback;
}

async function stream(res: ServerResponse, rpc: Rpc): Promise<void> {
  const args = rpc.params?.arguments ?? {};
  const total = clampInt(args.bytes, 0, MAX_STREAM_BYTES, 10 * 1024 * 1024);
  const eventBytes = clampInt(args.eventBytes, 16, 16 * 1024 * 1024, 64 * 1024);
  const progressToken = rpc.params?._meta?.progressToken;
  const progress = args.kind === "progress" && progressToken !== undefined;
  // The payload: printable ASCII that needs no JSON escaping, built once and written over and over.
  const payload = Buffer.alloc(eventBytes, "abcdefghijklmnopqrstuvwxyz0123456789");
  const messageEvent = Buffer.concat([
    Buffer.from('event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":'),
    Buffer.from('{"level":"info","logger":"bench","data":"'),
    payload,
    Buffer.from('"}}\n\n'),
  ]);
  const progressHead = (n: number) =>
    Buffer.from(
      `event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":${JSON.stringify(progressToken)},"progress":${n},"message":"`,
    );
  const progressTail = Buffer.from('"}}\n\n');

  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform" });
  let closed = false;
  res.once("close", () => {
    closed = true;
  });
  let sent = 0;
  let events = 0;
  while (sent < total && !closed) {
    let ok: boolean;
    if (progress) {
      const event = Buffer.concat([progressHead(events + 1), payload, progressTail]);
      ok = res.write(event);
      sent += event.byteLength;
    } else {
      ok = res.write(messageEvent);
      sent += messageEvent.byteLength;
    }
    events += 1;
    if (!ok) await drained(res);
  }
  if (closed) return;
  const result = {
    jsonrpc: "2.0",
    id: rpc.id ?? null,
    result: { content: [{ type: "text", text: `streamed ${sent} bytes in ${events} events` }] },
  };
  res.end(`event: message\ndata: ${JSON.stringify(result)}\n\n`);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "POST") {
    res.writeHead(405, { allow: "POST" }).end();
    return;
  }
  let rpc: Rpc;
  try {
    rpc = JSON.parse(await readBody(req)) as Rpc;
  } catch {
    json(res, 400, rpcError(null, -32700, "Parse error"));
    return;
  }
  if (rpc.id === undefined || rpc.id === null) {
    res.writeHead(202).end(); // a notification or a response
    return;
  }
  switch (rpc.method) {
    case "initialize": {
      const asked = rpc.params?.protocolVersion ?? "";
      json(res, 200, {
        jsonrpc: "2.0",
        id: rpc.id,
        result: {
          protocolVersion: KNOWN_VERSIONS.includes(asked) ? asked : "2025-06-18",
          capabilities: { tools: {} },
          serverInfo: { name: "helmet-bench-sse-source", version: "1.0.0" },
        },
      });
      return;
    }
    case "ping":
      json(res, 200, { jsonrpc: "2.0", id: rpc.id, result: {} });
      return;
    case "tools/list":
      json(res, 200, {
        jsonrpc: "2.0",
        id: rpc.id,
        result: {
          tools: [
            {
              name: "stream",
              description: "Streams `bytes` of notifications (about `eventBytes` each), then returns.",
              inputSchema: {
                type: "object",
                properties: {
                  bytes: { type: "integer" },
                  eventBytes: { type: "integer" },
                  kind: { type: "string", enum: ["message", "progress"] },
                },
              },
            },
          ],
        },
      });
      return;
    case "tools/call":
      if (rpc.params?.name !== "stream") {
        json(res, 200, rpcError(rpc.id, -32602, `Unknown tool: ${rpc.params?.name}`));
        return;
      }
      await stream(res, rpc);
      return;
    default:
      json(res, 200, rpcError(rpc.id, -32601, `Method not found: ${rpc.method}`));
  }
}

const { values } = parseArgs({ options: { "max-seconds": { type: "string", default: "900" } } });
const maxSeconds = Number(values["max-seconds"]);

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    if (!res.headersSent) json(res, 500, rpcError(null, -32603, String(error)));
    else res.destroy();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});

const exit = () => process.exit(0);
process.stdin.on("end", exit);
process.stdin.on("close", exit);
process.stdin.resume();
setTimeout(exit, (Number.isFinite(maxSeconds) ? maxSeconds : 900) * 1000).unref();
