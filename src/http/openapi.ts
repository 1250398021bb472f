// What every documented /api/v1 route shares: the error body, and apiRoute(), which gives a route its role check,
// its bearer security and the errors that authentication, validation and the error handler can answer it with.
import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { ClientErrorStatusCode, ServerErrorStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env.ts";
import type { Role } from "../auth/identity.ts";
import { requireRole } from "../auth/middleware.ts";
import { BEARER_AUTH } from "./openapi-document.ts";

/** The tags openapi-document.ts declares, one per part of the API. */
export type ApiTag =
  | "MCP"
  | "Servers"
  | "Tool pins"
  | "Scans"
  | "Policies"
  | "Logs"
  | "Sessions"
  | "Metrics"
  | "Ingest"
  | "Identity"
  | "Discovery";

export type ErrorStatus = ClientErrorStatusCode | ServerErrorStatusCode;

/** One entry of a `validation_failed` error's details, as describeIssues() writes it. */
const ValidationIssue = z
  .object({
    location: z.enum(["body", "query parameter", "path parameter"]),
    field: z
      .string()
      .nullable()
      .openapi({ description: "The field's path, dot-separated; null for the body as a whole." }),
    message: z.string(),
  })
  .openapi("ValidationIssue");

/** One case of an error code: when it happens, and an example of the message (and details) it carries. */
export interface ErrorCaseDoc {
  when: string;
  message: string;
  details?: z.infer<typeof ValidationIssue>[];
}

/** When an error code is answered: one sentence, which is also the example's message; or the case in full. */
export type ErrorCase = string | ErrorCaseDoc;

/** The error codes a route answers with, by HTTP status: each code with when it happens. */
export type ErrorCodes = { [Status in ErrorStatus]?: Record<string, ErrorCase> };

/** Each code of one status with every case it covers (a code a route shares and also throws itself has two). */
type CasesByCode = Record<string, ErrorCaseDoc[]>;

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({
        description: "Stable and machine-readable: programs branch on this.",
        example: "server_not_found",
      }),
      message: z.string().openapi({ description: "For people; its wording may change." }),
      details: z.array(ValidationIssue).optional().openapi({
        description: "Only on `validation_failed` from a schema check: one entry per problem.",
      }),
    }),
  })
  .openapi("Error", {
    description:
      "Every REST error has this shape. Each operation lists, per status, the codes it can answer with.",
    example: {
      error: { code: "server_not_found", message: "No server named 'github' is registered for your team." },
    },
  });

type ErrorBodyValue = z.infer<typeof ErrorBody>;

const STATUS_TEXT: { [Status in ErrorStatus]?: string } = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  406: "Not acceptable",
  409: "Conflict",
  413: "Content too large",
  415: "Unsupported media type",
  500: "Internal server error",
  502: "Bad gateway",
  503: "Service unavailable",
  504: "Gateway timeout",
};

const WWW_AUTHENTICATE = {
  "WWW-Authenticate": {
    description:
      'A Bearer challenge naming the protected resource metadata (`Bearer realm="helmet", ' +
      'resource_metadata="…"`); with `error="invalid_token"` or `error="insufficient_scope"` and ' +
      "`error_description` when the token was refused.",
    schema: { type: "string" as const },
  },
};

/** Groups error codes by status, in status order; a code named twice for one status keeps both cases. */
export function errorsByStatus(...lists: ErrorCodes[]): Array<[ErrorStatus, CasesByCode]> {
  const byStatus = new Map<ErrorStatus, CasesByCode>();
  for (const list of lists) {
    for (const [key, codes] of Object.entries(list)) {
      const status = Number(key) as ErrorStatus;
      const cases = byStatus.get(status) ?? {};
      for (const [code, errorCase] of Object.entries(codes ?? {})) {
        const doc = typeof errorCase === "string" ? { when: errorCase, message: errorCase } : errorCase;
        cases[code] = [...(cases[code] ?? []), doc];
      }
      byStatus.set(status, cases);
    }
  }
  return [...byStatus].sort(([a], [b]) => a - b);
}

