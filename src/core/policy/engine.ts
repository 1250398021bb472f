// Policy evaluation. Policies are compiled once (globs, pointers, RE2 regexes) into a PolicySet; each message is
// then run through the rules of its server in priority order. allow, deny and redact decide; log and dry-run
// rules are recorded and evaluation goes on; the server's default decides when nothing else does. Any failure
// during evaluation denies: the engine fails closed.
import { RE2JS } from "re2js";
import { isErrorResponse, isRequest, type JsonRpcMessage, type JsonRpcRequest } from "../jsonrpc.ts";
import { compileGlob, compileGlobs, type GlobMatcher, globPrefix } from "./glob.ts";
import { MISSING, parsePointer, resolvePointer } from "./json-pointer.ts";
import type { Condition, PolicyAction, PolicyDirection, PolicyDocument } from "./policy-schema.ts";

/** Longest string a regex condition runs on; a longer one is an evaluation failure (and so a denial). */
export const MAX_REGEX_INPUT = 1024 * 1024;

export interface PolicySubject {
  sub: string;
  team: string;
  roles: readonly string[];
  claims: Readonly<Record<string, unknown>>;
}

export interface EvaluationInput {
  server: string;
  direction: PolicyDirection;
  subject: PolicySubject;
  message: JsonRpcMessage;
  /**
   * For a result: the request it answers. Rules then match that request's method, tool, prompt or resource, and
   * `args` pointers start in the result (or the error).
   */
  request?: JsonRpcRequest;
}

/** What the server does when no rule decides: allow everything, or allow only what a rule allows. */
export type DefaultMode = "allow" | "deny";

export interface RuleHit {
  rule: string;
  action: PolicyAction;
  reason: string | null;
  dryRun: boolean;
}

/** A rate limit a message falls under; the caller counts it (the engine itself keeps no state). */
export interface RateLimit {
  rule: string;
  requests: number;
  perSeconds: number;
}

export interface Decision {
  action: "allow" | "deny" | "redact";
  /** The rule that decided, or null when the default (or a failure) did. */
  rule: string | null;
  reason: string | null;
  /** log rules and dry-run rules that matched on the way, for the audit log. */
  observed: RuleHit[];
  /** Rate limits the message falls under (limit rules never decide; the caller counts against these). */
  limits: RateLimit[];
  /** Set when evaluation failed and the message was denied for it. */
  failure?: string;
}

export class PolicyEvaluationError extends Error {
  override name = "PolicyEvaluationError";
}

/** The parts of a message that rules look at, computed once per evaluation. */
interface MessageView {
  method: string | null;
  tool: string | null;
  prompt: string | null;
  resource: string | null;
  args: unknown;
}

type Test = (input: EvaluationInput, view: MessageView) => boolean;

interface CompiledRule {
  /** Position in priority order. */
  order: number;
  /** Where the rule is filed so that evaluation can skip rules that cannot match (see RuleIndex). */
  keys: IndexKeys;
  name: string;
  action: PolicyAction;
  reason: string | null;
  dryRun: boolean;
  limit: { requests: number; perSeconds: number } | null;
  appliesTo: GlobMatcher;
  /** The directions the rule matches (DEFAULT_DIRECTIONS when it names none). */
  directions: ReadonlySet<PolicyDirection>;
  /** Whether it names a tool, prompt or resource (which server-initiated messages never have). */
  namesTarget: boolean;
  test: Test;
}

function stringParam(params: Record<string, unknown> | undefined, key: string): string | null {
  const value = params?.[key];
  return typeof value === "string" ? value : null;
}

function viewOf(message: JsonRpcMessage, request?: JsonRpcRequest): MessageView {
  if (!("method" in message)) {
    if (!request) return { method: null, tool: null, prompt: null, resource: null, args: MISSING };
    // A result is seen as the request it answers, with the result (or the error) as what `args` looks into.
    return { ...viewOf(request), args: isErrorResponse(message) ? message.error : message.result };
  }
  const params = message.params;
  const method = message.method;
  const named = method === "tools/call" || method === "prompts/get";
  return {
    method,
    tool: method === "tools/call" ? stringParam(params, "name") : null,
    prompt: method === "prompts/get" ? stringParam(params, "name") : null,
    resource: /^resources\/(?:read|subscribe|unsubscribe)$/.test(method) ? stringParam(params, "uri") : null,
    args: named ? (params?.arguments ?? {}) : (params ?? {}),
  };
}

