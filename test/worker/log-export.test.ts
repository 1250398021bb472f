// /api/v1/logs/export: a window of events as NDJSON or CSV, streamed a page at a time.
import { beforeAll, describe, expect, it } from "vitest";
import { api, ingestEvent, mintToken, openBridgeSession, shipEvents } from "./helpers.ts";

const TEAM = "log-export";
let token: string;
const start = Date.now() - 600_000;
const COUNT = 1_200; // more than one page (1,000 rows) of the export

const event = (n: number, overrides: Record<string, unknown> = {}) =>
  ingestEvent({ ts: start + n, target: `tool-${n}`, request_id: String(n), ...overrides });

beforeAll(async () => {
  token = await mintToken({ team: TEAM, roles: ["member"] });
  const session = await openBridgeSession(token, "exported", start);
  const events = Array.from({ length: COUNT }, (_, n) =>
    n === 0 ? event(n, { target: '=cmd|" /C calc", "x"', result_excerpt: 'line one\nline "two"' }) : event(n),
  );
  await shipEvents(token, session, events);
});

describe("/api/v1/logs/export", () => {
  it("streams every event of the window as NDJSON, oldest first, across pages", async () => {
    const response = await api(
      "GET",
      `/api/v1/logs/export?format=ndjson&since=${start}&server=exported`,
      token,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    expect(response.headers.get("content-disposition")).toContain("attachment");
    const lines = (await response.text()).trim().split("\n");
    expect(lines).toHaveLength(COUNT);
    const items = lines.map((line) => JSON.parse(line) as { id: string; target: string; ts: string });
    expect(new Set(items.map((item) => item.id)).size).toBe(COUNT);
    expect(items[1]?.target).toBe("tool-1");
    expect(items.at(-1)?.target).toBe(`tool-${COUNT - 1}`);
  });

  it("writes CSV with a header, quoting what needs it and defusing formulas", async () => {
    const response = await api(
      "GET",
      `/api/v1/logs/export?format=csv&since=${start}&until=${start + 2}`,
      token,
    );
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const text = await response.text();
    const [header, first] = text.split("\r\n");
    expect(header?.startsWith("id,ts,session_id,server,subject,direction")).toBe(true);
    expect(first).toContain(`"'=cmd|"" /C calc"", ""x"""`);
    expect(text).toContain('"line one\nline ""two"""');
    // A header and two records: the line break inside a quoted field is not a record separator.
    expect(text.split("\r\n").filter((line) => line !== "")).toHaveLength(3);
  });

  it("needs a start, and shows a team only its own events", async () => {
    const missing = await api("GET", "/api/v1/logs/export", token);
    expect(missing.status).toBe(400);
    expect(JSON.stringify(await missing.json())).toContain("since");
    const stranger = await mintToken({ team: "elsewhere" });
    const theirs = await api("GET", `/api/v1/logs/export?since=${start}`, stranger);
    expect((await theirs.text()).trim()).toBe("");
  });
});
