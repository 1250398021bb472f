// The gateway's D1 schema: the single source of truth. `npm run db:generate` turns changes into SQL in migrations/.
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { LATENCY_BIN_COUNT } from "../logging/latency-bins.ts";

/** Upstream MCP servers registered by a team. `name` is what clients put in /mcp/:name. */
export const servers = sqliteTable(
  "servers",
  {
    id: text("id").primaryKey(),
    team: text("team").notNull(),
    name: text("name").notNull(),
    url: text("url").notNull(),
    description: text("description"),
    /** AES-GCM sealed JSON object of header name → value; never returned by the API. */
    credentialsSealed: text("credentials_sealed"),
    /** JSON array of the header names inside credentialsSealed, so the API can say what is set. */
    credentialHeaderNames: text("credential_header_names").notNull().default("[]"),
    timeoutMs: integer("timeout_ms"),
    /** What happens to a request no policy decides: "allow" (allow-all) or "deny" (allow-list mode). */
    policyDefault: text("policy_default").notNull().default("allow"),
    /** When true, a tool whose definition changed since it was pinned is hidden until an admin approves it. */
    hideChangedTools: integer("hide_changed_tools", { mode: "boolean" }).notNull().default(false),
    /** Hours between scheduled rescans of the server's definitions; null: no schedule. */
    scanIntervalHours: integer("scan_interval_hours"),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("servers_team_name").on(t.team, t.name)],
);

/** A team's policies. `document` is the validated policy JSON (docs/policies.md); the other columns index it. */
export const policies = sqliteTable(
  "policies",
  {
    id: text("id").primaryKey(),
    team: text("team").notNull(),
    name: text("name").notNull(),
    document: text("document").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("policies_team_name").on(t.team, t.name)],
);

/** The definition each tool of a server had when the gateway first saw it (tool pinning, rug-pull detection). */
export const toolPins = sqliteTable(
  "tool_pins",
  {
    team: text("team").notNull(),
    serverId: text("server_id").notNull(),
    tool: text("tool").notNull(),
    /** SHA-256 (base64url) of the canonical JSON of name, description, input schema and annotations. */
    hash: text("hash").notNull(),
    /** That canonical JSON, redacted, for review; null when it was too large to keep. */
    definition: text("definition"),
    firstSeenAt: integer("first_seen_at").notNull(),
    /** When a different definition was last seen (a rug pull); null while the tool matches its pin. */
    changedAt: integer("changed_at"),
    /** The hash of the changed definition last seen, awaiting approval. */
    changedHash: text("changed_hash"),
    /** The changed definition (as `definition`). */
    changedDefinition: text("changed_definition"),
    /** Who last approved a changed definition, and when. */
    approvedBy: text("approved_by"),
    approvedAt: integer("approved_at"),
  },
  (t) => [primaryKey({ columns: [t.team, t.serverId, t.tool] })],
);

/**
 * Long-lived API tokens (machines, HELMET_SESSION_TOKEN). Only the SHA-256 of the token is stored; the token is shown
 * once, at creation. A token acts as the member who created it, with roles no wider than theirs.
 */
export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    team: text("team").notNull(),
    name: text("name").notNull(),
    /** The creator's subject: what the token acts as. */
    subject: text("subject").notNull(),
    /** JSON array of role names. */
    roles: text("roles").notNull(),
    /** SHA-256 (hex) of the token. */
    hash: text("hash").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at"),
    revokedAt: integer("revoked_at"),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [uniqueIndex("api_tokens_hash").on(t.hash), index("api_tokens_team").on(t.team, t.createdAt)],
);

