// A scan report as SARIF 2.1.0, the log GitHub code scanning (and most security dashboards) import: one run, a rule
// descriptor per rule with results, and per result a level, a location and a stable partial fingerprint.
import type { DetectionMethod, Finding, FindingLocation, Remediation, Severity } from "../finding.ts";
import { RULES, type RuleInfo } from "../rule-catalog.ts";
import { definitionName, isActive, owaspLabel, type ScanReport, worstFirst } from "../scan-report.ts";
import { markdownParagraph, remediationMarkdown } from "./markdown.ts";

export const SARIF_SCHEMA =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json";
export const HELMET_INFORMATION_URI = "https://github.com/helmet-mcp/helmet";
/** The key of Helmet's fingerprint in `partialFingerprints`; bump the version if fingerprints ever change. */
export const FINGERPRINT_KEY = "helmet/v1";

export type SarifLevel = "error" | "warning" | "note";

export interface SarifMessage {
  text: string;
  markdown?: string;
}

export interface SarifReportingDescriptor {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  help: SarifMessage;
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[]; precision: string; "security-severity": string };
}

export interface SarifArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

export interface SarifLocation {
  physicalLocation?: {
    artifactLocation: SarifArtifactLocation;
    region: { startLine: number; startColumn?: number };
  };
  logicalLocations?: { name?: string; fullyQualifiedName: string; kind: string }[];
}

export interface SarifSuppression {
  kind: "inSource" | "external";
  status: "accepted";
  justification: string;
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: SarifLocation[];
  partialFingerprints: Record<string, string>;
  suppressions?: SarifSuppression[];
  properties: {
    severity: Severity;
    evidence: string;
    owasp: string[];
    cwe: string[];
    status: Finding["status"];
  };
}

export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: [
    {
      tool: {
        driver: {
          name: string;
          version: string;
          semanticVersion: string;
          informationUri: string;
          rules: SarifReportingDescriptor[];
        };
      };
      invocations: { executionSuccessful: boolean; startTimeUtc: string; endTimeUtc: string }[];
      results: SarifResult[];
      properties: { target: ScanReport["target"]; stats?: ScanReport["stats"] };
    },
  ];
}

const LEVELS: Record<Severity, SarifLevel> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
};

/** GitHub ranks alerts by this score (CVSS-like, 0.0–10.0): over 9.0 critical, 7.0 high, 4.0 medium, else low. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
};

/** How often a rule of this method is right when it fires (SARIF's `precision` property, read by GitHub). */
const PRECISION: Record<DetectionMethod, string> = {
  rule: "high",
  schema_check: "high",
  unicode_check: "high",
  comparison: "very-high",
  entropy: "medium",
  heuristic: "medium",
  dataflow: "high",
};

/** "tool-explicit-instruction" → "ToolExplicitInstruction". */
export function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join("");
}

/** A rule's catalogue entry, or one made from its finding for a rule the catalogue does not know. */
function ruleFor(finding: Finding): RuleInfo {
  return (
    RULES.get(finding.ruleId) ?? {
      id: finding.ruleId,
      title: finding.title,
      summary: finding.description,
      severity: finding.severity,
      detection: finding.detection,
      owasp: [],
      cwe: finding.cwe,
      remediation: finding.remediation,
    }
  );
}

function helpText(summary: string, remediation: Remediation): string {
  const parts = [
    summary,
    `How to fix:\n${remediation.steps.map((step, i) => `${i + 1}. ${step}`).join("\n")}`,
  ];
  parts.push(`Best practice: ${remediation.bestPractice}`);
  if (remediation.example !== undefined) parts.push(`Example:\n${remediation.example}`);
  if (remediation.references?.length) parts.push(`References:\n${remediation.references.join("\n")}`);
  return parts.join("\n\n");
}

function descriptor(rule: RuleInfo, findings: readonly Finding[]): SarifReportingDescriptor {
  const owasp = rule.owasp.length
    ? [...rule.owasp]
    : [...new Set(findings.flatMap((finding) => finding.owasp))];
  // GitHub reads the score from the rule only: the worst severity of this rule's results that count, so a finding
  // raised above its rule's usual severity is not under-reported.
  const counted = findings.filter(isActive);
  const worst = worstFirst(counted.length ? counted : findings)[0]?.severity ?? rule.severity;
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.summary },
    help: {
      text: helpText(rule.summary, rule.remediation),
      markdown: [
        markdownParagraph(rule.summary),
        "**How to fix:**",
        ...remediationMarkdown(rule.remediation),
      ].join("\n\n"),
    },
    defaultConfiguration: { level: LEVELS[rule.severity] },
    properties: {
      tags: ["security", ...owasp.map(owaspLabel), ...rule.cwe],
      precision: PRECISION[rule.detection],
      "security-severity": SECURITY_SEVERITY[worst],
    },
  };
}