/** The response's description: the status, then each code and when it happens. */
export function describeErrors(status: ErrorStatus, cases: CasesByCode): string {
  const lines = Object.entries(cases).map(
    ([code, list]) => `- \`${code}\`: ${list.map((errorCase) => errorCase.when).join(" ")}`,
  );
  return `${STATUS_TEXT[status] ?? `HTTP ${status}`}. The error's \`code\` says why:\n\n${lines.join("\n")}`;
}

/** One named example per case, built by `body` from the code and the case. */
export function errorExamples<T>(
  cases: CasesByCode,
  body: (code: string, errorCase: ErrorCaseDoc) => T,
): Record<string, { summary: string; value: T }> {
  return Object.fromEntries(
    Object.entries(cases).flatMap(([code, list]) =>
      list.map((errorCase, index) => [
        index === 0 ? code : `${code}_${index + 1}`,
        { summary: code, value: body(code, errorCase) },
      ]),
    ),
  );
}

/** True when OpenAPIHono will parse and validate the body as JSON (and refuse other media types with 415). */
function isZodJsonBody(body: NonNullable<ApiRouteConfig["request"]>["body"]): boolean {
  return Object.entries(body?.content ?? {}).some(
    ([mediaType, media]) =>
      /^application\/([a-z.-]+\+)?json/i.test(mediaType) &&
      media !== undefined &&
      "schema" in media &&
      typeof (media.schema as { safeParse?: unknown } | undefined)?.safeParse === "function",
  );
}

/** What authenticate() and requireRole(role) refuse with. */
export function authErrors(role: Role): ErrorCodes {
  return {
    401: {
      unauthorized: {
        when: "No bearer token in the Authorization header.",
        message: "A bearer token is required in the Authorization header.",
      },
      invalid_token: {
        when:
          "The token is malformed, expired or not valid yet, or fails verification (signature, algorithm, " +
          "issuer, audience), or it is an API token that is unknown, revoked or expired.",
        message: "The access token has expired or is not valid yet.",
      },
    },
    403: {
      forbidden: {
        when: `The token has no subject or names no team, or lacks the \`${role}\` role.`,
        message: `This needs the ${role} role.`,
      },
      origin_not_allowed: {
        when: "The request's Origin is neither the gateway's own nor one of its allowed origins.",
        message: "Origin https://evil.example is not allowed to call this gateway.",
      },
    },
    503: {
      auth_unavailable: {
        when: "The gateway cannot fetch the keys (JWKS) that verify the token; try again.",
        message: "The gateway cannot reach its token signing keys right now.",
      },
    },
  };
}

/** What the error handler answers for a failure no route foresaw, on any route. */
export const SERVER_FAILURES = {
  500: {
    internal_error: {
      when: "An unexpected failure; the details are in the gateway's log.",
      message: "The gateway failed to handle this request.",
    },
    misconfigured: {
      when: "The gateway's settings are invalid; the reason is in the gateway's log.",
      message: "The gateway is misconfigured; its operator has been told why.",
    },
  },
} satisfies ErrorCodes;

/** The errors OpenAPIHono's validators answer with, given what the route validates. */
function validationErrors(config: ApiRouteConfig): ErrorCodes {
  const request = config.request;
  const zodBody = isZodJsonBody(request?.body);
  const errors: ErrorCodes = {};
  const validated = [
    request?.params ? "a path parameter" : null,
    request?.query ? "a query parameter" : null,
    zodBody ? "the body" : null,
  ].filter((part) => part !== null);
  const last = validated.pop();
  if (last !== undefined) {
    const what = validated.length > 0 ? `${validated.join(", ")} or ${last}` : last;
    errors[400] = {
      validation_failed: validationCase(
        what.replace(/^./, (first) => first.toUpperCase()),
        config,
      ),
    };
  }
  if (zodBody) {
    errors[400] = {
      ...errors[400],
      bad_request: { when: "The body is not valid JSON.", message: "Malformed JSON in request body" },
    };
    errors[415] = {
      unsupported_media_type: {
        when: "A body was sent without `Content-Type: application/json`.",
        message: "Unsupported Media Type",
      },
    };
  }
  return errors;
}

