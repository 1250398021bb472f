// The report formats of a scan, on a report full of hostile text: SARIF as GitHub code scanning reads it, CSV that
// parses back and runs no formula, Markdown that escapes, a terminal table that fits. (Schema check: test/bridge.)
import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/core/scan/finding.ts";
import { CSV_COLUMNS, neutralised, renderCsv } from "../../src/core/scan/formats/csv.ts";
import { isReportFormat, REPORT_FORMATS, renderReport } from "../../src/core/scan/formats/index.ts";
import {
  codeSpan,
  markdownParagraph,
  markdownText,
  renderMarkdown,
} from "../../src/core/scan/formats/markdown.ts";
import {
  artifactLocation,
  FINGERPRINT_KEY,
  type SarifResult,
  toSarif,
} from "../../src/core/scan/formats/sarif.ts";
import { displayWidth, renderTable, summaryLine } from "../../src/core/scan/formats/table.ts";
import { ruleInfo } from "../../src/core/scan/rule-catalog.ts";
import { definitionName, isActive } from "../../src/core/scan/scan-report.ts";
import { emptyReport, HOSTILE, hostileReport } from "./scan-report-fixture.ts";

/** A strict RFC 4180 reader: CRLF records, quoted fields with "" escapes; anything else is an error. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let cell = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error("unterminated quoted field");
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += text[i];
        i++;
      }
    } else {
      while (i < text.length && text[i] !== "," && text[i] !== "\r") {
        if (text[i] === '"' || text[i] === "\n") throw new Error(`bare ${JSON.stringify(text[i])} at ${i}`);
        cell += text[i];
        i++;
      }
    }
    row.push(cell);
    if (text[i] === ",") {
      i++;
    } else if (text.startsWith("\r\n", i)) {
      rows.push(row);
      row = [];
      i += 2;
    } else {
      throw new Error(`expected , or CRLF at ${i}`);
    }
  }
  if (row.length) throw new Error("last record has no CRLF");
  return rows;
}

/** What a code span displays, per CommonMark: the text between matching fences, one pad space stripped. */
function codeSpanContent(span: string): string {
  const fence = /^`+/.exec(span)?.[0] ?? "";
  expect(span.endsWith(fence)).toBe(true);
  const inner = span.slice(fence.length, span.length - fence.length);
  // No run of backticks inside may be as long as the fence, or the span would close there.
  for (const run of inner.match(/`+/g) ?? []) expect(run.length).not.toBe(fence.length);
  return inner.startsWith(" ") && inner.endsWith(" ") && inner.trim() !== "" ? inner.slice(1, -1) : inner;
}

const LEVEL = { critical: "error", high: "error", medium: "warning", low: "note" } as const;
const SECURITY_SEVERITY = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" } as const;

