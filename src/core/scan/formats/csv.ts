// A scan report as RFC 4180 CSV, one finding a row, for spreadsheets and ticket imports. Cells a spreadsheet would
// read as a formula are neutralised: evidence comes from the scanned files and servers, so it is hostile input.
import { definitionName, type ScanReport } from "../scan-report.ts";

export const CSV_COLUMNS = [
  "fingerprint",
  "severity",
  "rule",
  "title",
  "location",
  "line",
  "owasp",
  "cwe",
  "status",
  "match",
  "description",
] as const;

/**
 * A cell's text that no spreadsheet evaluates: a leading `=`, `+`, `-`, `@`, tab or carriage return starts a formula
 * (or DDE command) in Excel, LibreOffice and Google Sheets, so such a cell gets a `'` in front (OWASP's advice).
 */
export function neutralised(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** One field, quoted when it holds a quote, a comma or a line break (RFC 4180 §2.6–2.7). */
function field(cell: string): string {
  const safe = neutralised(cell);
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The report's findings as CSV: a header row, then one row per finding (suppressed ones too, by status); CRLF. */
export function renderCsv(report: ScanReport): string {
  const rows: string[][] = [[...CSV_COLUMNS]];
  for (const finding of report.findings) {
    const { location } = finding;
    rows.push([
      finding.fingerprint,
      finding.severity,
      finding.ruleId,
      finding.title,
      location.type === "file" ? location.path : definitionName(location),
      location.type === "file" ? String(location.line) : "",
      finding.owasp.join("; "),
      finding.cwe.join("; "),
      finding.status,
      finding.match,
      finding.description,
    ]);
  }
  return rows.map((row) => `${row.map(field).join(",")}\r\n`).join("");
}
