// A bench-only Worker on its own local D1 (bench/logs/insert-wrangler.toml), timing inside workerd the two ways to
// write events: one INSERT per event, each awaited (what a consumer without batching does), and the consumer's own
// storeEvents (multi-row inserts of four events, all in one D1 batch). POST /single or /batched with a JSON array of
// events as bridges ship them; they are mapped to rows by the ingest API's own storedEvent before the clock starts,
// and the answer is how long D1 took.
import { storedEvent } from "../../src/ingest/ingest-api.ts";
import { storeEvents } from "../../src/logging/event-queue.ts";
import { insertEventStatements } from "../../src/logging/log-store.ts";

interface Env {
  DB: D1Database;
}

const BENCH_OWNER = { team: "bench-insert", sessionId: "bench-session", server: "bench", subject: "bench" };

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const mode = new URL(request.url).pathname.slice(1);
    if (request.method !== "POST" || (mode !== "single" && mode !== "batched")) {
      return new Response("POST /single or /batched", { status: 404 });
    }
    const events = (await request.json()) as Parameters<typeof storedEvent>[0][];
    const rows = events.map((event) => storedEvent(event, BENCH_OWNER));
    const started = performance.now();
    if (mode === "single") {
      for (const row of rows) {
        const [statement] = insertEventStatements(env.DB, [row]);
        await statement?.run();
      }
    } else {
      await storeEvents(env.DB, rows, new Map());
    }
    return Response.json({ rows: rows.length, ms: performance.now() - started });
  },
};
