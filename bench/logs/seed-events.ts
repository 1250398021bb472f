// The generated gateway traffic the logs benchmark seeds: what one event row of a session looks like (method mix,
// policy decisions, statuses and error codes, latency and size distributions, short redacted excerpts), from a seeded
// random source so a run is repeatable.
import type { SQLInputValue } from "node:sqlite";

const POLICY_DENIED = -31001;

/** mulberry32: small, fast and good enough to spread test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cumulative weights of a Zipf-like popularity over `n` items (item 0 the most popular). */
export function zipf(n: number, s: number): Float64Array {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += 1 / (i + 1) ** s;
    cumulative[i] = total;
  }
  for (let i = 0; i < n; i++) cumulative[i] = (cumulative[i] as number) / total;
  return cumulative;
}

export function pick(cumulative: Float64Array, r: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] as number) < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A weighted choice among `[value, weight]` pairs, weights summing to about 1. */
function choose<T>(options: ReadonlyArray<readonly [T, number]>, r: number): T {
  let acc = 0;
  for (const [value, weight] of options) {
    acc += weight;
    if (r < acc) return value;
  }
  return (options.at(-1) as readonly [T, number])[0];
}

export const SERVERS: ReadonlyArray<readonly [string, readonly [string, string]]> = [
  ["github", ["issue", "pull_request"]],
  ["filesystem", ["file", "directory"]],
  ["postgres", ["table", "query"]],
  ["slack", ["message", "channel"]],
  ["jira", ["ticket", "sprint"]],
  ["confluence", ["page", "space"]],
  ["linear", ["project", "cycle"]],
  ["notion", ["database", "block"]],
  ["google-drive", ["document", "folder"]],
  ["gmail", ["email", "label"]],
  ["calendar", ["event", "invite"]],
  ["sentry", ["error", "release"]],
  ["datadog", ["monitor", "dashboard"]],
  ["stripe", ["invoice", "customer"]],
  ["salesforce", ["lead", "opportunity"]],
  ["zendesk", ["case", "macro"]],
  ["s3", ["object", "bucket"]],
  ["kubernetes", ["pod", "deployment"]],
  ["snowflake", ["warehouse", "view"]],
  ["browser", ["page_snapshot", "tab"]],
];
/** Notifications the server sends (the client's own are judged with its requests). */
const SERVER_NOTIFICATIONS = new Set([
  "notifications/message",
  "notifications/resources/updated",
  "notifications/tools/list_changed",
]);
/** When a session's initialize, initialized and first tools/list happen, after its start. */
export const OPENING_OFFSETS_MS = [0, 3, 40] as const;
export const VERBS = ["search", "get", "list", "create", "update"] as const;
/** The least popular servers have no policies: their events carry no decision. */
const UNJUDGED_SERVERS = 3;

const WORDS =
  "report revenue quarterly customer onboarding latency outage deploy rollback migration schema index backup " +
  "invoice refund payroll budget forecast roadmap incident postmortem alert dashboard metrics billing churn " +
  "contract renewal pricing discount ticket escalation sprint backlog release hotfix feature flag experiment " +
  "cohort retention funnel signup login password reset token expiry webhook retry queue worker cron job " +
  "kubernetes cluster node pod memory cpu disk network firewall vpn certificate domain dns cache cdn storage";
const VOCABULARY = WORDS.split(" ");
/** A term in about one event in 2,000 (one word in 20,000): the rare case of the text search. */
export const RARE_TERM = "INC-48213";
/** A word of the vocabulary (in about one event in ten): the common case of the text search. */
export const COMMON_TERM = "invoice";

