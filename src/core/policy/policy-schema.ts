// The policy language: zod schemas for policy documents, shared by the gateway's API and the local bridge.
// docs/policies.md describes it for users.
import { RE2JS } from "re2js";
import { z } from "zod";
import { parsePointer } from "./json-pointer.ts";

export const POLICY_ACTIONS = ["allow", "deny", "log", "redact", "limit"] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/**
 * Which messages a policy sees: `request` (client-to-server requests and notifications), `server_request`
 * (server-to-client requests such as sampling and elicitation) and `result` (responses coming back).
 */
export const DIRECTIONS = ["request", "server_request", "result"] as const;
export type PolicyDirection = (typeof DIRECTIONS)[number];

const MAX_PATTERN = 1_024;

const regexSource = z
  .string()
  .max(MAX_PATTERN)
  .superRefine((source, ctx) => {
    try {
      RE2JS.compile(source);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: `is not a valid RE2 regular expression (${error instanceof Error ? error.message : String(error)}); backreferences and lookaround are not supported`,
      });
    }
  });

/** A test on one value. Several keys in one condition must all hold. */
export const conditionSchema = z
  .strictObject({
    equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    in: z
      .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .max(1_000)
      .optional(),
    prefix: z.string().max(MAX_PATTERN).optional(),
    glob: z.string().max(MAX_PATTERN).optional(),
    regex: regexSource.optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    exists: z.boolean().optional(),
  })
  .refine(
    (condition) => Object.keys(condition).length > 0,
    "needs at least one test, such as equals or regex",
  );

export type Condition = z.infer<typeof conditionSchema>;

/** One glob or a list of globs, any of which may match. */
const globs = z
  .union([z.string().min(1).max(MAX_PATTERN), z.array(z.string().min(1).max(MAX_PATTERN)).min(1).max(100)])
  .transform((value) => (typeof value === "string" ? [value] : value));

const pointer = z
  .string()
  .max(MAX_PATTERN)
  .refine((value) => parsePointer(value) !== null, "must be a JSON Pointer such as /path or /options/0/name");

export const matchSchema = z.strictObject({
  /** JSON-RPC method, such as tools/call or resources/*. */
  method: globs.optional(),
  /** Tool name of a tools/call (and of the tools a tools/list result lists). */
  tool: globs.optional(),
  /** Prompt name of a prompts/get. */
  prompt: globs.optional(),
  /** Resource URI of resources/read and subscriptions. */
  resource: globs.optional(),
  /** Conditions on argument values by JSON Pointer: into `arguments` for tools and prompts, `params` otherwise. */
  args: z.record(pointer, conditionSchema).optional(),
  subject: z
    .strictObject({
      sub: globs.optional(),
      team: globs.optional(),
      /** The caller holds at least one of these roles. */
      roles: z.array(z.string().min(1)).min(1).max(100).optional(),
      /** Conditions on any claim of the caller's token, by claim name. */
      claims: z.record(z.string().min(1), conditionSchema).optional(),
    })
    .optional(),
  direction: z
    .union([z.enum(DIRECTIONS), z.array(z.enum(DIRECTIONS)).min(1)])
    .transform((value) => (typeof value === "string" ? [value] : value))
    .optional(),
});

export type PolicyMatch = z.infer<typeof matchSchema>;

export const policySchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "must be 1-63 lower-case letters, digits, '.', '_' or '-'"),
    description: z.string().max(1_000).optional(),
    /** Server names (globs) the policy applies to; "*" for every server. */
    servers: globs,
    match: matchSchema.default({}),
    action: z.enum(POLICY_ACTIONS),
    /** What the caller (and the model) is told when the policy denies. */
    reason: z.string().max(500).optional(),
    /** Higher runs first; the first allow, deny or redact decides. */
    priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
    /** Record what the policy would have done, without doing it. */
    dry_run: z.boolean().default(false),
    enabled: z.boolean().default(true),
    /** For `limit`: at most `requests` matching requests per `per_seconds`, per caller, server and tool. */
    limit: z
      .strictObject({
        requests: z.number().int().min(1).max(1_000_000),
        per_seconds: z.number().int().min(1).max(86_400),
      })
      .optional(),
  })
  .refine((policy) => (policy.action === "limit") === (policy.limit !== undefined), {
    message: "a limit policy needs `limit` ({requests, per_seconds}), and only a limit policy may have one",
    path: ["limit"],
  });

export type PolicyDocument = z.infer<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;
