// Seeds the local D1 file (the sqlite file wrangler keeps under --persist-to) with a week of gateway traffic, through
// node:sqlite while no wrangler runs: servers, sessions and their events for a main team and a smaller second team,
// written in time order in one transaction, as the gateway would have appended them. Deterministic for a seed.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { DatabaseSync } from "node:sqlite";
import {
  base64urlId,
  CLIENTS,
  COMMON_TERM,
  eventRow,
  lognormal,
  OPENING_OFFSETS_MS,
  pick,
  prng,
  RARE_TERM,
  SERVERS,
  type Session,
  VERBS,
  zipf,
} from "./seed-events.ts";

export const MAIN_TEAM = "bench";
export const OTHER_TEAM = "bench-other";
const DAY_MS = 86_400_000;

/** The D1 database file `wrangler d1 migrations apply --local --persist-to dir` created. */
export function d1File(persistDir: string): string {
  const dir = join(persistDir, "v3", "d1", "miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite");
  if (files.length !== 1) throw new Error(`expected one D1 database in ${dir}, found: ${files.join(", ")}`);
  return join(dir, files[0] as string);
}

interface TeamPlan {
  team: string;
  events: number;
  subjects: string[];
  sessionCount: number;
}

export interface SeedOptions {
  file: string;
  /** Events of the main team. */
  events: number;
  /** The second team gets this fraction of `events` on top. */
  otherFraction: number;
  seed: number;
  now: number;
  days: number;
}

/** Values the benchmark filters on, picked from what was seeded, with how many main-team rows they match. */
export interface SeedSamples {
  server: string;
  tool: string;
  subject: string;
  /** A session of the main team with a few hundred events (its timeline is a full page). */
  session: string;
  sessionEvents: number;
  errorCode: number;
  minLatencyMs: number;
  commonTerm: string;
  rareTerm: string;
  /** The newest full hour of the range. */
  hour: { since: number; until: number };
  /** The newest day of the range (the metrics window). */
  day: { since: number; until: number };
}

export interface SeedResult {
  file: string;
  rows: number;
  mainRows: number;
  otherRows: number;
  sessions: number;
  ms: number;
  rowsPerSecond: number;
  fileBytes: number;
  /** Oldest and newest event time, both teams. */
  first: number;
  last: number;
  samples: SeedSamples;
  /** Main-team event times, ascending: expected counts of any time window. */
  mainTs: Float64Array;
}

function planSessions(
  plan: TeamPlan,
  teamIndex: number,
  random: () => number,
  options: SeedOptions,
): Session[] {
  const serverPopularity = zipf(SERVERS.length, 1.1);
  const subjectPopularity = zipf(plan.subjects.length, 0.8);
  // Heavy-tailed sizes: most sessions are short, a few agents run for hours.
  const weights = Array.from({ length: plan.sessionCount }, () =>
    Math.min(200, (1 - random()) ** (-1 / 1.5)),
  );
  const total = weights.reduce((a, b) => a + b, 0);
  const spare = Math.max(0, plan.events - 3 * plan.sessionCount);
  const counts = weights.map((w) => 3 + Math.floor((spare * w) / total));
  let missing = plan.events - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; missing > 0; i = (i + 1) % counts.length, missing--) counts[i] = (counts[i] as number) + 1;
  const rangeStart = options.now - options.days * DAY_MS;
  return counts.map((events) => {
    const durationMs = Math.min(DAY_MS, Math.max(60_000, events * lognormal(random, 15_000, 0.6)));
    const start = rangeStart + random() * (options.days * DAY_MS - durationMs - 1_000);
    const end = start + durationMs;
    const open = random() < 0.04 || end > options.now - 600_000;
    return {
      id: base64urlId(random, "ses_"),
      teamIndex,
      server: pick(serverPopularity, random()),
      subject: pick(subjectPopularity, random()),
      start: Math.floor(start),
      end: Math.floor(end),
      ended: !open,
      client: Math.floor(random() * CLIENTS.length),
      events,
      bridge: random() < 0.05,
    };
  });
}

