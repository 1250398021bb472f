// A bench-only Worker on its own local D1 (bench/logs/insert-wrangler.toml), timing inside workerd the two ways to
// write events: one INSERT per event, each awaited (what a consumer without batching does), and the consumer's own
// storeEvents (multi-row inserts of four events, all in one D1 batch). POST /single or /batched with a JSON array of
// events; the answer is how long D1 took.
import { storeEvents } from "../../src/logging/event-queue.ts";
import { insertEventStatements, type StoredEvent } from "../../src/logging/log-store.ts";

interface Env {
  DB: D1Database;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const mode = new URL(request.url).pathname.slice(1);
    if (request.method !== "POST" || (mode !== "single" && mode !== "batched")) {
      return new Response("POST /single or /batched", { status: 404 });
    }
    const rows = (await request.json()) as StoredEvent[];
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
