// Worker entry point.
import { createApp } from "./app.ts";

export { RateLimiter } from "./policy/rate-limiter.ts";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
