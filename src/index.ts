// Worker entry point: HTTP traffic, the events queue's consumer and the daily retention job.
import { createApp } from "./app.ts";
import { consumeEvents } from "./logging/event-consumer.ts";
import { applyRetention } from "./logging/retention.ts";

export { RateLimiter } from "./policy/rate-limiter.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: consumeEvents,
  scheduled(controller, env, ctx) {
    ctx.waitUntil(applyRetention(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env, unknown>;