function compileCondition(condition: Condition): (value: unknown) => boolean {
  const tests: Array<(value: unknown) => boolean> = [];
  const { equals, in: oneOf, prefix, glob, regex, gt, gte, lt, lte, exists } = condition;
  if (exists !== undefined) tests.push((value) => (value !== MISSING) === exists);
  if (equals !== undefined) tests.push((value) => value === equals);
  if (oneOf !== undefined) tests.push((value) => oneOf.some((item) => item === value));
  if (prefix !== undefined) tests.push((value) => typeof value === "string" && value.startsWith(prefix));
  if (glob !== undefined) {
    const matcher = compileGlob(glob);
    tests.push((value) => typeof value === "string" && matcher(value));
  }
  if (regex !== undefined) {
    const compiled = RE2JS.compile(regex);
    tests.push((value) => {
      if (typeof value !== "string") return false;
      if (value.length > MAX_REGEX_INPUT) {
        throw new PolicyEvaluationError(
          `a value of ${value.length} characters is too long for a regex condition`,
        );
      }
      return compiled.test(value);
    });
  }
  const numeric = (check: (n: number) => boolean) => (value: unknown) =>
    typeof value === "number" && check(value);
  if (gt !== undefined) tests.push(numeric((n) => n > gt));
  if (gte !== undefined) tests.push(numeric((n) => n >= gte));
  if (lt !== undefined) tests.push(numeric((n) => n < lt));
  if (lte !== undefined) tests.push(numeric((n) => n <= lte));
  return (value) => tests.every((test) => test(value));
}

/**
 * The directions of a rule that names none: what the client sends and what the server initiates, but not results.
 * Conditions written for a request (its arguments, above all) would misjudge the result of a request they allowed,
 * so a rule applies to results only when it says `direction: "result"`.
 */
const DEFAULT_DIRECTIONS: readonly PolicyDirection[] = ["request", "server_request"];

function compileRule(policy: PolicyDocument, order: number): CompiledRule {
  const { match } = policy;
  const tests: Test[] = [];
  const onName = (patterns: string[] | undefined, pick: (view: MessageView) => string | null) => {
    if (!patterns) return;
    const matcher = compileGlobs(patterns);
    tests.push((_input, view) => {
      const name = pick(view);
      return name !== null && matcher(name);
    });
  };
  const directions = new Set(match.direction ?? DEFAULT_DIRECTIONS);
  tests.push((input) => directions.has(input.direction));
  onName(match.method, (view) => view.method);
  onName(match.tool, (view) => view.tool);
  onName(match.prompt, (view) => view.prompt);
  onName(match.resource, (view) => view.resource);
  if (match.subject) {
    const { sub, team, roles, claims } = match.subject;
    if (sub) {
      const matcher = compileGlobs(sub);
      tests.push((input) => matcher(input.subject.sub));
    }
    if (team) {
      const matcher = compileGlobs(team);
      tests.push((input) => matcher(input.subject.team));
    }
    if (roles) tests.push((input) => roles.some((role) => input.subject.roles.includes(role)));
    for (const [claim, condition] of Object.entries(claims ?? {})) {
      const check = compileCondition(condition);
      tests.push((input) =>
        check(Object.hasOwn(input.subject.claims, claim) ? input.subject.claims[claim] : MISSING),
      );
    }
  }
  for (const [pointer, condition] of Object.entries(match.args ?? {})) {
    const tokens = parsePointer(pointer) ?? [];
    const check = compileCondition(condition);
    tests.push((_input, view) => check(view.args === MISSING ? MISSING : resolvePointer(view.args, tokens)));
  }
  return {
    order,
    keys: indexKeys(match.tool, match.method),
    name: policy.name,
    action: policy.action,
    reason: policy.reason ?? null,
    dryRun: policy.dry_run,
    limit: policy.limit ? { requests: policy.limit.requests, perSeconds: policy.limit.per_seconds } : null,
    appliesTo: compileGlobs(policy.servers),
    directions,
    namesTarget: match.tool !== undefined || match.prompt !== undefined || match.resource !== undefined,
    test: (input, view) => {
      for (const test of tests) if (!test(input, view)) return false;
      return true;
    },
  };
}

