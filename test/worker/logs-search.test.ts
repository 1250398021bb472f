// The `q` text search of /api/v1/logs over more events than it reads directly, so rare texts are found through
// the trigram index (migrations/0013_events_search.sql). Whichever path answers, the answer must be what a LIKE over
// all the team's events says, in the same order, across pages.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { storeEvents } from "../../src/logging/event-queue.ts";
import type { StoredEvent } from "../../src/logging/log-store.ts";
import { api, mintToken, storedEvent } from "./helpers.ts";

const TEAM = "logs-search";
/** More events than a search with the default page reads before it turns to the index. */
const FILLER = 6_000;
const t0 = Date.now() - 3_600_000;
let token: string;

/** Rare texts, older than all the filler so that reading the newest events cannot find them. */
const needles: StoredEvent[] = [
  storedEvent({ team: TEAM, ts: t0 + 1, paramsExcerpt: '{"ticket":"INC-48213"}' }),
  storedEvent({
    team: TEAM,
    ts: t0 + 2,
    resultExcerpt: '{"text":"closed inc-48213 as fixed"}',
    subject: "bo",
  }),
  storedEvent({ team: TEAM, ts: t0 + 3, target: "lookup_INC-48213" }),
  // Every trigram of INC-48213 but not the text itself: the index offers it, the check must refuse it.
  storedEvent({ team: TEAM, ts: t0 + 4, paramsExcerpt: '{"a":"INC-482 4821 8213"}' }),
  storedEvent({ team: TEAM, ts: t0 + 5, paramsExcerpt: '{"city":"Zürich","q":"50%_off"}' }),
  storedEvent({ team: TEAM, ts: t0 + 6, paramsExcerpt: 'say "quoted" AND NOT syntax' }),
];

/** The ids of the events the API finds, walking up to `pages` pages of two. */
async function search(query: string, pages = Number.POSITIVE_INFINITY): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < pages && (page === 0 || cursor); page++) {
    const path: string = `/api/v1/logs?${query}&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
    const response = await api("GET", path, token);
    expect(response.status, path).toBe(200);
    const body = await response.json<{ items: Array<{ id: string }>; next_cursor: string | null }>();
    ids.push(...body.items.map((item) => item.id));
    cursor = body.next_cursor;
  }
  return ids;
}

/** What a LIKE over every event of the team says, newest first: the answer whichever path the API takes. */
async function scanned(text: string, extra = ""): Promise<string[]> {
  const pattern = `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
  const { results } = await env.DB.prepare(
    `SELECT id FROM events WHERE team = ?1 ${extra} AND (target LIKE ?2 ESCAPE '\\' OR params_excerpt LIKE ?2 ESCAPE '\\' OR result_excerpt LIKE ?2 ESCAPE '\\') ORDER BY ts DESC, id DESC`,
  )
    .bind(TEAM, pattern)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

beforeAll(async () => {
  token = await mintToken({ team: TEAM, roles: ["viewer"] });
  const filler = Array.from({ length: FILLER }, (_, i) =>
    storedEvent({
      team: TEAM,
      ts: t0 + 1_000 + i,
      target: `tool-${i % 7}`,
      paramsExcerpt: `{"n":${i},"word":"${i % 10 === 0 ? "invoice" : "report"}"}`,
    }),
  );
  const rows = [...needles, ...filler];
  for (let i = 0; i < rows.length; i += 1_000) await storeEvents(env.DB, rows.slice(i, i + 1_000), new Map());
});

describe("/api/v1/logs?q= over many events", () => {
  it("finds a rare text in the target or either excerpt, any case, newest first, and not its trigrams apart", async () => {
    const found = await search("q=INC-48213");
    expect(found).toEqual([needles[2]?.id, needles[1]?.id, needles[0]?.id]);
    expect(await search("q=inc-48213")).toEqual(found);
    expect(found).toEqual(await scanned("INC-48213"));
  });

  it("answers as a scan of every event would, for rare, common, short and awkward texts", async () => {
    for (const text of ["INC-48213", "4821", "zürich", "50%_", '"quoted" AND NOT', "ZZ", "nowhere"]) {
      expect(await search(`q=${encodeURIComponent(text)}`), text).toEqual(await scanned(text));
    }
    // Common texts: the first pages (walking all of them is the same cursor walk, hundreds of times).
    for (const text of ["tool-3", "invoice", '"n":59']) {
      expect(await search(`q=${encodeURIComponent(text)}`, 3), text).toEqual(
        (await scanned(text)).slice(0, 6),
      );
    }
  }, 60_000);

  it("combines the text with the other filters on the index path", async () => {
    expect(await search("q=INC-48213&subject=bo")).toEqual([needles[1]?.id]);
    expect(await search("q=INC-48213&sort=oldest")).toEqual([needles[0]?.id, needles[1]?.id, needles[2]?.id]);
    expect(await search(`q=INC-48213&until=${new Date(t0 + 3).toISOString()}`)).toEqual([
      needles[1]?.id,
      needles[0]?.id,
    ]);
  });

  it("forgets a deleted event: the index follows deletes and stays consistent with the events", async () => {
    const gone = needles[0] as StoredEvent;
    await env.DB.prepare("DELETE FROM events WHERE id = ?").bind(gone.id).run();
    expect(await search("q=INC-48213")).toEqual([needles[2]?.id, needles[1]?.id]);
    // Throws if the index holds an entry the events table does not (or misses one it does).
    await env.DB.prepare(
      "INSERT INTO events_search(events_search, rank) VALUES ('integrity-check', 1)",
    ).run();
  });
});