const DENY_RULES = ["no-prod-writes", "block-deletes", "contractors-read-only", "no-external-share"];
const DRY_RUN_RULES = ["dry-run-pii-egress", "dry-run-large-exports"];
const REDACT_RULES = ["redact-secrets", "redact-pii"];
const LOG_RULES = ["log-finance-tools", "log-admin-actions"];
const DETECTORS = ["generic_secret", "email", "credit_card", "iban", "phone"];
export const CLIENTS: ReadonlyArray<readonly [string, string]> = [
  ["claude-code", "2.4.1"],
  ["cursor", "1.9.3"],
  ["vscode-copilot", "1.112.0"],
  ["helmet-bench-agent", "0.3.0"],
  ["openai-agents", "0.6.2"],
];

export interface Session {
  id: string;
  teamIndex: number;
  server: number;
  subject: number;
  start: number;
  end: number;
  ended: boolean;
  client: number;
  events: number;
  bridge: boolean;
}

function uuid(random: () => number): string {
  const hex = (n: number) =>
    Math.floor(n * 4294967296)
      .toString(16)
      .padStart(8, "0");
  const a = hex(random());
  const b = hex(random());
  const c = hex(random());
  const d = hex(random());
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${((Number.parseInt(c[0] as string, 16) & 3) | 8).toString(16)}${c.slice(1, 4)}-${c.slice(4)}${d}`;
}

export function base64urlId(random: () => number, prefix: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let out = prefix;
  for (let i = 0; i < 22; i++) out += alphabet[Math.floor(random() * 64)];
  return out;
}

/** Lognormal with the given median and spread. */
export function lognormal(random: () => number, median: number, sigma: number): number {
  const u = Math.max(1e-12, random());
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return median * Math.exp(sigma * z);
}

function words(random: () => number, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = random();
    out.push(r < 0.00005 ? RARE_TERM : (VOCABULARY[Math.floor(random() * VOCABULARY.length)] as string));
  }
  return out.join(" ");
}

type Row = Record<string, SQLInputValue>;

/** One event of `session` at `ts`: `special` 1..3 are the session's opening initialize, initialized, tools/list. */
export function eventRow(
  random: () => number,
  team: string,
  session: Session,
  subject: string,
  ts: number,
  special: number,
  requestSeq: number,
  toolPopularity: Float64Array,
): Row {
  const [server, nouns] = SERVERS[session.server] as readonly [string, readonly [string, string]];
  const judged = session.server < SERVERS.length - UNJUDGED_SERVERS;
  let direction = "client_to_server";
  let kind = "request";
  let method: string | null;
  let target: string | null = null;
  let params: string | null = null;
  let result: string | null = null;
  if (special === 1) {
    method = "initialize";
    const [name, version] = CLIENTS[session.client] as readonly [string, string];
    params = `{"protocolVersion":"2025-06-18","capabilities":{"roots":{"listChanged":true}},"clientInfo":{"name":"${name}","version":"${version}"}}`;
    result = `{"protocolVersion":"2025-06-18","capabilities":{"tools":{"listChanged":true},"resources":{}},"serverInfo":{"name":"${server}","version":"1.4.0"}}`;
  } else if (special === 2) {
    method = "notifications/initialized";
    kind = "notification";
  } else if (special === 3) {
    method = "tools/list";
    params = "{}";
    result = `{"tools":[{"name":"${VERBS[0]}_${nouns[0]}","description":"Search ${nouns[0]}s","inputSchema":{"type":"object"}}]}…[3412 more chars]`;
  } else {
    method = choose<string>(
      [
        ["tools/call", 0.74],
        ["tools/list", 0.03],
        ["resources/read", 0.05],
        ["resources/list", 0.01],
        ["prompts/get", 0.01],
        ["ping", 0.015],
        ["notifications/cancelled", 0.005],
        ["notifications/roots/list_changed", 0.005],
        ["notifications/message", 0.08],
        ["notifications/resources/updated", 0.01],
        ["notifications/tools/list_changed", 0.004],
        ["sampling/createMessage", 0.01],
        ["roots/list", 0.005],
        ["response", 0.0258],
        ["rug_pull", 0.0002],
      ] as const,
      random(),
    );
  }
  let status = "ok";
  let errorCode: number | null = null;
  let latencyMs: number | null = null;
  let bytesIn = 0;
  let bytesOut = 0;
  let progressCount = 0;
  let decision: string | null = null;
  let rule: string | null = null;
  let redactions: string | null = null;
  let requestId: string | null = null;

  if (method === "rug_pull") {
    direction = "server_to_client";
    kind = "notification";
    method = "tools/list";
    target = `${VERBS[Math.floor(random() * VERBS.length)]}_${nouns[0]}`;
    status = "rug_pull";
    result = `{"pinned_hash":"${base64urlId(random, "")}","seen_hash":"${base64urlId(random, "")}"}`;
  } else if (method === "response") {
    // The client's answer to a server request (sampling, roots): filed as an unmatched response.
    kind = "response";
    method = null;
    requestId = String(Math.floor(random() * 50));
    bytesIn = Math.round(lognormal(random, 900, 0.8));
    result = `{"role":"assistant","content":{"type":"text","text":"${words(random, 8)}"},"model":"claude-sonnet"}`;
  } else if (SERVER_NOTIFICATIONS.has(method)) {
    direction = "server_to_client";
    kind = "notification";
    bytesOut = Math.round(lognormal(random, 300, 0.7));
    if (method === "notifications/message") {
      params = `{"level":"${random() < 0.8 ? "info" : "warning"}","logger":"${server}","data":"${words(random, 6)}"}`;
    } else if (method === "notifications/resources/updated") {
      target = `${server}://${nouns[0]}/${Math.floor(random() * 5000)}`;
      params = `{"uri":"${target}"}`;
    }
    if (judged && random() < 0.05) decision = "allow";
  } else if (method === "sampling/createMessage" || method === "roots/list") {
    direction = "server_to_client";
    requestId = String(Math.floor(random() * 1000));
    bytesOut = Math.round(lognormal(random, 1200, 0.8));
    params =
      method === "roots/list"
        ? "{}"
        : `{"messages":[{"role":"user","content":{"type":"text","text":"${words(random, 10)}"}}],"maxTokens":512}`;
    if (judged) decision = random() < 0.97 ? "allow" : "deny";
    if (decision === "deny") {
      status = "denied";
      rule = "no-sampling";
    }
  } else {
    // The client's requests and notifications: judged by the policies of the server's team.
    const isRequest = kind === "request" && !method.startsWith("notifications/");
    if (!isRequest) kind = "notification";
    else requestId = String(requestSeq);
    bytesIn = Math.round(lognormal(random, isRequest ? 420 : 120, 0.6));
    if (method === "tools/call") {
      const noun = nouns[random() < 0.6 ? 0 : 1];
      const verb = VERBS[Math.min(VERBS.length - 1, pick(toolPopularity, random()))] as string;
      target = `${verb}_${noun}`;
      const args =
        verb === "search" || verb === "list"
          ? `{"query":"${words(random, 3)}","limit":${10 + Math.floor(random() * 40)}}`
          : `{"id":"${noun}-${Math.floor(random() * 100_000)}","fields":"${words(random, 2)}"}`;
      params = `{"name":"${target}","arguments":${args}}`;
    } else if (method === "resources/read") {
      target = `${server}://${nouns[random() < 0.5 ? 0 : 1]}/${Math.floor(random() * 20_000)}`;
      params = `{"uri":"${target}"}`;
    } else if (method === "prompts/get") {
      target = random() < 0.5 ? "summarize" : "code_review";
      params = `{"name":"${target}","arguments":{"topic":"${words(random, 2)}"}}`;
    } else if (method === "notifications/cancelled") {
      params = `{"requestId":${Math.floor(random() * 500)},"reason":"user cancelled"}`;
    } else if (method !== "initialize" && method !== "notifications/initialized") {
      params = "{}";
    }
    if (judged && method !== "initialize" && method !== "ping") {
      decision = choose(
        [
          ["allow", 0.93],
          ["deny", 0.03],
          ["would_deny", 0.02],
          ["redact", 0.01],
          [null, 0.01],
        ] as const,
        random(),
      );
      if (decision === "deny") rule = DENY_RULES[Math.floor(random() * DENY_RULES.length)] as string;
      else if (decision === "would_deny")
        rule = DRY_RUN_RULES[Math.floor(random() * DRY_RUN_RULES.length)] as string;
      else if (decision === "redact")
        rule = REDACT_RULES[Math.floor(random() * REDACT_RULES.length)] as string;
      else if (decision === "allow" && random() < 0.05)
        rule = LOG_RULES[Math.floor(random() * LOG_RULES.length)] as string;
    }
    if (isRequest) {
      if (decision === "deny") {
        status = "denied";
        errorCode = POLICY_DENIED;
        latencyMs = 0;
        result = `{"reason":"policy:${rule}","message":"Denied by policy ${rule}."}`;
      } else {
        status = choose(
          [
            ["ok", 0.913],
            ["error", 0.055],
            ["upstream_error", 0.012],
            ["cancelled", 0.007],
            ["incomplete", 0.005],
            ["uninspected", 0.003],
            ["rejected", 0.005],
          ] as const,
          random(),
        );
        const slow = target?.startsWith("search") || method === "resources/read" ? 2 : 1;
        latencyMs = Math.min(60_000, Math.round(lognormal(random, 120 * slow, 1.1)));
        bytesOut = Math.round(lognormal(random, 1_500, 1.2));
        if (method === "tools/call" && random() < 0.03) progressCount = 1 + Math.floor(random() * 20);
        if (status === "error") {
          errorCode = choose(
            [
              [-32602, 0.4],
              [-32603, 0.25],
              [-32000, 0.2],
              [-32601, 0.1],
              [-32001, 0.05],
            ] as const,
            random(),
          );
          result = `{"code":${errorCode},"message":"${errorCode === -32602 ? "Invalid params" : "Tool failed"}: ${words(random, 4)}"}`;
        } else if (status === "upstream_error") {
          errorCode = -32000;
          latencyMs = random() < 0.5 ? 60_000 : latencyMs;
          result = `{"reason":"upstream_unreachable","message":"The upstream did not answer."}`;
        } else if (status === "rejected") {
          errorCode = -32600;
          latencyMs = 0;
          bytesOut = 0;
          result = `{"reason":"invalid_request"}`;
        } else if (status === "ok") {
          result =
            method === "tools/call"
              ? `{"content":[{"type":"text","text":"${words(random, 12)}"}],"isError":false}`
              : method === "resources/read"
                ? `{"contents":[{"uri":"${target}","mimeType":"text/plain","text":"${words(random, 10)}"}]}`
                : method === "tools/list"
                  ? `{"tools":[{"name":"${VERBS[1]}_${nouns[0]}","inputSchema":{"type":"object"}}]}…[2904 more chars]`
                  : "{}";
        } else {
          latencyMs = Math.max(latencyMs, 1_000);
        }
        if (decision === "redact") {
          const detector = DETECTORS[Math.floor(random() * DETECTORS.length)] as string;
          redactions = `[{"detector":"${detector}","path":"$.arguments.fields"}]`;
          params = params?.replace(/"fields":"[^"]*"/, '"fields":"[REDACTED]"') ?? null;
        }
      }
    }
  }
  return {
    id: uuid(random),
    ts,
    team,
    session_id: session.id,
    server,
    subject,
    direction,
    kind,
    method,
    target,
    request_id: requestId,
    status,
    error_code: errorCode,
    latency_ms: latencyMs,
    bytes_in: bytesIn,
    bytes_out: bytesOut,
    progress_count: progressCount,
    decision,
    rule,
    redactions,
    params_excerpt: params,
    result_excerpt: result,
  };
}