/** Fills the D1 file: servers, sessions and events of both teams. Nothing may hold the file open meanwhile. */
export function seed(options: SeedOptions): SeedResult {
  const started = performance.now();
  const random = prng(options.seed);
  const plans: TeamPlan[] = [
    {
      team: MAIN_TEAM,
      events: options.events,
      subjects: Array.from({ length: 500 }, (_, i) => `user${String(i).padStart(3, "0")}@acme.example`),
      sessionCount: Math.max(10, Math.round(options.events / 200)),
    },
    {
      team: OTHER_TEAM,
      events: Math.round(options.events * options.otherFraction),
      subjects: Array.from({ length: 50 }, (_, i) => `dev${String(i).padStart(2, "0")}@other.example`),
      sessionCount: Math.max(5, Math.round((options.events * options.otherFraction) / 200)),
    },
  ].filter((plan) => plan.events > 0);

  const sessions = plans.flatMap((plan, teamIndex) => planSessions(plan, teamIndex, random, options));
  const total = sessions.reduce((sum, s) => sum + s.events, 0);
  // Every event as (time offset, index) packed in one float, so a native typed-array sort puts them in time order.
  const rangeStart = options.now - options.days * DAY_MS;
  const span = 2 ** Math.ceil(Math.log2(total + 1));
  if (options.days * DAY_MS * span >= 2 ** 53) throw new Error("too many events for the packed sort");
  const sessionOf = new Uint32Array(total);
  const special = new Uint8Array(total);
  const keys = new Float64Array(total);
  let n = 0;
  sessions.forEach((session, s) => {
    for (let k = 0; k < session.events; k++) {
      const ts =
        k < 3
          ? session.start + (OPENING_OFFSETS_MS[k] as number)
          : session.start + 1_000 + Math.floor(random() * (session.end - session.start - 1_000));
      sessionOf[n] = s;
      special[n] = k < 3 ? k + 1 : 0;
      keys[n] = (ts - rangeStart) * span + n;
      n++;
    }
  });
  keys.sort();

  const db = new DatabaseSync(options.file);
  db.exec("PRAGMA cache_size = -524288; PRAGMA synchronous = OFF;");
  const columns = (db.prepare("PRAGMA table_info(events)").all() as Array<{ name: string }>).map(
    (c) => c.name,
  );
  const insertEvent = db.prepare(
    `INSERT INTO events (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${columns.map((c) => `:${c}`).join(", ")})`,
  );
  insertEvent.setAllowBareNamedParameters(true);
  const insertSession = db.prepare(
    `INSERT INTO sessions (id, team, source, machine, metrics, server_id, server, subject, client_name, client_version,
       protocol_version, initialize_params, started_at, last_seen_at, ended_at)
     VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, '2025-06-18', ?, ?, ?, ?)`,
  );
  const insertServer = db.prepare(
    `INSERT INTO servers (id, team, name, url, description, created_by, created_at, updated_at, policy_default)
     VALUES (?, ?, ?, ?, 'seeded by bench/logs', 'admin@acme.example', ?, ?, 'allow')`,
  );
  const serverIds = plans.map((plan) =>
    SERVERS.map(([name]) => {
      const id = base64urlId(random, "srv_");
      insertServer.run(id, plan.team, name, `https://mcp.example/${name}`, rangeStart, rangeStart);
      return id;
    }),
  );
  const toolPopularity = zipf(VERBS.length, 1.2);
  const requestSeq = new Uint32Array(sessions.length);
  const mainTs = new Float64Array(plans[0]?.events ?? 0);
  let mainCount = 0;
  const sessionRows = new Uint32Array(sessions.length);
  db.exec("BEGIN");
  try {
    for (const session of sessions) {
      const plan = plans[session.teamIndex] as TeamPlan;
      const [name, version] = CLIENTS[session.client] as readonly [string, string];
      const server = (SERVERS[session.server] as readonly [string, unknown])[0];
      insertSession.run(
        session.id,
        plan.team,
        session.bridge ? "bridge" : "gateway",
        session.bridge
          ? `{"host":"laptop-${session.subject}","os":"darwin","arch":"arm64","node":"24.21.0","helmet":"0.1.0"}`
          : null,
        session.bridge ? `bridge:${server}` : (serverIds[session.teamIndex]?.[session.server] as string),
        server,
        plan.subjects[session.subject] as string,
        name,
        version,
        `{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"${name}","version":"${version}"}}`,
        session.start,
        session.end,
        session.ended ? session.end + 500 : null,
      );
    }
    for (let i = 0; i < total; i++) {
      const key = keys[i] as number;
      const index = key % span;
      const ts = rangeStart + (key - index) / span;
      const s = sessionOf[index] as number;
      const session = sessions[s] as Session;
      const plan = plans[session.teamIndex] as TeamPlan;
      requestSeq[s] = (requestSeq[s] as number) + 1;
      sessionRows[s] = (sessionRows[s] as number) + 1;
      const row = eventRow(
        random,
        plan.team,
        session,
        plan.subjects[session.subject] as string,
        ts,
        special[index] as number,
        requestSeq[s] as number,
        toolPopularity,
      );
      insertEvent.run(row);
      if (session.teamIndex === 0) mainTs[mainCount++] = ts;
    }
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    db.close();
    throw error;
  }
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  const ms = performance.now() - started;

  // Filter values: the main team's busiest server, a tool of it, a subject at the tenth of the popularity ranking,
  // the smallest session with a full timeline page.
  const main = sessions.filter((s) => s.teamIndex === 0);
  const byServer = new Map<number, number>();
  for (const s of main) byServer.set(s.server, (byServer.get(s.server) ?? 0) + s.events);
  const busiest = [...byServer].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  const [serverName, nouns] = SERVERS[busiest] as readonly [string, readonly [string, string]];
  const midSession =
    main.filter((s) => s.events >= 150).sort((a, b) => a.events - b.events)[0] ??
    main.sort((a, b) => b.events - a.events)[0];
  const last = rangeStart + ((keys[total - 1] as number) - ((keys[total - 1] as number) % span)) / span;
  const first = rangeStart + ((keys[0] as number) - ((keys[0] as number) % span)) / span;
  const bySubject = new Map<number, number>();
  for (const s of main) bySubject.set(s.subject, (bySubject.get(s.subject) ?? 0) + s.events);
  const subjects = [...bySubject].sort((a, b) => b[1] - a[1]);
  const subject = subjects[Math.floor(subjects.length / 10)]?.[0] ?? 0;
  const hourEnd = Math.floor(last / 3_600_000) * 3_600_000;
  return {
    file: options.file,
    rows: total,
    mainRows: mainCount,
    otherRows: total - mainCount,
    sessions: sessions.length,
    ms,
    rowsPerSecond: total / (ms / 1000),
    fileBytes: statSync(options.file).size,
    first,
    last,
    samples: {
      server: serverName,
      tool: `${VERBS[1]}_${nouns[0]}`,
      subject: plans[0]?.subjects[subject] ?? "",
      session: midSession?.id ?? "",
      sessionEvents: midSession?.events ?? 0,
      errorCode: -32603,
      minLatencyMs: 5_000,
      commonTerm: COMMON_TERM,
      rareTerm: RARE_TERM,
      hour: { since: hourEnd - 3_600_000, until: hourEnd },
      day: { since: Math.ceil(last) + 1 - DAY_MS, until: Math.ceil(last) + 1 },
    },
    mainTs,
  };
}

/** Main-team rows with `since <= ts < until` (mainTs ascending). */
export function countInWindow(mainTs: Float64Array, since: number, until: number): number {
  const lowerBound = (value: number) => {
    let lo = 0;
    let hi = mainTs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((mainTs[mid] as number) < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return lowerBound(until) - lowerBound(since);
}
