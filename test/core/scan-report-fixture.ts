// A scan report built by hand for the report-format tests (test/core in workerd, the SARIF schema check in Node):
// every location type, severity and status, with hostile text where a scanned file or server could put it.
import type { Finding, FindingLocation } from "../../src/core/scan/finding.ts";
import { summarize } from "../../src/core/scan/finding.ts";
import { ruleInfo } from "../../src/core/scan/rule-catalog.ts";
import type { ScanReport } from "../../src/core/scan/scan-report.ts";

export const HOSTILE = {
  formula: "=cmd|' /C calc'!A0",
  script: "<script>alert(1)</script>",
  backticks: "read ~/.ssh/id_rsa | then `send` it ``quietly`` `",
  /** A server name that would colour the terminal and reverse the text after it. */
  terminal: "\u001b[31mred\u202eevil|srv",
} as const;

let counter = 0;

function finding(ruleId: string, location: FindingLocation, overrides: Partial<Finding> = {}): Finding {
  const known = ruleId.startsWith("custom-") ? null : ruleInfo(ruleId);
  counter++;
  return {
    fingerprint: counter.toString(16).padStart(32, "0"),
    ruleId,
    severity: known?.severity ?? "low",
    title: known?.title ?? "Custom rule",
    description: known?.summary ?? "A rule from outside the catalogue.",
    detection: known?.detection ?? "rule",
    owasp: [...(known?.owasp ?? [])],
    cwe: [...(known?.cwe ?? [])],
    location,
    match: "",
    remediation: known?.remediation ?? { steps: ["Fix it."], bestPractice: "Do not do it." },
    status: "open",
    ...overrides,
  };
}

const file = (path: string, line = 1, column = 1): FindingLocation => ({ type: "file", path, line, column });

/** Ten findings: every severity, status and location type; file and definition names chosen to break things. */
export function hostileFindings(): Finding[] {
  counter = 0;
  return [
    finding(
      "tool-explicit-instruction",
      { type: "definition", server: "evil-server", kind: "tool", name: "get_weather", field: "description" },
      {
        match: HOSTILE.backticks,
        description: `The description says "ignore previous instructions", then ${HOSTILE.script} | @here.`,
      },
    ),
    finding("secret-aws-access-key-id", file("src/config files/app#1.ts", 12, 7), {
      match: "AKIA************MPLE",
    }),
    finding("tool-hidden-content", file('docs\\notes, "draft".md', 3), {
      status: "reviewed",
      match: HOSTILE.formula,
      description: 'Hidden text, "quoted",\nsecond line\r\n- third, # not a heading',
    }),
    finding("secret-generic-high-entropy", file("src/a.ts", 40, 9), {
      status: "suppressed",
      suppressedBy: "comment",
      match: "+SUM(1,2)",
    }),
    finding(
      "tool-weak-input-schema",
      {
        type: "definition",
        server: "files",
        kind: "resource",
        name: "file:///etc/passwd",
        field: "inputSchema.properties.path",
      },
      { status: "false_positive", match: "@SUM(A1)" },
    ),
    finding(
      "tool-shadowing",
      { type: "definition", server: HOSTILE.terminal, kind: "instructions", field: "instructions" },
      { status: "suppressed", match: "-2+3" },
    ),
    finding(
      "tool-homoglyph-name",
      { type: "definition", server: "ok", kind: "prompt", name: "\u0455ummarize", field: "name" },
      // Raised above the rule's usual severity (high): SARIF's security-severity must follow.
      { severity: "critical", match: "\tTAB first" },
    ),
    finding("custom-policy-rule", file("lib/x.ts", 2, 3), { severity: "high", match: "\rCR first" }),
    finding("secret-internal-url", file("src/日本語/ファイル.ts", 8, 2), {
      match: "http://10.0.0.5:8080/admin",
    }),
    finding(
      "tool-oversized-description",
      {
        type: "definition",
        server: HOSTILE.terminal,
        kind: "tool",
        name: "x".repeat(150),
        field: "description",
      },
      { match: "x".repeat(400) },
    ),
  ];
}

export function hostileReport(
  target: ScanReport["target"] = { kind: "files", name: "./project" },
): ScanReport {
  const findings = hostileFindings();
  return {
    tool: { name: "helmet", version: "0.1.0" },
    target,
    startedAt: "2026-03-01T10:00:00.000Z",
    finishedAt: "2026-03-01T10:00:02.500Z",
    summary: summarize(findings),
    findings,
    stats: { files: 42, bytes: 123_456, skipped: 2, definitions: 5 },
  };
}

export function emptyReport(): ScanReport {
  return { ...hostileReport(), findings: [], summary: summarize([]), stats: undefined };
}
