// Proxy mode: `helmet <command>` runs the MCP server as a child and relays newline-delimited JSON-RPC between the
// client (our stdin/stdout) and the server (its stdin/stdout), a line at a time, with backpressure both ways.
// What the server prints to stdout that is not JSON is logged and dropped (stdout is the protocol); its stderr
// passes through. Signals go to the server's process group; its exit code becomes ours. When the client closes
// our stdin, the server's stdin is closed, then SIGTERM follows after 2 s and SIGKILL 2 s later.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { constants } from "node:os";
import type { Readable, Writable } from "node:stream";
import { redactText } from "../../src/core/detectors/detect.ts";
import { LineSplitter } from "../../src/core/line-framing.ts";
import { redactForLog } from "../../src/core/log-excerpt.ts";
import { childEnvironment } from "./child-env.ts";
import { withContainerEnv } from "./container-env.ts";
import type { Logger } from "./log.ts";
import { formatMetrics, ProxyMetrics } from "./metrics.ts";
// A type only: the monitor (and the policy engine it brings) loads only in gateway mode.
import type { Monitor } from "./monitor.ts";

/** The longest message relayed; a longer line is dropped (and logged), never buffered without bound. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const TERM_AFTER_EOF_MS = 2_000;
const KILL_AFTER_TERM_MS = 2_000;
const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

type Direction = "client_to_server" | "server_to_client";

export interface ProxyIo {
  input: Readable;
  output: Writable;
}

/** Up to 200 characters of a dropped line, with secrets redacted: enough to see what polluted the stream. */
function preview(line: string): string {
  const head = line.length > 200 ? `${line.slice(0, 200)}...` : line;
  return JSON.stringify(redactText(head).text);
}

/**
 * Relays complete lines from `from` to `to`, pausing `from` while `to` is full. `accept` decides per line what is
 * written (null drops it).
 */
function relayLines(
  from: Readable,
  to: Writable,
  accept: (line: string) => string | null,
  onOversized: (bytes: number) => void,
): LineSplitter {
  let waiting = false;
  const splitter = new LineSplitter(
    (line) => {
      const out = accept(line);
      if (out === null || to.destroyed || to.writableEnded) return;
      // The rest of the chunk at hand is still written; reading stops until the pipe drains.
      if (!to.write(`${out}\n`) && !waiting) {
        waiting = true;
        from.pause();
        to.once("drain", () => {
          waiting = false;
          from.resume();
        });
      }
    },
    { maxLineBytes: MAX_MESSAGE_BYTES, onOversized },
  );
  from.on("data", (chunk: Buffer) => splitter.push(chunk));
  return splitter;
}

