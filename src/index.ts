// Worker entry point: HTTP traffic, the events queue's consumer, and the Cron Triggers: the daily retention job and
// the hourly scheduled rescans.
import { createApp } from "./app.ts";
import { consumeEvents } from "./logging/event-consumer.ts";
import { applyRetention } from "./logging/retention.ts";
import { runScheduledScans, SCAN_CRON } from "./scanning/scheduled-scans.ts";

export { RateLimiter } from "./policy/rate-limiter.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: consumeEvents,
  scheduled(controller, env, ctx) {
    if (controller.cron === SCAN_CRON) ctx.waitUntil(runScheduledScans(env, controller.scheduledTime));
    else ctx.waitUntil(applyRetention(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env, unknown>;