/** One row per MCP session: opened through the gateway, or registered by a local bridge (`helmet`). */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    team: text("team").notNull(),
    /** gateway, or bridge (a `helmet` process that ships its events through /api/v1/ingest). */
    source: text("source").notNull().default("gateway"),
    /** For a bridge session: JSON of the machine it runs on (host, os, arch, node and helmet versions). */
    machine: text("machine"),
    /** For a bridge session: JSON of its latest metrics (totals, and the last interval's latency percentiles). */
    metrics: text("metrics"),
    serverId: text("server_id").notNull(),
    server: text("server").notNull(),
    subject: text("subject").notNull(),
    clientName: text("client_name"),
    clientVersion: text("client_version"),
    protocolVersion: text("protocol_version"),
    /** The upstream's current Mcp-Session-Id when the gateway had to re-initialise it (read only on recovery). */
    upstreamSessionId: text("upstream_session_id"),
    /** The client's initialize params, kept so the gateway can re-initialise a lost upstream session. */
    initializeParams: text("initialize_params"),
    startedAt: integer("started_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    endedAt: integer("ended_at"),
  },
  (t) => [index("sessions_team_started").on(t.team, t.startedAt)],
);

/** One row per JSON-RPC message (a request with its response, a notification, or a gateway refusal). */
export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    ts: integer("ts").notNull(),
    team: text("team").notNull(),
    sessionId: text("session_id"),
    server: text("server").notNull(),
    subject: text("subject").notNull(),
    /** client_to_server or server_to_client: who sent the message this row is about. */
    direction: text("direction").notNull(),
    /** request, notification or response. */
    kind: text("kind").notNull(),
    method: text("method"),
    /** The tool name, prompt name or resource URI the message addresses. */
    target: text("target"),
    requestId: text("request_id"),
    /** ok, error (JSON-RPC error from upstream), rejected (refused by the gateway), upstream_error, incomplete. */
    status: text("status").notNull(),
    errorCode: integer("error_code"),
    latencyMs: integer("latency_ms"),
    bytesIn: integer("bytes_in").notNull().default(0),
    bytesOut: integer("bytes_out").notNull().default(0),
    progressCount: integer("progress_count").notNull().default(0),
    /** What the policies decided for a client message: allow, deny or would_deny (a dry run); null if not judged. */
    decision: text("decision"),
    /** The policy that decided, or else the first log or dry-run policy that matched. */
    rule: text("rule"),
    /** JSON list of what a redact policy removed from the exchange: detector and JSON path, never the value. */
    redactions: text("redactions"),
    /** Redacted, truncated JSON of the message params. */
    paramsExcerpt: text("params_excerpt"),
    /** Redacted, truncated JSON of the result or error. */
    resultExcerpt: text("result_excerpt"),
  },
  (t) => [
    index("events_team_ts").on(t.team, t.ts, t.id),
    index("events_team_server_ts").on(t.team, t.server, t.ts, t.id),
    index("events_team_session_ts").on(t.team, t.sessionId, t.ts, t.id),
    index("events_team_subject_ts").on(t.team, t.subject, t.ts, t.id),
    index("events_team_target_ts").on(t.team, t.target, t.ts, t.id),
    index("events_team_decision_ts").on(t.team, t.decision, t.ts, t.id),
    // A rare status (rug_pull, denied) would otherwise scan the team's events until a page fills.
    index("events_team_status_ts").on(t.team, t.status, t.ts, t.id),
    // For the retention job, which deletes by age across teams.
    index("events_ts").on(t.ts),
  ],
);

/** Latency histogram columns of a rollup row: b0..b69 (src/logging/latency-bins.ts). */
const latencyBins = Object.fromEntries(
  Array.from({ length: LATENCY_BIN_COUNT }, (_, k) => [`b${k}`, integer(`b${k}`).notNull().default(0)]),
) as Record<`b${number}`, ReturnType<typeof integer>>;

/**
 * Client requests per team, hour and dimension (server, tool, subject or team), kept by a trigger on events (an
 * event inserted once is counted once): what /api/v1/metrics reads for hour and day buckets.
 */
