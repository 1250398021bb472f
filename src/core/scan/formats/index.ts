// The formats a scan report renders to, behind one call: `helmet scan --format` and the scans API pick one by name.
import type { ScanReport } from "../scan-report.ts";
import { renderCsv } from "./csv.ts";
import { renderMarkdown } from "./markdown.ts";
import { renderSarif } from "./sarif.ts";
import { renderTable, type TableOptions } from "./table.ts";

export const REPORT_FORMATS = ["table", "json", "sarif", "csv", "markdown"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Options of the formats that take any (the table's width and colour). */
export type RenderOptions = TableOptions;

export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

/** The media type to serve or save each format with. */
export const REPORT_MEDIA_TYPES: Record<ReportFormat, string> = {
  table: "text/plain; charset=utf-8",
  json: "application/json",
  sarif: "application/sarif+json",
  csv: "text/csv; charset=utf-8; header=present",
  markdown: "text/markdown; charset=utf-8",
};

/** The report in `format`, ending with a newline (CSV rows end with CRLF, as RFC 4180 has it). */
export function renderReport(report: ScanReport, format: ReportFormat, options: RenderOptions = {}): string {
  switch (format) {
    case "table":
      return renderTable(report, options);
    case "json":
      return `${JSON.stringify(report, null, 2)}\n`;
    case "sarif":
      return renderSarif(report);
    case "csv":
      return renderCsv(report);
    case "markdown":
      return renderMarkdown(report);
  }
}