/** The exit status a shell would report for the child: its code, or 128 + the signal that ended it. */
function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal ? constants.signals[signal] : undefined;
  return 128 + (number ?? 0);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  // The group is signalled even after the direct child has exited: what it started may still hold the pipes.
  if (child.pid === undefined) return;
  try {
    // The child leads its own process group: the whole tree it started (an `npx` chain, say) gets the signal.
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

/** Runs the server and relays until it exits; resolves with the exit status Helmet should exit with. */
export function runProxy(
  command: readonly string[],
  options: {
    logFile: string | null;
    passEnv: readonly string[];
    metricsIntervalMs: number;
    /** Gateway mode: policies enforced and events recorded by the monitor. */
    monitor?: Monitor | null;
  },
  log: Logger,
  io: ProxyIo = { input: process.stdin, output: process.stdout },
): Promise<number> {
  const env = childEnvironment(process.env);
  const [file, ...args] = withContainerEnv(command, env, options.passEnv) as [string, ...string[]];
  if (args.length > command.length - 1) log.debug(`container command: ${[file, ...args].join(" ")}`);
  const child = spawn(file, args, { stdio: ["pipe", "pipe", "inherit"], env, detached: true });
  const protocolLog: WriteStream | null = options.logFile
    ? createWriteStream(options.logFile, { flags: "a", mode: 0o600 })
    : null;
  protocolLog?.on("error", (error) => {
    log.info(`cannot write the protocol log ${options.logFile}: ${error.message}`);
  });
  const record = (direction: Direction, message: unknown) => {
    if (!protocolLog) return;
    const entry = { ts: new Date().toISOString(), direction, message: redactForLog(message) };
    protocolLog.write(`${JSON.stringify(entry)}\n`);
  };

  const metrics = new ProxyMetrics();
  /** Logs the interval's figures, when anything passed. */
  const reportMetrics = () => {
    const snapshot = metrics.snapshot();
    if (snapshot.calls === 0 && snapshot.bytesIn === 0 && snapshot.bytesOut === 0) return;
    log.info(formatMetrics(snapshot));
    options.monitor?.reportMetrics(snapshot);
  };

  /** A line is relayed when it is JSON; anything else on a protocol stream is logged and dropped. */
  const accept = (direction: Direction) => (line: string) => {
    if (line.trim() === "") return null;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      const from = direction === "server_to_client" ? "the server's stdout" : "the client";
      log.info(`dropped a line from ${from} that is not JSON (${line.length} chars): ${preview(line)}`);
      return null;
    }
    if (log.debugging) {
      const method = (message as { method?: unknown } | null)?.method;
      log.debug(
        `${direction === "client_to_server" ? "->" : "<-"} ${typeof method === "string" ? method : "response"}`,
      );
    }
    record(direction, message);
    const bytes = Buffer.byteLength(line) + 1;
    const monitor = options.monitor;
    if (!monitor) {
      if (direction === "client_to_server") metrics.fromClient(message, bytes);
      else metrics.fromServer(message, bytes);
      return line;
    }
    // Gateway mode: what is not one JSON-RPC message cannot be judged, so it does not pass.
    const parsed = monitor.parse(message);
    if (!parsed) {
      log.info(
        `dropped a ${direction} line that is not a single JSON-RPC message (batches are not judged yet)`,
      );
      return null;
    }
    if (direction === "server_to_client") {
      metrics.fromServer(message, bytes);
      const outcome = monitor.fromServer(parsed, bytes);
      // A server request a policy withheld from the client is declined to the server here.
      for (const reply of outcome.toServer) child.stdin?.write(`${JSON.stringify(reply)}\n`);
      if (outcome.forward === null) return null;
      return outcome.forward === parsed ? line : JSON.stringify(outcome.forward);
    }
    const outcome = monitor.fromClient(parsed, bytes);
    if (outcome.reply !== null && outcome.reply !== undefined)
      io.output.write(`${JSON.stringify(outcome.reply)}\n`);
    if (outcome.forward === null) return null;
    // Only what reaches the server is timed: a request refused here is never answered by it.
    metrics.fromClient(message, bytes);
    return outcome.forward === parsed ? line : JSON.stringify(outcome.forward);
  };
  const oversized = (direction: Direction) => (bytes: number) => {
    log.info(`dropped a ${bytes}-byte message (${direction}): over the ${MAX_MESSAGE_BYTES}-byte limit`);
  };

  return new Promise<number>((resolve) => {
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const metricsTimer = setInterval(reportMetrics, options.metricsIntervalMs).unref();
    const onSignal = (signal: NodeJS.Signals) => signalGroup(child, signal);
    for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);
    const finish = (status: number) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      clearInterval(metricsTimer);
      reportMetrics();
      for (const signal of FORWARDED_SIGNALS) process.off(signal, onSignal);
      io.input.pause();
      protocolLog?.end();
      resolve(status);
    };

    child.on("error", (error: NodeJS.ErrnoException) => {
      log.info(`cannot start ${file}: ${error.message}`);
      finish(error.code === "ENOENT" ? 127 : 126);
    });
    child.on("exit", () => {
      // The server is gone, but what it started may still hold its stdout open (and so keep "close" from firing):
      // the rest of its process group gets SIGTERM after 2 s, SIGKILL 2 s later.
      timers.push(
        setTimeout(() => {
          signalGroup(child, "SIGTERM");
          timers.push(setTimeout(() => signalGroup(child, "SIGKILL"), KILL_AFTER_TERM_MS).unref());
        }, TERM_AFTER_EOF_MS).unref(),
      );
    });
    child.on("close", (code, signal) => {
      clientSplitter.end();
      serverSplitter.end();
      finish(exitStatus(code, signal));
    });

    if (!child.stdin || !child.stdout) {
      finish(1);
      return;
    }
    const toServer = child.stdin;
    // The client went away or the server stopped reading: nothing more can be delivered that way.
    toServer.on("error", (error) => log.debug(`server stdin: ${error.message}`));
    io.output.on("error", (error) => log.debug(`client stdout: ${error.message}`));
    const clientSplitter = relayLines(
      io.input,
      toServer,
      accept("client_to_server"),
      oversized("client_to_server"),
    );
    const serverSplitter = relayLines(
      child.stdout,
      io.output,
      accept("server_to_client"),
      oversized("server_to_client"),
    );
    io.input.on("end", () => {
      clientSplitter.end();
      toServer.end();
      log.debug("the client closed stdin; stopping the server");
      timers.push(
        setTimeout(() => {
          signalGroup(child, "SIGTERM");
          timers.push(setTimeout(() => signalGroup(child, "SIGKILL"), KILL_AFTER_TERM_MS).unref());
        }, TERM_AFTER_EOF_MS).unref(),
      );
    });
  });
}
