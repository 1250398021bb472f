// A scan report as a terminal table for `helmet scan`: severity, rule, location and title of each open finding,
// fitted to the terminal's width, then a one-line summary. Names from scanned servers cannot drive the terminal.
import { SEVERITIES, type Severity } from "../finding.ts";
import { isActive, locationText, printable, type ScanReport, worstFirst } from "../scan-report.ts";

export interface TableOptions {
  /** The terminal's width in columns; 100 when not given. */
  columns?: number;
  /** ANSI colour by severity (for a TTY). */
  color?: boolean;
}

const COLORS: Record<Severity, string> = {
  critical: "\u001b[1;31m",
  high: "\u001b[31m",
  medium: "\u001b[33m",
  low: "\u001b[36m",
};
const BOLD = "\u001b[1m";
const RESET = "\u001b[0m";
const GAP = "  ";
const HEADERS = ["SEVERITY", "RULE", "LOCATION", "TITLE"];
/** Below these widths a column is not shrunk further (severity never: "critical" fits). */
const MIN_WIDTHS = [8, 10, 12, 12];

/** `text` without the colour codes this table writes (any other escape in a cell was made printable). */
function stripAnsi(text: string): string {
  let plain = text;
  for (const code of [...Object.values(COLORS), BOLD, RESET]) plain = plain.replaceAll(code, "");
  return plain;
}

/** Columns a code point takes in a terminal: 0 for combining marks, 2 for East Asian wide and emoji, else 1. */
function charWidth(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if (/\p{M}/u.test(char)) return 0;
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x20000 && code <= 0x3fffd) ||
    /\p{Emoji_Presentation}/u.test(char)
  ) {
    return 2;
  }
  return 1;
}

/** How many terminal columns `text` takes, ANSI colour codes aside. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of stripAnsi(text)) width += charWidth(char);
  return width;
}

/** `text` cut to `width` columns with an ellipsis, keeping its start (or its end, for locations). */
function clip(text: string, width: number, keepEnd = false): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return "";
  const chars = Array.from(text);
  if (keepEnd) chars.reverse();
  let kept = "";
  let used = 1;
  for (const char of chars) {
    const w = charWidth(char);
    if (used + w > width) break;
    kept = keepEnd ? char + kept : kept + char;
    used += w;
  }
  return keepEnd ? `…${kept}` : `${kept}…`;
}

/** Column widths: each column's widest cell, the widest shrunk first until the row fits `columns`. */
function widths(rows: readonly string[][], columns: number): number[] {
  const natural = HEADERS.map((header, i) =>
    Math.max(...rows.map((row) => displayWidth(row[i] ?? "")), header.length),
  );
  const fitted = [...natural];
  const available = columns - GAP.length * (HEADERS.length - 1);
  let total = fitted.reduce((sum, width) => sum + width, 0);
  while (total > available) {
    let widest = -1;
    for (let i = 1; i < fitted.length; i++) {
      const width = fitted[i] ?? 0;
      if (width > (MIN_WIDTHS[i] ?? 0) && (widest < 0 || width > (fitted[widest] ?? 0))) widest = i;
    }
    if (widest < 0) break;
    fitted[widest] = (fitted[widest] ?? 1) - 1;
    total--;
  }
  return fitted;
}

/** Word-wrapped to `columns`, for the summary line in a narrow terminal. */
function wrap(text: string, columns: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && displayWidth(`${line} ${word}`) > columns) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** "12 findings: 1 critical, 3 high, 6 medium, 2 low", and how many more are suppressed. */
export function summaryLine(report: ScanReport): string {
  const { total, bySeverity } = report.summary;
  const silenced = report.findings.filter((finding) => !isActive(finding)).length;
  const counts = SEVERITIES.filter((severity) => bySeverity[severity] > 0).map(
    (severity) => `${bySeverity[severity]} ${severity}`,
  );
  const head =
    total === 0 ? "No findings" : `${total} ${total === 1 ? "finding" : "findings"}: ${counts.join(", ")}`;
  return silenced ? `${head} (${silenced} suppressed)` : head;
}

/** The open findings as a table fitted to `columns`, worst first, then the summary line; ends with a newline. */
export function renderTable(report: ScanReport, options: TableOptions = {}): string {
  const columns = Math.floor(options.columns ?? 100);
  const color = options.color ?? false;
  const findings = worstFirst(report.findings.filter(isActive));
  const lines: string[] = [];
  if (findings.length) {
    const rows = findings.map((finding) => [
      finding.severity,
      printable(finding.ruleId),
      printable(locationText(finding.location)),
      printable(finding.title),
    ]);
    const fitted = widths(rows, columns);
    // Cells are cut and padded as plain text, then painted, so colour codes never count towards the width.
    const render = (cells: readonly string[], paint: (cell: string, i: number) => string) =>
      cells
        .map((cell, i) => {
          const width = fitted[i] ?? 0;
          const text = clip(cell, width, i === 2);
          const padding = i === cells.length - 1 ? "" : " ".repeat(Math.max(0, width - displayWidth(text)));
          return paint(text, i) + padding;
        })
        .join(GAP);
    lines.push(render(HEADERS, (cell) => (color ? `${BOLD}${cell}${RESET}` : cell)));
    const ruled = fitted.reduce((sum, width) => sum + width, 0) + GAP.length * (fitted.length - 1);
    lines.push("─".repeat(Math.min(ruled, columns)));
    findings.forEach((finding, row) => {
      const cells = rows[row] ?? [];
      lines.push(
        render(cells, (cell, i) => (color && i === 0 ? `${COLORS[finding.severity]}${cell}${RESET}` : cell)),
      );
    });
    lines.push("");
  }
  lines.push(...wrap(summaryLine(report), columns));
  // A terminal narrower than the narrowest table still gets lines that do not wrap.
  const fitting = lines.map((line) => (displayWidth(line) > columns ? clip(stripAnsi(line), columns) : line));
  return `${fitting.join("\n")}\n`;
}