const DENIED_BY_DEFAULT = "Not allowed by any policy for this server.";
const EVALUATION_FAILED = "Policy evaluation failed, so the message was refused.";

/** A compiled, ordered set of policies. Compile once per bundle version; evaluate per message. */
export class PolicySet {
  readonly #rules: CompiledRule[];
  readonly #defaultMode: DefaultMode;
  readonly #byServer = new Map<string, RuleIndex>();

  private constructor(rules: CompiledRule[], defaultMode: DefaultMode) {
    this.#rules = rules;
    this.#defaultMode = defaultMode;
  }

  /**
   * Compiles validated policies (see policySchema). Disabled ones are left out. `indexed: false` makes every
   * evaluation scan all rules: the reference the index is tested against.
   */
  static compile(
    policies: readonly PolicyDocument[],
    defaultMode: DefaultMode = "allow",
    options: { indexed?: boolean } = {},
  ): PolicySet {
    const ordered = policies
      .filter((policy) => policy.enabled)
      .toSorted((a, b) => b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const rules = ordered.map((policy, order) => compileRule(policy, order));
    if (options.indexed === false) for (const rule of rules) rule.keys = { kind: "scan" };
    return new PolicySet(rules, defaultMode);
  }

  #rulesFor(server: string): RuleIndex {
    let index = this.#byServer.get(server);
    if (!index) {
      index = new RuleIndex(this.#rules.filter((rule) => rule.appliesTo(server)));
      if (this.#byServer.size < 10_000) this.#byServer.set(server, index);
    }
    return index;
  }

  /** True when no rule exists and the default allows: every message is allowed, nothing needs judging. */
  get allowsEverything(): boolean {
    return this.#rules.length === 0 && this.#defaultMode === "allow";
  }

  /**
   * Whether any rule could act on what the server sends in an exchange that carried `requests`: the requests and
   * notifications the server initiates, and the results of `requests`. When false, the response needs no judging
   * and can be relayed as it streams. Rules that only allow, and limits (counted on requests), never act here.
   */
  judgesServerMessages(server: string, requests: readonly JsonRpcMessage[]): boolean {
    const index = this.#rulesFor(server);
    if (index.actsOnServerRequests) return true;
    return requests.some(
      (request) =>
        isRequest(request) &&
        index.candidates(viewOf(request)).some((rule) => rule.directions.has("result") && actsOn(rule)),
    );
  }

  /** The decision for one message. Never throws: a failure denies. */
  evaluate(input: EvaluationInput): Decision {
    const observed: RuleHit[] = [];
    const limits: RateLimit[] = [];
    try {
      const view = viewOf(input.message, input.request);
      for (const rule of this.#rulesFor(input.server).candidates(view)) {
        if (!rule.test(input, view)) continue;
        const hit = { rule: rule.name, action: rule.action, reason: rule.reason, dryRun: rule.dryRun };
        if (rule.dryRun || rule.action === "log") {
          observed.push(hit);
          continue;
        }
        if (rule.limit) {
          limits.push({ rule: rule.name, ...rule.limit });
          continue;
        }
        return {
          action: rule.action as Decision["action"],
          rule: rule.name,
          reason: rule.reason,
          observed,
          limits,
        };
      }
      if (this.#defaultMode === "deny" && deniedByDefault(input)) {
        return { action: "deny", rule: null, reason: DENIED_BY_DEFAULT, observed, limits };
      }
      return { action: "allow", rule: null, reason: null, observed, limits };
    } catch (error) {
      return {
        action: "deny",
        rule: null,
        reason: EVALUATION_FAILED,
        observed,
        limits: [],
        failure: error instanceof Error ? error.message : String(error),
      };
    }
  }
}

/** Tool-name keys are exact names, or the first PREFIX_KEY characters of a literal prefix. */
const PREFIX_KEY = 2;

type IndexKeys =
  | { kind: "tool"; exact: string[]; prefixes: string[] }
  | { kind: "method"; methods: string[] }
  | { kind: "scan" };

/**
 * How a rule can be found: by the tools it names (when each tool pattern is a literal or starts with at least
 * PREFIX_KEY literal characters), else by its literal methods, else only by scanning.
 */
function indexKeys(tools: string[] | undefined, methods: string[] | undefined): IndexKeys {
  if (tools) {
    const exact: string[] = [];
    const prefixes: string[] = [];
    for (const pattern of tools) {
      const { prefix, exact: isExact } = globPrefix(pattern);
      if (isExact) exact.push(prefix);
      else if (prefix.length >= PREFIX_KEY) prefixes.push(prefix.slice(0, PREFIX_KEY));
      else return { kind: "scan" };
    }
    return { kind: "tool", exact, prefixes };
  }
  if (methods?.every((pattern) => globPrefix(pattern).exact)) return { kind: "method", methods };
  return { kind: "scan" };
}

function file(map: Map<string, CompiledRule[]>, key: string, rule: CompiledRule): void {
  const list = map.get(key);
  if (list?.at(-1) === rule) return;
  if (list) list.push(rule);
  else map.set(key, [rule]);
}

/** Whether a rule can change or record what happens to a message it matches (not a plain allow, not a limit). */
function actsOn(rule: CompiledRule): boolean {
  return rule.dryRun || rule.action === "deny" || rule.action === "redact" || rule.action === "log";
}

/** A server's rules filed so that a message meets only the rules that could match it, in priority order. */
class RuleIndex {
  readonly #byTool = new Map<string, CompiledRule[]>();
  readonly #byToolPrefix = new Map<string, CompiledRule[]>();
  readonly #byMethod = new Map<string, CompiledRule[]>();
  readonly #scanned: CompiledRule[] = [];
  /** Whether some rule could act on a request or notification the server initiates. */
  readonly actsOnServerRequests: boolean;

  constructor(rules: readonly CompiledRule[]) {
    this.actsOnServerRequests = rules.some(
      (rule) => rule.directions.has("server_request") && !rule.namesTarget && actsOn(rule),
    );
    for (const rule of rules) {
      const keys = rule.keys;
      if (keys.kind === "tool") {
        for (const tool of keys.exact) file(this.#byTool, tool, rule);
        for (const prefix of keys.prefixes) file(this.#byToolPrefix, prefix, rule);
      } else if (keys.kind === "method") {
        for (const method of keys.methods) file(this.#byMethod, method, rule);
      } else {
        this.#scanned.push(rule);
      }
    }
  }

  candidates(view: MessageView): readonly CompiledRule[] {
    const lists: CompiledRule[][] = [];
    if (view.tool !== null) {
      const exact = this.#byTool.get(view.tool);
      if (exact) lists.push(exact);
      const prefixed = this.#byToolPrefix.get(view.tool.slice(0, PREFIX_KEY));
      if (prefixed) lists.push(prefixed);
    }
    const byMethod = view.method === null ? undefined : this.#byMethod.get(view.method);
    if (byMethod) lists.push(byMethod);
    if (this.#scanned.length > 0) lists.push(this.#scanned);
    if (lists.length <= 1) return lists[0] ?? [];
    const merged = lists.flat().sort((a, b) => a.order - b.order);
    // A rule filed under both an exact tool and a tool prefix meets itself here: keep it once.
    return merged.filter((rule, i) => i === 0 || merged[i - 1] !== rule);
  }
}

/**
 * The operations allow-list mode refuses unless a rule allows them: what invokes a tool, prompt or resource.
 * Protocol plumbing (initialize, ping, listings, notifications) and what comes back are never refused by default,
 * so an allow-list server still works; explicit deny rules apply to everything.
 */
const OPERATIONS = new Set([
  "tools/call",
  "prompts/get",
  "resources/read",
  "resources/subscribe",
  "completion/complete",
]);

function deniedByDefault(input: EvaluationInput): boolean {
  return input.direction === "request" && isRequest(input.message) && OPERATIONS.has(input.message.method);
}
