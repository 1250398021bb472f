// A scan report in Markdown for people (a pull request comment, a ticket, a file): summary by severity, an overview
// table, then each finding with its evidence and how to fix it. Text from scanned servers is escaped throughout.
import { type Remediation, SEVERITIES, type Severity } from "../finding.ts";
import {
  definitionName,
  isActive,
  locationText,
  owaspLabel,
  printable,
  type ScanReport,
  worstFirst,
} from "../scan-report.ts";

const SEVERITY_NAMES: Record<Severity, string> = {
  critical: "Critical",
  high: "High",
  medium: "Medium",
  low: "Low",
};

/** Evidence longer than this is cut in the overview table; the finding's own section shows all of it. */
const TABLE_EVIDENCE = 80;

/**
 * `text` as literal Markdown inline text on one line: the characters CommonMark and GFM give meaning to are
 * backslash-escaped, with `$` for GitHub's math and `@` for its mentions.
 */
export function markdownText(text: string): string {
  return printable(text).replace(/[\\`*_[\]<>|~&#!$@]/g, "\\$&");
}

/** `text` as a paragraph of its own: inline-escaped, and a start that would make a list or code block defused. */
export function markdownParagraph(text: string): string {
  return markdownText(text)
    .trim()
    .replace(/^[-+=]/, "\\$&")
    .replace(/^(\d+)([.)])/, "$1\\$2");
}

/**
 * `text` as a code span, literal whatever it holds: the backtick fence is longer than any run of backticks inside,
 * and padded when the text starts or ends with one. In a table cell (`inTable`) a pipe would end the cell even
 * inside a code span, so it is escaped there; elsewhere `\|` would show its backslash.
 */
export function codeSpan(text: string, inTable = false): string {
  let content = printable(text);
  if (content === "") return "(empty)";
  if (inTable) content = content.replaceAll("|", "\\|");
  const longest = Math.max(0, ...Array.from(content.matchAll(/`+/g), (run) => run[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(content) && content.trim() !== "" ? " " : "";
  return `${fence}${pad}${content}${pad}${fence}`;
}

/** A fenced code block that no line of `text` can close early. */
export function codeBlock(text: string): string {
  const content = printable(text, true);
  const longest = Math.max(0, ...Array.from(content.matchAll(/`+/g), (run) => run[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}\n${content}\n${fence}`;
}

function link(reference: string): string {
  return /^https?:\/\/[^\s<>()[\]`|]+$/.test(reference)
    ? `[${reference}](${reference})`
    : markdownText(reference);
}

/** Steps, best practice, example and references, as Markdown blocks. */
export function remediationMarkdown(remediation: Remediation): string[] {
  const blocks = [
    remediation.steps.map((step, i) => `${i + 1}. ${markdownText(step)}`).join("\n"),
    `**Best practice:** ${markdownText(remediation.bestPractice)}`,
  ];
  if (remediation.example !== undefined) blocks.push(`**Example:**\n\n${codeBlock(remediation.example)}`);
  if (remediation.references?.length) {
    blocks.push(`**References:**\n\n${remediation.references.map((ref) => `- ${link(ref)}`).join("\n")}`);
  }
  return blocks;
}

function cut(text: string, limit: number): string {
  const chars = Array.from(text);
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join("")}…`;
}

function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function scope(stats: NonNullable<ScanReport["stats"]>): string | null {
  const parts: string[] = [];
  if (stats.files !== undefined) {
    parts.push(`${stats.files} files${stats.bytes === undefined ? "" : ` (${byteSize(stats.bytes)})`}`);
  } else if (stats.bytes !== undefined) parts.push(byteSize(stats.bytes));
  if (stats.skipped) parts.push(`${stats.skipped} skipped`);
  if (stats.definitions !== undefined) parts.push(`${stats.definitions} definitions`);
  return parts.length ? parts.join(", ") : null;
}

function header(report: ScanReport): string[] {
  const lines = [
    "# Helmet scan report",
    "",
    `- **Target:** ${report.target.kind} ${codeSpan(report.target.name)}`,
    `- **Scanned:** ${markdownText(report.startedAt)} to ${markdownText(report.finishedAt)}`,
    `- **Helmet:** ${markdownText(report.tool.version)}`,
  ];
  const scanned = report.stats ? scope(report.stats) : null;
  if (scanned) lines.push(`- **Scope:** ${scanned}`);
  return lines;
}

/** The report as Markdown (GitHub-flavoured: tables), ending with a newline. */
export function renderMarkdown(report: ScanReport): string {
  const active = worstFirst(report.findings.filter(isActive));
  const silenced = report.findings.filter((finding) => !isActive(finding));
  const out = header(report);

  out.push("", "## Summary", "", "| Severity | Findings |", "| :-- | --: |");
  for (const severity of SEVERITIES) {
    out.push(`| ${SEVERITY_NAMES[severity]} | ${report.summary.bySeverity[severity]} |`);
  }
  out.push(`| **Total** | **${report.summary.total}** |`);
  if (silenced.length) {
    out.push(
      "",
      `${silenced.length} more ${silenced.length === 1 ? "finding is" : "findings are"} suppressed or marked a false positive; see the end of the report.`,
    );
  }
  if (!active.length) {
    out.push("", "No open findings.");
  } else {
    out.push("", "| # | Severity | Title | Location | Evidence |", "| --: | :-- | :-- | :-- | :-- |");
    active.forEach((finding, i) => {
      out.push(
        `| ${i + 1} | ${SEVERITY_NAMES[finding.severity]} | ${markdownText(finding.title)} | ${codeSpan(locationText(finding.location), true)} | ${codeSpan(cut(finding.match, TABLE_EVIDENCE), true)} |`,
      );
    });
  }

  let number = 0;
  for (const severity of SEVERITIES) {
    const group = active.filter((finding) => finding.severity === severity);
    if (!group.length) continue;
    out.push("", `## ${SEVERITY_NAMES[severity]} (${group.length})`);
    for (const finding of group) {
      number++;
      const where =
        finding.location.type === "file"
          ? `${codeSpan(finding.location.path)}, line ${finding.location.line}, column ${finding.location.column}`
          : codeSpan(definitionName(finding.location));
      const classes = [
        finding.owasp.length
          ? `**OWASP:** ${finding.owasp.map((id) => markdownText(owaspLabel(id))).join("; ")}`
          : "",
        finding.cwe.length ? `**CWE:** ${finding.cwe.map(markdownText).join(", ")}` : "",
      ].filter(Boolean);
      out.push(
        "",
        `### ${number}. ${markdownText(finding.title)}`,
        "",
        `- **Rule:** ${codeSpan(finding.ruleId)}`,
        `- **Location:** ${where}`,
        `- **Evidence:** ${codeSpan(finding.match)}`,
        ...(classes.length ? [`- ${classes.join(" · ")}`] : []),
        `- **Status:** ${markdownText(finding.status.replace("_", " "))} · **Fingerprint:** ${codeSpan(finding.fingerprint)}`,
        "",
        markdownParagraph(finding.description),
        "",
        "**How to fix:**",
        "",
        remediationMarkdown(finding.remediation).join("\n\n"),
      );
    }
  }

  if (silenced.length) {
    out.push("", `## Suppressed and false positives (${silenced.length})`, "");
    for (const finding of silenced) {
      out.push(
        `- ${markdownText(finding.title)} (${codeSpan(finding.ruleId)}) at ${codeSpan(locationText(finding.location))}: ${finding.status === "false_positive" ? "false positive" : "suppressed"}`,
      );
    }
  }
  return `${out.join("\n")}\n`;
}
