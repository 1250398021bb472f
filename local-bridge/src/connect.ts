// `helmet connect <url>`: a remote Streamable HTTP MCP endpoint (such as the gateway's /mcp/NAME) on stdio, for
// clients that only speak stdio. Lines from stdin are sent with the MCP SDK's Streamable HTTP client transport,
// which keeps the session id, opens the server-to-client GET stream, and resumes a broken SSE stream with
// Last-Event-ID; what comes back is written to stdout, a message per line. The token goes as a bearer header.
import type { Readable, Writable } from "node:stream";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { redactText } from "../../src/core/detectors/detect.ts";
import { LineSplitter } from "../../src/core/line-framing.ts";
import type { Logger } from "./log.ts";
import { MAX_MESSAGE_BYTES } from "./proxy.ts";

/** How long answers to requests still in flight are awaited once the client has closed stdin. */
const ANSWER_GRACE_MS = 10_000;

/** JSON-RPC code for a request the bridge could not deliver (outside the spec's reserved range). */
const NOT_DELIVERED = -31002;

export interface ConnectIo {
  input: Readable;
  output: Writable;
}

type Message = { jsonrpc?: unknown; id?: unknown; method?: unknown; result?: unknown };

/** Relays between stdio and the endpoint until the client closes stdin or the connection ends for good. */
export function runConnect(
  url: URL,
  options: { token: string | null },
  log: Logger,
  io: ConnectIo = { input: process.stdin, output: process.stdout },
): Promise<number> {
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: options.token ? { headers: { authorization: `Bearer ${options.token}` } } : {},
    reconnectionOptions: {
      initialReconnectionDelay: 500,
      maxReconnectionDelay: 10_000,
      reconnectionDelayGrowFactor: 1.5,
      maxRetries: 10,
    },
  });
  const write = (message: unknown) => {
    io.output.write(`${JSON.stringify(message)}\n`);
  };
  /** Initialize requests in flight: their answer says which protocol version later requests must name. */
  const initializing = new Set<string>();
  /** Requests sent and not yet answered: at the end of input, their answers are still awaited (a while). */
  const pending = new Set<string>();
  let settleDrained: () => void = () => {};

  return new Promise<number>((resolve) => {
    let settled = false;
    const finish = (status: number) => {
      if (settled) return;
      settled = true;
      io.input.pause();
      resolve(status);
    };

    transport.onmessage = (message: JSONRPCMessage) => {
      const { id, result, method } = message as Message;
      if (id !== undefined && method === undefined && pending.delete(String(id)) && pending.size === 0) {
        settleDrained();
      }
      if (id !== undefined && initializing.delete(String(id))) {
        const version = (result as { protocolVersion?: unknown } | undefined)?.protocolVersion;
        if (typeof version === "string") transport.setProtocolVersion(version);
      }
      write(message);
    };
    transport.onerror = (error: Error) => {
      log.info(`connection to ${url.origin}: ${redactText(error.message).text}`);
    };
    transport.onclose = () => finish(0);

    const deliver = (message: Message) => {
      if (message.method === "initialize" && message.id !== undefined) initializing.add(String(message.id));
      const isRequest =
        typeof message.method === "string" &&
        (typeof message.id === "string" || typeof message.id === "number");
      if (isRequest) pending.add(String(message.id));
      transport.send(message as JSONRPCMessage).catch((error: unknown) => {
        const reason = redactText(error instanceof Error ? error.message : String(error)).text;
        log.info(
          `could not send ${typeof message.method === "string" ? message.method : "a response"}: ${reason}`,
        );
        // A request that cannot be delivered is answered here, so the client does not wait forever.
        if (
          typeof message.method === "string" &&
          (typeof message.id === "string" || typeof message.id === "number")
        ) {
          pending.delete(String(message.id));
          if (pending.size === 0) settleDrained();
          write({
            jsonrpc: "2.0",
            id: message.id,
            error: { code: NOT_DELIVERED, message: `helmet connect: ${reason}` },
          });
        }
      });
    };

    const splitter = new LineSplitter(
      (line) => {
        if (line.trim() === "") return;
        let message: Message;
        try {
          message = JSON.parse(line) as Message;
        } catch {
          log.info(`dropped a line from the client that is not JSON (${line.length} chars)`);
          return;
        }
        deliver(message);
      },
      {
        maxLineBytes: MAX_MESSAGE_BYTES,
        onOversized: (bytes) => log.info(`dropped a ${bytes}-byte message from the client: over the limit`),
      },
    );

    transport
      .start()
      .then(() => {
        io.input.on("data", (chunk: Buffer) => splitter.push(chunk));
        io.input.on("end", async () => {
          splitter.end();
          // Answers to what the client sent last still go out, for up to ANSWER_GRACE_MS.
          if (pending.size > 0) {
            const drained = new Promise<void>((resolve) => {
              settleDrained = resolve;
            });
            await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, ANSWER_GRACE_MS))]);
          }
          // The client is gone: end the session on the server (when it lets us), then the connection.
          transport
            .terminateSession()
            .catch((error: unknown) => log.debug(`ending the session: ${String(error)}`))
            .finally(() => {
              transport.close().finally(() => finish(0));
            });
        });
      })
      .catch((error: unknown) => {
        log.info(`cannot connect to ${url.href}: ${error instanceof Error ? error.message : String(error)}`);
        finish(1);
      });
  });
}
