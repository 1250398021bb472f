// The scans API's wire shapes (zod, for validation and the OpenAPI document) and the mapping from stored scans and
// findings to them; the cursor of the scan list.
import { z } from "@hono/zod-openapi";
import { base64ToBytes } from "../core/base64url.ts";
import {
  FINDING_STATUSES,
  type Finding,
  OWASP_CATEGORIES,
  type OwaspId,
  SEVERITIES,
} from "../core/scan/finding.ts";
import type { ScanRow } from "../db/schema.ts";
import { GatewayError } from "../errors.ts";

export const VERSION = "0.1.0";

export const Summary = z.object({
  total: z.number().int().openapi({ description: "Findings that count: open and reviewed." }),
  by_severity: z.object({
    critical: z.number().int(),
    high: z.number().int(),
    medium: z.number().int(),
    low: z.number().int(),
  }),
});

export const Scan = z
  .object({
    id: z.string(),
    kind: z.enum(["server", "upload"]),
    trigger: z.enum(["manual", "registration", "schedule", "upload"]),
    target: z.string().openapi({ description: "The server's name, or the uploaded file's name." }),
    status: z.enum(["running", "completed", "failed"]),
    error: z.string().nullable().openapi({ description: "Why a failed scan failed." }),
    summary: Summary.openapi({ description: "As findings stand now: reviews and suppressions applied." }),
    stats: z.record(z.string(), z.unknown()).nullable(),
    changes: z
      .array(
        z.object({
          kind: z.enum(["tool", "prompt", "resource", "instructions"]),
          name: z.string(),
          change: z.enum(["added", "removed", "changed"]),
        }),
      )
      .nullable()
      .openapi({
        description: "Server scans: definitions added, removed or changed since the previous scan.",
      }),
    sha256: z.string().nullable().openapi({ description: "Uploads: SHA-256 of the archive as received." }),
    created_by: z.string(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi("Scan", {
    example: {
      id: "scn_X2b9QmT0aLk4Vw8eRz1yNp",
      kind: "server",
      trigger: "manual",
      target: "github",
      status: "completed",
      error: null,
      summary: { total: 2, by_severity: { critical: 1, high: 0, medium: 1, low: 0 } },
      stats: { definitions: 14 },
      changes: [{ kind: "tool", name: "create_issue", change: "changed" }],
      sha256: null,
      created_by: "alice",
      started_at: "2026-11-21T23:10:04.371Z",
      finished_at: "2026-11-21T23:10:05.112Z",
    },
  });

export const ApiFinding = z
  .object({
    fingerprint: z.string().openapi({ description: "Same issue, same fingerprint across rescans." }),
    rule_id: z.string(),
    severity: z.enum(SEVERITIES),
    title: z.string(),
    description: z.string(),
    detection: z.string().openapi({
      description: "rule, heuristic, entropy, schema_check, unicode_check, comparison, dataflow.",
    }),
    owasp: z.array(z.object({ id: z.string(), name: z.string() })),
    cwe: z.array(z.string()),
    location: z.record(z.string(), z.unknown()).openapi({
      description:
        "`{type: file, path, line, column}` or `{type: definition, server, kind, name, field}` (kind: tool, " +
        "prompt, resource or instructions).",
    }),
    match: z.string().openapi({ description: "The evidence, with secrets masked." }),
    remediation: z.object({
      steps: z.array(z.string()),
      best_practice: z.string(),
      example: z.string().optional(),
      references: z.array(z.string()).optional(),
    }),
    status: z.enum(FINDING_STATUSES),
  })
  .openapi("Finding");

export const ScanDetail = Scan.extend({ findings: z.array(ApiFinding) }).openapi("ScanDetail");

export const ScanIdParam = z.object({
  id: z
    .string()
    .regex(/^scn_[A-Za-z0-9_-]{10,40}$/, "must be a scan id (scn_…)")
    .openapi({
      param: { name: "id", in: "path" },
      description: "The scan's id.",
      example: "scn_X2b9QmT0aLk4Vw8eRz1yNp",
    }),
});

export const FindingFilters = z.object({
  severity: z.enum(SEVERITIES).optional().openapi({ description: "Only findings of this severity." }),
  rule: z
    .string()
    .regex(/^[a-z0-9-]{3,80}$/, "must be a rule id such as tool-hidden-instruction")
    .optional()
    .openapi({ description: "Only findings of this rule." }),
  status: z.enum(FINDING_STATUSES).optional().openapi({ description: "Only findings with this status." }),
});

export const SCAN_NOT_FOUND = {
  scan_not_found: { when: "Your team has no scan with that id.", message: "Your team has no scan 'scn_…'." },
};

export function notFound(id: string): GatewayError {
  return new GatewayError(404, "scan_not_found", `Your team has no scan '${id}'.`);
}

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

export function toApiScan(row: ScanRow, summary: z.infer<typeof Summary>): z.infer<typeof Scan> {
  return {
    id: row.id,
    kind: row.kind as "server" | "upload",
    trigger: row.trigger as z.infer<typeof Scan>["trigger"],
    target: row.target,
    status: row.status as z.infer<typeof Scan>["status"],
    error: row.error,
    summary,
    stats: row.stats ? (JSON.parse(row.stats) as Record<string, unknown>) : null,
    changes: row.changes ? (JSON.parse(row.changes) as z.infer<typeof Scan>["changes"]) : null,
    sha256: row.sha256,
    created_by: row.createdBy,
    started_at: new Date(row.startedAt).toISOString(),
    finished_at: iso(row.finishedAt),
  };
}

export function toApiFinding(finding: Finding): z.infer<typeof ApiFinding> {
  const { bestPractice, ...remediation } = finding.remediation;
  return {
    fingerprint: finding.fingerprint,
    rule_id: finding.ruleId,
    severity: finding.severity,
    title: finding.title,
    description: finding.description,
    detection: finding.detection,
    owasp: finding.owasp.map((id: OwaspId) => ({ id, name: OWASP_CATEGORIES[id] })),
    cwe: finding.cwe,
    location: finding.location,
    match: finding.match,
    remediation: { ...remediation, best_practice: bestPractice },
    status: finding.status,
  };
}

/** Per-severity counts of a scan with no findings. */
export const emptyCounts = () => ({ critical: 0, high: 0, medium: 0, low: 0 });

const ScanCursor = z.tuple([z.number().int(), z.string().max(64)]);

export function decodeScanCursor(raw: string): { startedAt: number; id: string } {
  try {
    const parsed = ScanCursor.safeParse(
      JSON.parse(new TextDecoder().decode(base64ToBytes(raw) ?? new Uint8Array())),
    );
    if (parsed.success) return { startedAt: parsed.data[0], id: parsed.data[1] };
  } catch {
    // Falls through to the refusal below.
  }
  throw new GatewayError(
    400,
    "validation_failed",
    "Invalid request: query parameter 'cursor' is not a cursor this API returned.",
  );
}
