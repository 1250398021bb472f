// A fixed-window request counter, one Durable Object per rate-limit key, so a limit is exact however many
// isolates serve the team. The count lives in memory: an evicted object starts a fresh window (errs open by at
// most one window's allowance).
import { DurableObject } from "cloudflare:workers";

export interface Take {
  allowed: boolean;
  /** How long until a request would be allowed again; 0 when this one was. */
  retryAfterMs: number;
}

export class RateLimiter extends DurableObject<Env> {
  #windowStart = 0;
  #count = 0;

  /** Takes one request from a window of `requests` per `windowMs`. */
  take(requests: number, windowMs: number): Take {
    const now = Date.now();
    if (now - this.#windowStart >= windowMs) {
      this.#windowStart = now;
      this.#count = 0;
    }
    if (this.#count < requests) {
      this.#count += 1;
      return { allowed: true, retryAfterMs: 0 };
    }
    return { allowed: false, retryAfterMs: this.#windowStart + windowMs - now };
  }
}