describe("SARIF", () => {
  const report = hostileReport();
  const log = toSarif(report);
  const run = log.runs[0];

  it("is one SARIF 2.1.0 run by Helmet", () => {
    expect(log.version).toBe("2.1.0");
    expect(log.$schema).toMatch(/sarif-schema-2\.1\.0\.json$/);
    expect(log.runs).toHaveLength(1);
    expect(run.tool.driver).toMatchObject({
      name: "Helmet",
      version: "0.1.0",
      informationUri: "https://github.com/helmet-mcp/helmet",
    });
    expect(run.results).toHaveLength(report.findings.length);
  });

  it("describes exactly the rules that have results, each result pointing at its own", () => {
    const ruleIds = run.tool.driver.rules.map((rule) => rule.id);
    expect(new Set(ruleIds).size).toBe(ruleIds.length);
    expect(new Set(ruleIds)).toEqual(new Set(report.findings.map((finding) => finding.ruleId)));
    for (const result of run.results) {
      expect(result.ruleId).toBeTruthy();
      expect(run.tool.driver.rules[result.ruleIndex]?.id).toBe(result.ruleId);
    }
  });

  it("fills each rule from the catalogue, with the tags and scores GitHub reads", () => {
    const rule = run.tool.driver.rules.find((r) => r.id === "tool-explicit-instruction");
    const info = ruleInfo("tool-explicit-instruction");
    expect(rule).toMatchObject({
      name: "ToolExplicitInstruction",
      shortDescription: { text: info.title },
      fullDescription: { text: info.summary },
      defaultConfiguration: { level: "error" },
    });
    expect(rule?.help.text).toContain(info.remediation.steps[0]);
    expect(rule?.help.text).toContain(info.remediation.bestPractice);
    expect(rule?.help.markdown).toContain("1. Remove the instruction");
    expect(rule?.properties.tags).toEqual([
      "security",
      "LLM01: Prompt Injection",
      "MCP03: Tool Poisoning",
      "MCP06: Intent Flow Subversion",
      "CWE-1427",
    ]);
    expect(rule?.properties.precision).toBe("medium");
    for (const descriptor of run.tool.driver.rules) {
      expect(descriptor.name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      expect(descriptor.properties["security-severity"]).toMatch(/^\d+\.\d$/);
      expect(Object.values(SECURITY_SEVERITY)).toContain(descriptor.properties["security-severity"]);
    }
  });

  it("scores a rule by the worst of its results, and describes a rule the catalogue lacks from its finding", () => {
    const homoglyph = run.tool.driver.rules.find((r) => r.id === "tool-homoglyph-name");
    expect(ruleInfo("tool-homoglyph-name").severity).toBe("high");
    expect(homoglyph?.properties["security-severity"]).toBe("9.5");
    expect(homoglyph?.defaultConfiguration.level).toBe("error");
    const custom = run.tool.driver.rules.find((r) => r.id === "custom-policy-rule");
    expect(custom).toMatchObject({ name: "CustomPolicyRule", shortDescription: { text: "Custom rule" } });
    expect(custom?.properties["security-severity"]).toBe("8.0");
  });

  it("gives each result its level, message, fingerprint and evidence", () => {
    report.findings.forEach((finding, i) => {
      const result = run.results[i] as SarifResult;
      expect(result.level).toBe(LEVEL[finding.severity]);
      expect(result.message.text).toBe(finding.description);
      expect(result.partialFingerprints).toEqual({ [FINGERPRINT_KEY]: finding.fingerprint });
      expect(result.properties.evidence).toBe(finding.match);
    });
  });

  it("puts file findings at relative, escaped URIs under %SRCROOT%, lines from 1", () => {
    const files = report.findings.flatMap((finding, i) =>
      finding.location.type === "file"
        ? [{ location: finding.location, result: run.results[i] as SarifResult }]
        : [],
    );
    expect(files.length).toBeGreaterThan(3);
    for (const { location, result } of files) {
      const physical = result.locations[0]?.physicalLocation;
      const uri = physical?.artifactLocation.uri ?? "";
      expect(physical?.artifactLocation.uriBaseId).toBe("%SRCROOT%");
      expect(uri).not.toMatch(/^[A-Za-z][A-Za-z0-9+.-]*:|^\/|\\|[\s"#?<>]/);
      expect(uri.split("/").map(decodeURIComponent).join("/")).toBe(location.path.replaceAll("\\", "/"));
      expect(physical?.region.startLine).toBe(location.line);
      expect(physical?.region.startLine).toBeGreaterThanOrEqual(1);
      expect(physical?.region.startColumn).toBe(location.column);
    }
    expect(files[0]?.result.locations[0]?.physicalLocation?.artifactLocation.uri).toBe(
      "src/config%20files/app%231.ts",
    );
    expect(files.at(-1)?.result.locations[0]?.physicalLocation?.artifactLocation.uri).toBe(
      `src/${encodeURIComponent("日本語")}/${encodeURIComponent("ファイル.ts")}`,
    );
  });

  it("writes absolute paths as file: URIs, and ./ and backslashes away", () => {
    expect(artifactLocation("/home/a b/x.ts")).toEqual({ uri: "file:///home/a%20b/x.ts" });
    expect(artifactLocation("C:\\work\\x.ts")).toEqual({ uri: "file:///C:/work/x.ts" });
    expect(artifactLocation("./src\\x.ts")).toEqual({ uri: "src/x.ts", uriBaseId: "%SRCROOT%" });
    expect(artifactLocation("a:b/\ud800.ts").uri).toBe("a%3Ab/%EF%BF%BD.ts");
  });

  it("names definitions as logical locations, on the tools file when the scan read one", () => {
    const definitions = report.findings.flatMap((finding, i) =>
      finding.location.type === "definition"
        ? [{ location: finding.location, result: run.results[i] as SarifResult }]
        : [],
    );
    const kinds = { tool: "function", prompt: "member", resource: "resource", instructions: "member" };
    for (const { location, result } of definitions) {
      const logical = result.locations[0]?.logicalLocations?.[0];
      expect(logical?.fullyQualifiedName).toBe(definitionName(location));
      expect(logical?.kind).toBe(kinds[location.kind]);
      expect(result.locations[0]?.physicalLocation).toBeUndefined();
    }
    expect(definitions[0]?.result.locations[0]?.logicalLocations?.[0]).toEqual({
      name: "get_weather",
      fullyQualifiedName: "evil-server/tool/get_weather#description",
      kind: "function",
    });

    const fromFile = toSarif(hostileReport({ kind: "tools", name: "saved/tools list.json" }));
    const firstResult = fromFile.runs[0].results[0];
    expect(firstResult?.locations[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: "saved/tools%20list.json", uriBaseId: "%SRCROOT%" },
      region: { startLine: 1 },
    });
    expect(firstResult?.locations[0]?.logicalLocations).toHaveLength(1);
  });

  it("records suppressions: false positives externally, helmet-ignore comments in source", () => {
    const byStatus = (status: Finding["status"]) =>
      run.results.filter((_, i) => report.findings[i]?.status === status);
    for (const result of [...byStatus("open"), ...byStatus("reviewed")])
      expect(result.suppressions).toBeUndefined();
    expect(byStatus("false_positive").map((r) => r.suppressions?.[0]?.kind)).toEqual(["external"]);
    const suppressed = byStatus("suppressed");
    expect(suppressed.map((r) => r.suppressions?.[0]?.kind)).toEqual(["inSource", "external"]);
    for (const result of [...suppressed, ...byStatus("false_positive")]) {
      expect(result.suppressions?.[0]?.status).toBe("accepted");
      expect(result.suppressions?.[0]?.justification).toBeTruthy();
    }
  });

  it("is a valid empty run when nothing was found", () => {
    const empty = toSarif(emptyReport());
    expect(empty.runs[0].results).toEqual([]);
    expect(empty.runs[0].tool.driver.rules).toEqual([]);
  });
});

describe("CSV", () => {
  const report = hostileReport();
  const csv = renderCsv(report);
  const rows = parseCsv(csv);

  it("parses back, header first, to the same cells", () => {
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(report.findings.length + 1);
    report.findings.forEach((finding, i) => {
      const { location } = finding;
      const expected = [
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
      ].map(neutralised);
      expect(rows[i + 1]).toEqual(expected);
    });
    const reviewed = rows[3];
    expect(reviewed?.[4]).toBe('docs\\notes, "draft".md');
    expect(reviewed?.[10]).toBe('Hidden text, "quoted",\nsecond line\r\n- third, # not a heading');
  });

  it("starts no cell with a formula character", () => {
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    const matches = rows.slice(1).map((row) => row[9]);
    expect(matches).toContain(`'${HOSTILE.formula}`);
    expect(matches).toEqual(
      expect.arrayContaining(["'+SUM(1,2)", "'@SUM(A1)", "'-2+3", "'\tTAB first", "'\rCR first"]),
    );
    expect(csv).toContain(",'=cmd|' /C calc'!A0,");
  });

  it("ends every record with CRLF and quotes only what needs it", () => {
    expect(csv.endsWith("\r\n")).toBe(true);
    expect(csv.split("\r\n")[0]).toBe(CSV_COLUMNS.join(","));
    expect(renderCsv(emptyReport())).toBe(`${CSV_COLUMNS.join(",")}\r\n`);
  });
});

describe("Markdown", () => {
  const report = hostileReport();
  const markdown = renderMarkdown(report);
  const active = report.findings.filter(isActive);

  it("escapes inline text: markup, mentions, math, list and heading starts", () => {
    expect(markdownText(HOSTILE.script)).toBe("\\<script\\>alert(1)\\</script\\>");
    expect(markdownParagraph("- item")).toBe("\\- item");
    expect(markdownParagraph("  1. item")).toBe("1\\. item");
    expect(markdownText("version 0.1.0")).toBe("version 0.1.0");
    expect(markdownText("# title @team $x$ | [a](b) *c* _d_")).toBe(
      "\\# title \\@team \\$x\\$ \\| \\[a\\](b) \\*c\\* \\_d\\_",
    );
    expect(markdownText("line\nbreak")).toBe("line break");
  });

  it("keeps code spans literal whatever backticks they hold", () => {
    for (const text of [HOSTILE.backticks, "`", "``x", "x``", " a ", "a|b", "plain"]) {
      expect(codeSpanContent(codeSpan(text))).toBe(text);
    }
    expect(codeSpan("a|b", true)).toBe("`a\\|b`");
    expect(codeSpan("")).toBe("(empty)");
  });

  it("summarises by severity, lists open findings worst first, and the silenced ones at the end", () => {
    expect(markdown).toContain("| Critical | 3 |");
    expect(markdown).toContain("| High | 1 |");
    expect(markdown).toContain("| Medium | 1 |");
    expect(markdown).toContain("| Low | 2 |");
    expect(markdown).toContain("| **Total** | **7** |");
    expect(markdown).toContain("## Critical (3)");
    expect(markdown).not.toContain("## Medium (0)");
    expect(markdown).toContain("## Suppressed and false positives (3)");
    expect(markdown.match(/^### \d+\. /gm)).toHaveLength(active.length);
    expect(markdown.indexOf("## Critical")).toBeLessThan(markdown.indexOf("## High"));
    expect(markdown).toContain(
      `1. ${markdownText(ruleInfo("tool-explicit-instruction").remediation.steps[0] ?? "")}`,
    );
    expect(markdown).toContain("**Best practice:**");
  });

  it("keeps every overview row to its five cells, whatever pipes the evidence holds", () => {
    const rows = markdown.split("\n").filter((line) => /^\| \d+ \|/.test(line));
    expect(rows).toHaveLength(active.length);
    for (const row of rows) expect(row.split(/(?<!\\)\|/)).toHaveLength(7);
  });

  it("lets no raw markup, terminal escape or reordering character through", () => {
    const outsideCode = markdown.replace(/(`+)[^`]*?\1/g, "").replace(/```[\s\S]*?```/g, "");
    expect(outsideCode).not.toMatch(/(?<!\\)<script/);
    expect(outsideCode).not.toMatch(/(?<!\\)@here/);
    for (const hidden of ["\u001b", "\u202e", "\t", "\r"]) expect(markdown).not.toContain(hidden);
    expect(markdown).toContain("<U+001B>[31mred<U+202E>evil");
  });
});

describe("table", () => {
  const report = hostileReport();
  const active = report.findings.filter(isActive);

  it.each([100, 80, 60, 40, 24, 12])("fits %i columns", (columns) => {
    for (const color of [false, true]) {
      const lines = renderTable(report, { columns, color }).trimEnd().split("\n");
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(columns);
    }
  });

  it("fits 100 columns by default, shows open findings worst first, then the summary", () => {
    const table = renderTable(report);
    const lines = table.trimEnd().split("\n");
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(100);
    expect(lines[0]).toMatch(/^SEVERITY\s+RULE\s+LOCATION\s+TITLE$/);
    const severities = lines.slice(2, 2 + active.length).map((line) => line.split(" ")[0]);
    expect(severities).toEqual(["critical", "critical", "critical", "high", "medium", "low", "low"]);
    expect(lines.at(-1)).toBe("7 findings: 3 critical, 1 high, 1 medium, 2 low (3 suppressed)");
    expect(table).toContain("src/config files/app#1.ts:12:7");
    expect(table).not.toContain("secret-generic-high-entropy");
  });

  it("cuts long locations from the front, keeping the field", () => {
    const line = renderTable(report, { columns: 80 })
      .split("\n")
      .find((l) => l.includes("Oversized description"));
    expect(line).toMatch(/…x+#description\s/);
  });

  it("colours severities only when asked, and never passes a server's escape codes through", () => {
    expect(renderTable(report)).not.toContain("\u001b");
    const coloured = renderTable(report, { color: true });
    expect(coloured).toContain("\u001b[1;31mcritical\u001b[0m");
    expect(coloured).toContain("\u001b[36mlow\u001b[0m");
    expect(coloured).not.toContain("\u001b[31mred");
    expect(coloured).not.toContain("\u202e");
  });

  it("says so when there is nothing to show", () => {
    expect(renderTable(emptyReport())).toBe("No findings\n");
    const summary = { total: 12, bySeverity: { critical: 1, high: 3, medium: 6, low: 2 } };
    expect(summaryLine({ ...emptyReport(), summary })).toBe(
      "12 findings: 1 critical, 3 high, 6 medium, 2 low",
    );
    const one = { total: 1, bySeverity: { critical: 0, high: 1, medium: 0, low: 0 } };
    expect(summaryLine({ ...emptyReport(), summary: one })).toBe("1 finding: 1 high");
  });
});

describe("renderReport", () => {
  const report = hostileReport();

  it("renders every format by name", () => {
    expect(REPORT_FORMATS).toEqual(["table", "json", "sarif", "csv", "markdown"]);
    for (const format of REPORT_FORMATS) {
      expect(isReportFormat(format)).toBe(true);
      expect(renderReport(report, format).endsWith("\n")).toBe(true);
    }
    expect(isReportFormat("xml")).toBe(false);
    expect(JSON.parse(renderReport(report, "json"))).toEqual(report);
    expect(JSON.parse(renderReport(report, "sarif"))).toEqual(toSarif(report));
    expect(renderReport(report, "csv")).toBe(renderCsv(report));
    expect(renderReport(report, "markdown")).toBe(renderMarkdown(report));
    expect(renderReport(report, "table", { columns: 60 })).toBe(renderTable(report, { columns: 60 }));
  });
});
