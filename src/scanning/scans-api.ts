// /api/v1/scans and /api/v1/servers/{name}/scans: run a scan of a registered server or of an uploaded package,
// list and read scans with their findings, export them (json, sarif, csv, markdown), and review findings (reviewed,
// false positive), remembered by fingerprint across rescans. Reads need viewer; scanning and reviewing, member.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { bytesToBase64url } from "../core/base64url.ts";
import { REPORT_MEDIA_TYPES, renderReport } from "../core/scan/formats/index.ts";
import type { ScanReport } from "../core/scan/scan-report.ts";
import { database } from "../db/client.ts";
import type { ScanRow } from "../db/schema.ts";
import { GatewayError } from "../errors.ts";
import { apiRoute } from "../http/openapi.ts";
import { validationHook } from "../http/validation.ts";
import { readBoundedBody } from "../proxy/request-checks.ts";
import { findServer } from "../registry/server-store.ts";
import { SERVER_NOT_FOUND, ServerNameParam, serverNotFound } from "../registry/servers-api.ts";
import {
  ApiFinding,
  decodeScanCursor,
  emptyCounts,
  FindingFilters,
  notFound,
  SCAN_NOT_FOUND,
  Scan,
  ScanDetail,
  ScanIdParam,
  toApiFinding,
  toApiScan,
  VERSION,
} from "./scan-schemas.ts";
import { getScan, hasFinding, listScans, reviewFinding, scanFindingsOf, summariesOf } from "./scan-store.ts";
import { scanServer } from "./server-scan.ts";
import { MAX_UPLOAD_BYTES, packageSources, scanUpload } from "./upload-scan.ts";

async function scanDetail(c: Context<AppEnv>, row: ScanRow, filters: z.infer<typeof FindingFilters> = {}) {
  const db = database(c.env);
  const team = c.get("identity").team;
  const [findings, summaries] = await Promise.all([
    scanFindingsOf(db, team, row.id, filters),
    summariesOf(db, team, [row.id]),
  ]);
  const summary = summaries.get(row.id);
  return {
    ...toApiScan(row, { total: summary?.total ?? 0, by_severity: summary?.bySeverity ?? emptyCounts() }),
    findings: findings.map(toApiFinding),
  };
}

// -----------------------------------------------------------------------------------------------------------------
// POST /api/v1/servers/{name}/scans

export const serverScansApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