export const metricRollups = sqliteTable(
  "metric_rollups",
  {
    team: text("team").notNull(),
    dimension: text("dimension").notNull(),
    /** Start of the UTC hour, epoch ms. */
    hour: integer("hour").notNull(),
    key: text("key").notNull(),
    calls: integer("calls").notNull().default(0),
    errors: integer("errors").notNull().default(0),
    denials: integer("denials").notNull().default(0),
    bytesIn: integer("bytes_in").notNull().default(0),
    bytesOut: integer("bytes_out").notNull().default(0),
    /** Requests with a latency (answered, not denied): what the histogram counts. */
    timed: integer("timed").notNull().default(0),
    ...latencyBins,
  },
  (t) => [primaryKey({ columns: [t.team, t.dimension, t.hour, t.key] })],
);

/**
 * Security scans: of a registered server's live definitions, or of an uploaded package. The summary and the
 * findings are written when the scan ends; `definitions` keeps a hash per definition so a rescan can say what changed.
 */
export const scans = sqliteTable(
  "scans",
  {
    id: text("id").primaryKey(),
    team: text("team").notNull(),
    /** server (live definitions) or upload (a package's files). */
    kind: text("kind").notNull(),
    /** What started it: manual, registration, schedule or upload. */
    trigger: text("trigger").notNull(),
    serverId: text("server_id"),
    /** The server's name, or the uploaded file's name. */
    target: text("target").notNull(),
    /** running, completed or failed. */
    status: text("status").notNull(),
    /** Why a failed scan failed, for the person who reads it. */
    error: text("error"),
    /** JSON ScanSummary (total and per severity, open findings only at the time of the scan). */
    summary: text("summary"),
    /** JSON: files, bytes, skipped, definitions. */
    stats: text("stats"),
    /** JSON map "kind/name" → SHA-256 of the definition (server scans). */
    definitions: text("definitions"),
    /** JSON list of definitions added, removed or changed since the server's previous completed scan. */
    changes: text("changes"),
    /** SHA-256 of an uploaded archive. */
    sha256: text("sha256"),
    createdBy: text("created_by").notNull(),
    startedAt: integer("started_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [
    index("scans_team_started").on(t.team, t.startedAt, t.id),
    index("scans_team_server_started").on(t.team, t.serverId, t.startedAt),
  ],
);

/** What a scan found. Status lives in finding_reviews, by fingerprint, so a review outlives the scan. */
export const scanFindings = sqliteTable(
  "scan_findings",
  {
    scanId: text("scan_id").notNull(),
    fingerprint: text("fingerprint").notNull(),
    team: text("team").notNull(),
    ruleId: text("rule_id").notNull(),
    severity: text("severity").notNull(),
    /** The rest of the Finding (title, description, detection, owasp, cwe, location, match, remediation) as JSON. */
    body: text("body").notNull(),
    /** suppressed when an inline comment or the scan configuration silenced it; open otherwise. */
    status: text("status").notNull().default("open"),
  },
  (t) => [primaryKey({ columns: [t.scanId, t.fingerprint] })],
);

/** A team's verdicts on findings (reviewed, false positive), remembered by fingerprint across rescans. */
export const findingReviews = sqliteTable(
  "finding_reviews",
  {
    team: text("team").notNull(),
    fingerprint: text("fingerprint").notNull(),
    status: text("status").notNull(),
    note: text("note"),
    reviewedBy: text("reviewed_by").notNull(),
    reviewedAt: integer("reviewed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.team, t.fingerprint] })],
);

/**
 * OSV advisories fetched for upload scans, shared by every team (they are public records). A record is used while
 * it is as new as the `modified` time OSV reports for it, and for at most ADVISORY_CACHE_DAYS after it was fetched.
 */
export const osvAdvisories = sqliteTable(
  "osv_advisories",
  {
    id: text("id").primaryKey(),
    modified: text("modified").notNull(),
    /** The OSV record as JSON. */
    record: text("record").notNull(),
    fetchedAt: integer("fetched_at").notNull(),
  },
  (t) => [index("osv_advisories_fetched_at").on(t.fetchedAt)],
);

export type ServerRow = typeof servers.$inferSelect;
export type PolicyRow = typeof policies.$inferSelect;
export type ToolPinRow = typeof toolPins.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;
export type ScanRow = typeof scans.$inferSelect;
export type ScanFindingRow = typeof scanFindings.$inferSelect;
