// A scan of a registered server's live definitions: read them, analyze them (with the team's other servers' tools
// as context for shadowing), compare with the server's previous scan, and store the findings. Started by hand, on
// registration and on a schedule.

import { sha256Hex } from "../core/bytes.ts";
import { analyzeServer, type ServerDefinitions, toDetected } from "../core/scan/definition-analyzer.ts";
import { type Detected, fingerprinted, summarize } from "../core/scan/finding.ts";
import { canonicalJson } from "../core/tool-definition.ts";
import { database } from "../db/client.ts";
import type { ScanRow, ServerRow } from "../db/schema.ts";
import { GatewayError } from "../errors.ts";
import { toUpstream } from "../registry/upstream-resolver.ts";
import {
  finishScan,
  insertFindings,
  insertScan,
  latestServerScans,
  previousServerScan,
  startedScan,
} from "./scan-store.ts";
import { readServerDefinitions } from "./upstream-definitions.ts";

export type ScanTrigger = "manual" | "registration" | "schedule";

/** What a finished scan sets on its row. */
type ScanOutcome = Pick<
  ScanRow,
  "status" | "error" | "summary" | "stats" | "definitions" | "changes" | "finishedAt"
>;

/** How long a scan waits for each answer when the server has no timeout of its own. */
const DEFAULT_SCAN_TIMEOUT_MS = 30_000;

export interface DefinitionChange {
  kind: "tool" | "prompt" | "resource" | "instructions";
  name: string;
  change: "added" | "removed" | "changed";
}

/** "kind/name" → hash of each definition, for comparing scans. */
async function definitionHashes(definitions: ServerDefinitions): Promise<Record<string, string>> {
  const entries: Array<[string, unknown]> = [];
  for (const tool of definitions.tools ?? []) entries.push([`tool/${String(tool.name)}`, tool]);
  for (const prompt of definitions.prompts ?? []) entries.push([`prompt/${String(prompt.name)}`, prompt]);
  for (const resource of [...(definitions.resources ?? []), ...(definitions.resourceTemplates ?? [])]) {
    entries.push([`resource/${String(resource.uri ?? resource.uriTemplate ?? resource.name)}`, resource]);
  }
  if (definitions.instructions) entries.push(["instructions/", definitions.instructions]);
  const hashes: Record<string, string> = {};
  for (const [key, value] of entries) hashes[key] = await sha256Hex(canonicalJson(value));
  return hashes;
}

function compare(before: Record<string, string>, after: Record<string, string>): DefinitionChange[] {
  const changes: DefinitionChange[] = [];
  const split = (key: string) => {
    const at = key.indexOf("/");
    return { kind: key.slice(0, at) as DefinitionChange["kind"], name: key.slice(at + 1) };
  };
  for (const [key, hash] of Object.entries(after)) {
    if (!(key in before)) changes.push({ ...split(key), change: "added" });
    else if (before[key] !== hash) changes.push({ ...split(key), change: "changed" });
  }
  for (const key of Object.keys(before))
    if (!(key in after)) changes.push({ ...split(key), change: "removed" });
  return changes;
}

/** A finding per changed (not added or removed) definition, so reports and exports carry the change too. */
function changeFindings(server: string, changes: readonly DefinitionChange[]): Detected[] {
  return changes
    .filter((change) => change.change === "changed")
    .map((change) =>
      toDetected(
        {
          ruleId: "tool-definition-changed",
          field: change.kind === "instructions" ? "instructions" : "definition",
          evidence: `${change.kind} ${change.name || "(server instructions)"} changed`,
          detail: `The ${change.kind} ${change.name ? `"${change.name}" ` : ""}differs from the previous scan.`,
        },
        { server, kind: change.kind, name: change.kind === "instructions" ? undefined : change.name },
      ),
    );
}

/** Scans the server now and stores the result; a scan that cannot read the server is stored as failed. */
export async function scanServer(
  env: Env,
  encryptionKey: Uint8Array,
  server: ServerRow,
  trigger: ScanTrigger,
  subject: string,
): Promise<ScanRow> {
  const db = database(env);
  const row = startedScan({
    team: server.team,
    kind: "server",
    trigger,
    serverId: server.id,
    target: server.name,
    sha256: null,
    createdBy: subject,
    startedAt: Date.now(),
  });
  await insertScan(db, row);
  try {
    const upstream = await toUpstream(server, encryptionKey);
    const definitions = await readServerDefinitions(upstream, server.timeoutMs ?? DEFAULT_SCAN_TIMEOUT_MS);
    const others = (await latestServerScans(db, server.team)).filter((scan) => scan.serverId !== server.id);
    const otherServers = others.map((scan) => ({
      name: scan.target,
      tools: Object.keys(JSON.parse(scan.definitions ?? "{}") as Record<string, string>)
        .filter((key) => key.startsWith("tool/"))
        .map((key) => key.slice("tool/".length)),
    }));
    const hashes = await definitionHashes(definitions);
    const previous = await previousServerScan(db, server.team, server.id, row.startedAt);
    const changes = previous?.definitions ? compare(JSON.parse(previous.definitions), hashes) : [];
    const detected = [
      ...analyzeServer(definitions, { otherServers }),
      ...changeFindings(server.name, changes),
    ];
    const findings = await fingerprinted(detected);
    await insertFindings(db, row.id, server.team, findings);
    const finished: ScanOutcome = {
      status: "completed",
      error: null,
      summary: JSON.stringify(summarize(findings)),
      stats: JSON.stringify({ definitions: Object.keys(hashes).length }),
      definitions: JSON.stringify(hashes),
      changes: JSON.stringify(changes),
      finishedAt: Date.now(),
    };
    await finishScan(db, row.id, finished);
    return { ...row, ...finished };
  } catch (error) {
    const message =
      error instanceof GatewayError ? error.message : `Scanning server '${server.name}' failed unexpectedly.`;
    if (!(error instanceof GatewayError)) console.error("helmet: scan failed", error);
    const failed: ScanOutcome = {
      status: "failed",
      error: message,
      summary: null,
      stats: null,
      definitions: null,
      changes: null,
      finishedAt: Date.now(),
    };
    await finishScan(db, row.id, failed);
    return { ...row, ...failed };
  }
}

/** A scan nobody waits for (registration, schedule): failures are stored on the scan, never thrown. */
export async function scanInBackground(
  env: Env,
  encryptionKey: Uint8Array,
  server: ServerRow,
  trigger: ScanTrigger,
  subject: string,
): Promise<void> {
  try {
    await scanServer(env, encryptionKey, server, trigger, subject);
  } catch (error) {
    console.error(`helmet: the ${trigger} scan of server '${server.name}' could not be recorded`, error);
  }
}
