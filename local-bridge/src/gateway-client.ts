// The bridge's calls to the gateway's REST API, with the session token as bearer. A failure is either
// `unavailable` (worth retrying later, from the spool: network, timeout, 5xx, and the 4xx that pass: 401 and 403
// while a token is being fixed, 408, 413, 429) or `refused` (400, 404, 409, 422: the same request will never be
// accepted; the message says why).
import * as z from "zod/mini";

const TIMEOUT_MS = 10_000;
/** Answers that mean the request itself is wrong and will not be accepted however often it is sent. */
const PERMANENT = new Set([400, 404, 409, 422]);

export class GatewayFailure extends Error {
  override name = "GatewayFailure";
  constructor(
    readonly kind: "unavailable" | "refused",
    message: string,
  ) {
    super(message);
  }
}

const identitySchema = z.object({
  subject: z.string(),
  team: z.string(),
  roles: z.array(z.string()),
  claims: z.record(z.string(), z.unknown()),
});

export type GatewayIdentity = z.infer<typeof identitySchema>;

const bundleSchema = z.object({
  server: z.string(),
  policy_default: z.enum(["allow", "deny"]),
  policies: z.array(z.record(z.string(), z.unknown())),
  version: z.string(),
});

export type PolicyBundle = z.infer<typeof bundleSchema>;

export class GatewayClient {
  readonly #base: URL;
  readonly #token: string;
  /** How long one call may take; shortened while Helmet shuts down, so the spool gets what is left in time. */
  timeoutMs = TIMEOUT_MS;

  constructor(apiUrl: string, token: string) {
    this.#base = new URL(apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`);
    this.#token = token;
  }

  get origin(): string {
    return this.#base.origin;
  }

  async #call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.#base), {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new GatewayFailure(
        "unavailable",
        `${this.origin} is unreachable: ${error instanceof Error ? error.message : error}`,
      );
    }
    if (response.status >= 500) {
      await response.body?.cancel();
      throw new GatewayFailure(
        "unavailable",
        `${this.origin} answered ${response.status} to ${method} ${path}`,
      );
    }
    if (response.status >= 400 && response.status !== 404) {
      let reason = "";
      try {
        reason = ((await response.json()) as { error?: { message?: string } }).error?.message ?? "";
      } catch {
        // Not the gateway's error shape.
      }
      throw new GatewayFailure(
        PERMANENT.has(response.status) ? "refused" : "unavailable",
        `${this.origin} answered ${response.status} to ${method} ${path}: ${reason}`,
      );
    }
    return response;
  }

  async #json<T>(response: Response, schema: z.ZodMiniType<T>, what: string): Promise<T> {
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new GatewayFailure("refused", `${this.origin} sent an unexpected ${what}`);
    return parsed.data;
  }

  /** Who the token is, as the gateway's policies see it. */
  async me(): Promise<GatewayIdentity> {
    const response = await this.#call("GET", "api/v1/me");
    if (response.status === 404)
      throw new GatewayFailure("refused", `${this.origin} has no /api/v1/me: is it a Helmet gateway?`);
    return this.#json(response, identitySchema, "identity");
  }

  /** The server's policy bundle, or `unchanged` when `etag` is still current. */
  async bundle(
    server: string,
    etag: string | null,
  ): Promise<{ bundle: PolicyBundle; etag: string } | "unchanged"> {
    const response = await this.#call(
      "GET",
      `api/v1/policies/bundle?server=${encodeURIComponent(server)}`,
      undefined,
      etag ? { "if-none-match": etag } : {},
    );
    if (response.status === 304) return "unchanged";
    if (response.status === 404)
      throw new GatewayFailure("refused", `${this.origin} has no policy bundle endpoint`);
    const bundle = await this.#json(response, bundleSchema, "policy bundle");
    return { bundle, etag: response.headers.get("etag") ?? `"${bundle.version}"` };
  }

  async post(path: string, body: unknown): Promise<void> {
    const response = await this.#call("POST", path, body);
    await response.body?.cancel();
    if (response.status === 404)
      throw new GatewayFailure("refused", `${this.origin} answered 404 to POST ${path}`);
  }
}