serverScansApi.openapi(
  apiRoute({
    method: "post",
    path: "/{name}/scans",
    summary: "Scan a registered server",
    tags: ["Scans"],
    role: "member",
    description:
      "Connects to the server as a client, reads its tools, prompts, resources and instructions, and scans them " +
      "(tool poisoning, hidden text, exfiltration, look-alike names, shadowing of the team's other servers, " +
      "power without honest annotations, weak schemas). Waits for the result. A scan that cannot reach the " +
      "server is stored as failed, with the reason, and answered 201 all the same.",
    request: { params: ServerNameParam },
    responses: {
      201: {
        description: "The scan and its findings.",
        content: { "application/json": { schema: ScanDetail } },
      },
    },
    errors: { 404: SERVER_NOT_FOUND },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    const { team, subject } = c.get("identity");
    const server = await findServer(database(c.env), team, name);
    if (!server) throw serverNotFound(name);
    const row = await scanServer(c.env, c.get("config").encryptionKey, server, "manual", subject);
    return c.json(await scanDetail(c, row), 201, { Location: `/api/v1/scans/${row.id}` });
  },
);

// -----------------------------------------------------------------------------------------------------------------
// /api/v1/scans

export const scansApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

scansApi.openapi(
  apiRoute({
    method: "post",
    path: "/upload",
    summary: "Scan an uploaded package",
    tags: ["Scans"],
    role: "member",
    description:
      "The request body is a tar, tar.gz or zip of a server's source (recognised by its first bytes, whatever the " +
      "content type), at most 25 MiB. It is unpacked in memory: entries that would land outside the root, links " +
      "and special files are skipped, and an archive that expands past 64 MiB or 200 times its size is refused. " +
      "Its SHA-256 is recorded, and every source file is scanned for secrets (vendored directories, lockfiles, " +
      "binaries and files over 2 MiB are skipped and counted).",
    request: {
      query: z.object({
        name: z.string().min(1).max(200).optional().openapi({
          description: "The package's name, to show in lists (default: upload).",
          example: "server.tgz",
        }),
      }),
      body: {
        required: true,
        content: {
          "application/octet-stream": { schema: z.string().openapi({ type: "string", format: "binary" }) },
        },
      },
    },
    responses: {
      201: {
        description: "The scan and its findings.",
        content: { "application/json": { schema: ScanDetail } },
      },
    },
    errors: {
      400: {
        archive_unsupported_format: "The body is not a tar, tar.gz or zip archive.",
        archive_corrupt: "The archive is truncated or malformed.",
        archive_too_many_files: "The archive holds more than 20,000 files.",
        archive_expansion_ratio: "The archive expands more than 200 times its size (a zip bomb).",
        archive_too_large: "The archive expands past 64 MiB.",
      },
      413: { body_too_large: "The body is larger than 25 MiB." },
    },
  }),
  async (c) => {
    const { name } = c.req.valid("query");
    const { team, subject } = c.get("identity");
    const archive = await readBoundedBody(c.req.raw, MAX_UPLOAD_BYTES);
    const db = database(c.env);
    const sources = packageSources(c.get("config"), db);
    const row = await scanUpload(db, team, name ?? "upload", archive, subject, sources);
    return c.json(await scanDetail(c, row), 201, { Location: `/api/v1/scans/${row.id}` });
  },
);

scansApi.openapi(
  apiRoute({
    method: "get",
    path: "/",
    summary: "List scans",
    tags: ["Scans"],
    role: "viewer",
    description: "The team's scans, newest first, with their summaries as findings stand now.",
    request: {
      query: z.object({
        server: z
          .string()
          .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "must be a server name")
          .optional()
          .openapi({ description: "Scans of this registered server." }),
        kind: z
          .enum(["server", "upload"])
          .optional()
          .openapi({ description: "Scans of registered servers, or of uploaded packages." }),
        status: z
          .enum(["running", "completed", "failed"])
          .optional()
          .openapi({ description: "Scans in this state." }),
        limit: z.coerce
          .number()
          .int()
          .min(1)
          .max(200)
          .default(50)
          .openapi({ description: "Scans per page." }),
        cursor: z
          .string()
          .min(1)
          .max(512)
          .optional()
          .openapi({ description: "next_cursor of the previous page." }),
      }),
    },
    responses: {
      200: {
        description: "A page of scans.",
        content: {
          "application/json": {
            schema: z.object({ items: z.array(Scan), next_cursor: z.string().nullable() }),
          },
        },
      },
    },
    errors: { 404: SERVER_NOT_FOUND },
  }),
  async (c) => {
    const { server, kind, status, limit, cursor } = c.req.valid("query");
    const db = database(c.env);
    const team = c.get("identity").team;
    let serverId: string | undefined;
    if (server !== undefined) {
      const row = await findServer(db, team, server);
      if (!row) throw serverNotFound(server);
      serverId = row.id;
    }
    const rows = await listScans(
      db,
      team,
      { server_id: serverId, kind, status },
      cursor ? decodeScanCursor(cursor) : null,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const summaries = await summariesOf(
      db,
      team,
      page.map((row) => row.id),
    );
    const last = page.at(-1);
    return c.json(
      {
        items: page.map((row) => {
          const summary = summaries.get(row.id);
          return toApiScan(row, {
            total: summary?.total ?? 0,
            by_severity: summary?.bySeverity ?? emptyCounts(),
          });
        }),
        next_cursor:
          rows.length > limit && last
            ? bytesToBase64url(new TextEncoder().encode(JSON.stringify([last.startedAt, last.id])))
            : null,
      },
      200,
    );
  },
);

scansApi.openapi(
  apiRoute({
    method: "get",
    path: "/{id}",
    summary: "Read a scan",
    tags: ["Scans"],
    role: "viewer",
    description:
      "The scan, its summary and its findings (worst first), filtered by severity, rule or status.",
    request: { params: ScanIdParam, query: FindingFilters },
    responses: {
      200: {
        description: "The scan and its findings.",
        content: { "application/json": { schema: ScanDetail } },
      },
    },
    errors: { 404: SCAN_NOT_FOUND },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const row = await getScan(database(c.env), c.get("identity").team, id);
    if (!row) throw notFound(id);
    return c.json(await scanDetail(c, row, c.req.valid("query")), 200);
  },
);

const EXPORT_FORMATS = ["json", "sarif", "csv", "markdown"] as const;

scansApi.openapi(
  apiRoute({
    method: "get",
    path: "/{id}/export",
    summary: "Export a scan",
    tags: ["Scans"],
    role: "viewer",
    description:
      "The scan as a report file: `json` (the report `helmet scan --format json` writes), `sarif` (SARIF 2.1.0, " +
      "for GitHub code scanning), `csv` (spreadsheet-safe) or `markdown`. Every finding is included with its " +
      "status; SARIF marks false positives and suppressed findings as suppressions.",
    request: {
      params: ScanIdParam,
      query: FindingFilters.extend({
        format: z.enum(EXPORT_FORMATS).default("json").openapi({ description: "The report format." }),
      }),
    },
    responses: {
      200: {
        description: "The report, as an attachment.",
        content: {
          "application/json": { schema: z.record(z.string(), z.unknown()) },
          "application/sarif+json": { schema: z.record(z.string(), z.unknown()) },
          "text/csv": { schema: z.string() },
          "text/markdown": { schema: z.string() },
        },
      },
    },
    errors: { 404: SCAN_NOT_FOUND },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { format, ...filters } = c.req.valid("query");
    const db = database(c.env);
    const team = c.get("identity").team;
    const row = await getScan(db, team, id);
    if (!row) throw notFound(id);
    const [findings, summaries] = await Promise.all([
      scanFindingsOf(db, team, row.id, filters),
      summariesOf(db, team, [row.id]),
    ]);
    const report: ScanReport = {
      tool: { name: "helmet", version: VERSION },
      target: { kind: row.kind === "upload" ? "upload" : "server", name: row.target },
      startedAt: new Date(row.startedAt).toISOString(),
      finishedAt: new Date(row.finishedAt ?? row.startedAt).toISOString(),
      summary: summaries.get(row.id) ?? { total: 0, bySeverity: emptyCounts() },
      findings,
      ...(row.stats ? { stats: JSON.parse(row.stats) as ScanReport["stats"] } : {}),
    };
    const extension = { json: "json", sarif: "sarif", csv: "csv", markdown: "md" }[format];
    return c.body(renderReport(report, format), 200, {
      "content-type": REPORT_MEDIA_TYPES[format],
      "content-disposition": `attachment; filename="${row.id}.${extension}"`,
    });
  },
);

const Review = z
  .strictObject({
    status: z.enum(["open", "reviewed", "false_positive"]).openapi({
      description:
        "reviewed: seen and accepted; false_positive: not a real issue (no longer counted); open: forget the " +
        "earlier verdict.",
    }),
    note: z.string().max(1_000).optional().openapi({ description: "Why, for the next reader." }),
  })
  .openapi("FindingReview", { example: { status: "false_positive", note: "Test fixture, not a real key." } });

scansApi.openapi(
  apiRoute({
    method: "patch",
    path: "/{id}/findings/{fingerprint}",
    summary: "Review a finding",
    tags: ["Scans"],
    role: "member",
    description:
      "Marks a finding reviewed or a false positive. The verdict belongs to the fingerprint, so the same issue in " +
      "later scans (a rescan, a new upload of the same file) keeps it.",
    request: {
      params: ScanIdParam.extend({
        fingerprint: z
          .string()
          .regex(/^[0-9a-f]{32}$/, "must be a finding's fingerprint (32 hex digits)")
          .openapi({ param: { name: "fingerprint", in: "path" }, description: "The finding's fingerprint." }),
      }),
      body: { required: true, content: { "application/json": { schema: Review } } },
    },
    responses: {
      200: {
        description: "The finding as it stands now.",
        content: { "application/json": { schema: ApiFinding } },
      },
    },
    errors: {
      404: {
        ...SCAN_NOT_FOUND,
        finding_not_found: {
          when: "The scan has no finding with that fingerprint.",
          message: "Scan 'scn_…' has no finding '9f86d081884c7d659a2feaa0c55ad015'.",
        },
      },
    },
  }),
  async (c) => {
    const { id, fingerprint } = c.req.valid("param");
    const { status, note } = c.req.valid("json");
    const { team, subject } = c.get("identity");
    const db = database(c.env);
    if (!(await getScan(db, team, id))) throw notFound(id);
    if (!(await hasFinding(db, team, id, fingerprint))) {
      throw new GatewayError(404, "finding_not_found", `Scan '${id}' has no finding '${fingerprint}'.`);
    }
    await reviewFinding(db, team, fingerprint, { status, note: note ?? null, subject });
    const finding = (await scanFindingsOf(db, team, id)).find((f) => f.fingerprint === fingerprint);
    if (!finding)
      throw new GatewayError(404, "finding_not_found", `Scan '${id}' has no finding '${fingerprint}'.`);
    return c.json(toApiFinding(finding), 200);
  },
);
