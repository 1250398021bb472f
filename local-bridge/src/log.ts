// Helmet's own output: one line per event on stderr (stdout carries the protocol only), prefixed so it stands
// apart from the server's stderr, which passes through unchanged.
export type LogLevel = "INFO" | "DEBUG";

export interface Logger {
  info(text: string): void;
  debug(text: string): void;
  readonly debugging: boolean;
}

export function stderrLogger(level: LogLevel): Logger {
  const write = (text: string) => {
    process.stderr.write(`[helmet] ${text}\n`);
  };
  return {
    info: write,
    debug: level === "DEBUG" ? write : () => {},
    debugging: level === "DEBUG",
  };
}