/** The schema check's 400, with an example for the part of the request the route validates that matters most. */
function validationCase(what: string, config: ApiRouteConfig): ErrorCaseDoc {
  const [location, field, message] = isZodJsonBody(config.request?.body)
    ? (["body", "name", "Too small: expected string to have >=1 characters"] as const)
    : config.request?.query
      ? (["query parameter", "limit", "Too big: expected number to be <=500"] as const)
      : (["path parameter", "name", "Too big: expected string to have <=63 characters"] as const);
  return {
    when: `${what} fails its schema: \`details\` names each problem.`,
    message: `Invalid request: ${location} '${field}' ${message}.`,
    details: [{ location, field, message }],
  };
}

function errorResponse(status: ErrorStatus, cases: CasesByCode) {
  return {
    description: describeErrors(status, cases),
    ...(status === 401 || status === 403 ? { headers: WWW_AUTHENTICATE } : {}),
    content: {
      "application/json": {
        schema: ErrorBody,
        examples: errorExamples(
          cases,
          (code, { message, details }): ErrorBodyValue => ({
            error: details ? { code, message, details } : { code, message },
          }),
        ),
      },
    },
  };
}

type ErrorResponse = ReturnType<typeof errorResponse>;

/** REST error responses (the Error body) for the codes of `lists`, merged by status. */
export function restErrorResponses(...lists: ErrorCodes[]): Record<string, ErrorResponse> {
  return Object.fromEntries(
    errorsByStatus(...lists).map(([status, cases]) => [status, errorResponse(status, cases)]),
  );
}

export interface ApiRouteConfig
  extends Omit<RouteConfig, "middleware" | "hide" | "summary" | "tags" | "security"> {
  summary: string;
  tags: [ApiTag, ...ApiTag[]];
  /** The role the caller needs (or a higher one): checked before validation, and documented. */
  role: Role;
  /** What this route's handler and the stores it calls can refuse with, beyond what every route shares. */
  errors?: ErrorCodes;
}

type SharedErrorStatus = 401 | 403 | 500 | 503;

type ErrorStatusOf<C extends ApiRouteConfig> =
  | SharedErrorStatus
  | (C extends { request: object } ? 400 : never)
  | (C extends { request: { body: object } } ? 415 : never)
  | (C extends { errors: infer E } ? keyof E & ErrorStatus : never);

/** A route as OpenAPIHono.openapi() takes it, with the shared errors added to its responses. */
export type ApiRoute<C extends ApiRouteConfig> = Omit<C, "role" | "errors" | "responses"> & {
  middleware: [MiddlewareHandler<AppEnv>];
  security: Array<Record<string, string[]>>;
  responses: C["responses"] & { [Status in ErrorStatusOf<C>]: ErrorResponse };
};

/**
 * createRoute() for an authenticated /api/v1 route: adds the role check, the bearer security and, per status, the
 * error codes the route shares with every other (authentication, validation, failures) and its own `errors`.
 */
export function apiRoute<P extends string, C extends ApiRouteConfig & { path: P }>(config: C): ApiRoute<C> {
  const { role, errors = {}, responses, description, ...route } = config;
  const errorResponses = restErrorResponses(
    validationErrors(config),
    authErrors(role),
    SERVER_FAILURES,
    errors,
  );
  const needs = `Needs the \`${role}\` role (or a higher one).`;
  return createRoute({
    ...route,
    description: description ? `${description}\n\n${needs}` : needs,
    middleware: [requireRole(role)],
    security: [{ [BEARER_AUTH]: [] }],
    responses: { ...responses, ...errorResponses },
  }) as unknown as ApiRoute<C>;
}