/**
 * A file path as a SARIF artifact location: relative paths with forward slashes, each segment percent-encoded, under
 * `%SRCROOT%` (GitHub resolves that to the repository root); an absolute path as a `file:` URI.
 */
export function artifactLocation(path: string): SarifArtifactLocation {
  const slashed = path.replaceAll("\\", "/");
  // encodeURIComponent throws on a lone surrogate, which a JSON-escaped name can carry.
  const encode = (segments: string) =>
    segments
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd")
      .split("/")
      .map(encodeURIComponent)
      .join("/");
  const drive = /^[A-Za-z]:\//.exec(slashed);
  if (drive) return { uri: `file:///${drive[0]}${encode(slashed.slice(drive[0].length))}` };
  if (slashed.startsWith("/")) return { uri: `file://${encode(slashed)}` };
  return { uri: encode(slashed.replace(/^(?:\.\/)+/, "")), uriBaseId: "%SRCROOT%" };
}

const LOGICAL_KINDS: Record<Extract<FindingLocation, { type: "definition" }>["kind"], string> = {
  tool: "function",
  prompt: "member",
  resource: "resource",
  instructions: "member",
};

function locations(finding: Finding, report: ScanReport): SarifLocation[] {
  const { location } = finding;
  if (location.type === "file") {
    return [
      {
        physicalLocation: {
          artifactLocation: artifactLocation(location.path),
          region: { startLine: location.line, startColumn: location.column },
        },
      },
    ];
  }
  const place: SarifLocation = {
    logicalLocations: [
      {
        ...(location.name === undefined ? {} : { name: location.name }),
        fullyQualifiedName: definitionName(location),
        kind: LOGICAL_KINDS[location.kind],
      },
    ],
  };
  // Definitions read from a saved tools file can be shown on that file (GitHub needs a physical location).
  if (report.target.kind === "tools") {
    place.physicalLocation = {
      artifactLocation: artifactLocation(report.target.name),
      region: { startLine: 1 },
    };
  }
  return [place];
}

function suppression(finding: Finding): SarifSuppression[] | undefined {
  if (finding.status === "false_positive") {
    return [{ kind: "external", status: "accepted", justification: "Marked a false positive in Helmet." }];
  }
  if (finding.status !== "suppressed") return undefined;
  return finding.suppressedBy === "comment"
    ? [{ kind: "inSource", status: "accepted", justification: "Silenced by a helmet-ignore comment." }]
    : finding.suppressedBy === "config"
      ? [{ kind: "external", status: "accepted", justification: "Excluded by the scan configuration." }]
      : [{ kind: "external", status: "accepted", justification: "Suppressed in Helmet." }];
}

/** The report as a SARIF 2.1.0 log object. */
export function toSarif(report: ScanReport): SarifLog {
  const byRule = new Map<string, Finding[]>();
  for (const finding of report.findings) {
    const group = byRule.get(finding.ruleId);
    if (group) group.push(finding);
    else byRule.set(finding.ruleId, [finding]);
  }
  const ruleIds = [...byRule.keys()].sort();
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const rules = ruleIds.map((id) => {
    const findings = byRule.get(id) ?? [];
    const first = findings[0];
    if (!first) throw new Error(`no finding for rule ${id}`);
    return descriptor(ruleFor(first), findings);
  });
  const results = report.findings.map((finding): SarifResult => {
    const suppressions = suppression(finding);
    return {
      ruleId: finding.ruleId,
      ruleIndex: index.get(finding.ruleId) ?? 0,
      level: LEVELS[finding.severity],
      message: { text: finding.description },
      locations: locations(finding, report),
      partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
      ...(suppressions ? { suppressions } : {}),
      properties: {
        severity: finding.severity,
        evidence: finding.match,
        owasp: finding.owasp,
        cwe: finding.cwe,
        status: finding.status,
      },
    };
  });
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "Helmet",
            version: report.tool.version,
            semanticVersion: report.tool.version,
            informationUri: HELMET_INFORMATION_URI,
            rules,
          },
        },
        invocations: [
          { executionSuccessful: true, startTimeUtc: report.startedAt, endTimeUtc: report.finishedAt },
        ],
        results,
        properties: { target: report.target, ...(report.stats ? { stats: report.stats } : {}) },
      },
    ],
  };
}

/** The report as SARIF 2.1.0 JSON, ending with a newline. */
export function renderSarif(report: ScanReport): string {
  return `${JSON.stringify(toSarif(report), null, 2)}\n`;
}
