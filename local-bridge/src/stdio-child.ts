// One stdio MCP server as a message channel, for `helmet serve`: messages go in as lines on its stdin, and each
// valid JSON-RPC line on its stdout comes out as a message. Lines that are not JSON-RPC are logged and dropped.
// Stopping it closes its stdin, then sends SIGTERM after 2 s and SIGKILL 2 s later, to its whole process group.
import { type ChildProcess, spawn } from "node:child_process";
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { redactText } from "../../src/core/detectors/detect.ts";
import { LineSplitter } from "../../src/core/line-framing.ts";
import type { Logger } from "./log.ts";
import { MAX_MESSAGE_BYTES } from "./proxy.ts";

const TERM_AFTER_STOP_MS = 2_000;
const KILL_AFTER_TERM_MS = 2_000;

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  // The group is signalled even after the server itself exited: what it started may still run.
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export class StdioChild {
  onmessage: (message: JSONRPCMessage) => void = () => {};
  onexit: () => void = () => {};
  readonly #child: ChildProcess;
  #exited = false;
  /** Settles once the server has exited and its output is read. */
  readonly closed: Promise<void>;
  #markClosed: () => void = () => {};

  constructor(command: readonly string[], env: Record<string, string>, log: Logger, label: string) {
    this.closed = new Promise((resolve) => {
      this.#markClosed = resolve;
    });
    const [file, ...args] = command as [string, ...string[]];
    this.#child = spawn(file, args, { stdio: ["pipe", "pipe", "inherit"], env, detached: true });
    const splitter = new LineSplitter(
      (line) => {
        if (line.trim() === "") return;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          value = undefined;
        }
        // The SDK's schema: the transports on the other side speak the SDK's message types.
        const parsed = JSONRPCMessageSchema.safeParse(value);
        if (!parsed.success) {
          const head = line.length > 200 ? `${line.slice(0, 200)}...` : line;
          log.info(
            `${label}: dropped a line from the server that is not JSON-RPC: ${JSON.stringify(redactText(head).text)}`,
          );
          return;
        }
        this.onmessage(parsed.data);
      },
      {
        maxLineBytes: MAX_MESSAGE_BYTES,
        onOversized: (bytes) =>
          log.info(`${label}: dropped a ${bytes}-byte message from the server: over the limit`),
      },
    );
    this.#child.stdout?.on("data", (chunk: Buffer) => splitter.push(chunk));
    this.#child.stdin?.on("error", (error) => log.debug(`${label}: server stdin: ${error.message}`));
    this.#child.on("error", (error) => log.info(`${label}: cannot start ${file}: ${error.message}`));
    this.#child.on("close", (code, signal) => {
      this.#exited = true;
      this.#markClosed();
      splitter.end();
      log.debug(`${label}: server exited (${signal ?? code})`);
      this.onexit();
    });
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** Writes one message to the server; false when it can no longer take input. */
  send(message: unknown): boolean {
    const stdin = this.#child.stdin;
    if (this.#exited || !stdin || stdin.destroyed || stdin.writableEnded) return false;
    stdin.write(`${JSON.stringify(message)}\n`);
    return true;
  }

  /** Ends the server: stdin closed now, SIGTERM after 2 s (at once when `now`), SIGKILL 2 s after that. */
  stop(now = false): void {
    if (this.#exited) return;
    this.#child.stdin?.end();
    if (now) {
      signalGroup(this.#child, "SIGTERM");
      setTimeout(() => signalGroup(this.#child, "SIGKILL"), KILL_AFTER_TERM_MS).unref();
      return;
    }
    setTimeout(() => {
      signalGroup(this.#child, "SIGTERM");
      setTimeout(() => signalGroup(this.#child, "SIGKILL"), KILL_AFTER_TERM_MS).unref();
    }, TERM_AFTER_STOP_MS).unref();
  }
}
