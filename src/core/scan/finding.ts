// What a scan reports: findings (rule, severity, classification, location, masked evidence, remediation, status),
// their stable fingerprints, and a scan's summary. Web-standard APIs only: the Worker and the CLI share it.
import { sha256Hex } from "../bytes.ts";

export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse: critical 4 … low 1. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(severity);
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) >= severityRank(threshold);
}

/** OWASP Top 10 for LLM Applications 2025 and the OWASP MCP Top 10. */
export const OWASP_CATEGORIES = {
  LLM01: "Prompt Injection",
  LLM02: "Sensitive Information Disclosure",
  LLM03: "Supply Chain",
  LLM04: "Data and Model Poisoning",
  LLM05: "Improper Output Handling",
  LLM06: "Excessive Agency",
  LLM07: "System Prompt Leakage",
  LLM08: "Vector and Embedding Weaknesses",
  LLM09: "Misinformation",
  LLM10: "Unbounded Consumption",
  MCP01: "Token Mismanagement & Secret Exposure",
  MCP02: "Privilege Escalation via Scope Creep",
  MCP03: "Tool Poisoning",
  MCP04: "Software Supply Chain Attacks",
  MCP05: "Command Injection & Execution",
  MCP06: "Intent Flow Subversion",
  MCP07: "Insufficient Authentication & Authorization",
  MCP08: "Lack of Audit and Telemetry",
  MCP09: "Shadow MCP Servers",
  MCP10: "Context Injection & Over-Sharing",
} as const;
export type OwaspId = keyof typeof OWASP_CATEGORIES;

export const DETECTION_METHODS = [
  "rule",
  "heuristic",
  "entropy",
  "schema_check",
  "unicode_check",
  "comparison",
  "dataflow",
] as const;
export type DetectionMethod = (typeof DETECTION_METHODS)[number];

export const FINDING_STATUSES = ["open", "reviewed", "false_positive", "suppressed"] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

export const DEFINITION_KINDS = ["tool", "prompt", "resource", "instructions"] as const;
export type DefinitionKind = (typeof DEFINITION_KINDS)[number];

/** Where a finding is: a line of a file, or a field of a server's tool, prompt, resource or instructions. */
export type FindingLocation =
  | {
      type: "file";
      path: string;
      /** 1-based. */
      line: number;
      /** 1-based, in UTF-16 code units (JavaScript string indexes; SARIF's default). */
      column: number;
    }
  | {
      type: "definition";
      server: string;
      kind: DefinitionKind;
      /** The tool, prompt or resource name; absent for server instructions. */
      name?: string;
      /** Dotted path of the field within the definition, such as description or inputSchema.properties.path. */
      field: string;
    };

export interface Remediation {
  /** At least one. */
  steps: string[];
  bestPractice: string;
  example?: string;
  references?: string[];
}

/**
 * One finding. Analyzers build these from the rule catalogue, so nothing here is parsed from outside: the API
 * validates what it accepts with its own schemas (src/scanning/scan-schemas.ts).
 */
export interface Finding {
  /** Same issue, same fingerprint across rescans: rule, place and evidence, never line numbers or scan ids. */
  fingerprint: string;
  ruleId: string;
  severity: Severity;
  title: string;
  /** What was found here and why it matters. */
  description: string;
  detection: DetectionMethod;
  owasp: OwaspId[];
  cwe: string[];
  location: FindingLocation;
  /** The evidence, with any secret in it masked. */
  match: string;
  remediation: Remediation;
  status: FindingStatus;
  /** What suppressed a suppressed finding: a helmet-ignore comment where it is, or the scan's configuration. */
  suppressedBy?: "comment" | "config";
}

/** A finding as an analyzer reports it, before the scan gives it a fingerprint and a status. */
export type Detected = Omit<Finding, "fingerprint" | "status"> & {
  /** What identifies the issue at its place across rescans (a secret's digest, a tool's evidence). */
  identity: string;
  /** Silenced where it was found (a helmet-ignore comment): reported, but as suppressed. */
  suppressed?: boolean;
};

/** What an analyzer saw, before the rule catalogue fills in the rest of the finding. */
export interface FindingDraft {
  ruleId: string;
  /** Where in the definition (a dotted field path). */
  field: string;
  evidence: string;
  /** What was seen, in a sentence; the rule's summary follows it in the finding. */
  detail: string;
  /** When it differs from the rule's usual severity. */
  severity?: Severity;
}

export interface ScanSummary {
  total: number;
  bySeverity: Record<Severity, number>;
}

export function summarize(findings: readonly Pick<Finding, "severity" | "status">[]): ScanSummary {
  const bySeverity: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  let total = 0;
  for (const finding of findings) {
    if (finding.status === "false_positive" || finding.status === "suppressed") continue;
    bySeverity[finding.severity]++;
    total++;
  }
  return { total, bySeverity };
}

/** `owasp` ids as "LLM01: Prompt Injection", the form reports show. */
export function owaspLabels(ids: readonly OwaspId[]): string[] {
  return ids.map((id) => `${id}: ${OWASP_CATEGORIES[id]}`);
}

function placeOf(location: FindingLocation): string {
  return location.type === "file"
    ? `file:${location.path}`
    : `definition:${location.server}/${location.kind}/${location.name ?? ""}#${location.field}`;
}

/**
 * Fingerprints and status (open, or suppressed when silenced in place) for what the analyzers found. The fingerprint hashes rule, place (file path, or
 * server, kind, name and field) and identity, plus how many identical ones came before it, so two equal secrets in
 * one file stay two findings and a finding keeps its fingerprint when lines move.
 */
export async function fingerprinted(detected: readonly Detected[]): Promise<Finding[]> {
  const seen = new Map<string, number>();
  return Promise.all(
    detected.map(async ({ identity, suppressed, ...finding }) => {
      const key = `${finding.ruleId}\u0000${placeOf(finding.location)}\u0000${identity}`;
      const occurrence = seen.get(key) ?? 0;
      seen.set(key, occurrence + 1);
      const fingerprint = (await sha256Hex(`${key}\u0000${occurrence}`)).slice(0, 32);
      if (suppressed)
        return { ...finding, fingerprint, status: "suppressed" as const, suppressedBy: "comment" as const };
      return { ...finding, fingerprint, status: "open" as const };
    }),
  );
}
