// Worker entry point: HTTP traffic, the events queue's consumer, and the Cron Triggers: the daily retention job
// (events, and advisories the cache no longer uses) and the hourly scheduled rescans.
import { createApp } from "./app.ts";
import { database } from "./db/client.ts";
import { consumeEvents } from "./logging/event-consumer.ts";
import { applyRetention } from "./logging/retention.ts";
import { pruneAdvisories } from "./scanning/advisory-cache.ts";
import { runScheduledScans, SCAN_CRON } from "./scanning/scheduled-scans.ts";

export { RateLimiter } from "./policy/rate-limiter.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: consumeEvents,
  scheduled(controller, env, ctx) {
    if (controller.cron === SCAN_CRON) ctx.waitUntil(runScheduledScans(env, controller.scheduledTime));
    else {
      ctx.waitUntil(applyRetention(env, controller.scheduledTime));
      ctx.waitUntil(pruneAdvisories(database(env), controller.scheduledTime));
    }
  },
} satisfies ExportedHandler<Env, unknown>;
