// Policy evaluation. Policies are compiled once (globs, pointers, RE2 regexes) into a PolicySet; each message is
// then run through the rules of its server in priority order. allow, deny and redact decide; log and dry-run
// rules are recorded and evaluation goes on; the server's default decides when nothing else does. Any failure
// during evaluation denies: the engine fails closed.
import { RE2JS } from "re2js";
import { isRequest, type JsonRpcMessage } from "../jsonrpc.ts";
import { compileGlob, compileGlobs, type GlobMatcher } from "./glob.ts";
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
}

/** What the server does when no rule decides: allow everything, or allow only what a rule allows. */
export type DefaultMode = "allow" | "deny";

export interface RuleHit {
  rule: string;
  action: PolicyAction;
  reason: string | null;
  dryRun: boolean;
}

export interface Decision {
  action: "allow" | "deny" | "redact";
  /** The rule that decided, or null when the default (or a failure) did. */
  rule: string | null;
  reason: string | null;
  /** log rules and dry-run rules that matched on the way, for the audit log. */
  observed: RuleHit[];
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
  name: string;
  action: PolicyAction;
  reason: string | null;
  dryRun: boolean;
  appliesTo: GlobMatcher;
  test: Test;
}

function stringParam(params: Record<string, unknown> | undefined, key: string): string | null {
  const value = params?.[key];
  return typeof value === "string" ? value : null;
}

function viewOf(message: JsonRpcMessage): MessageView {
  if (!("method" in message))
    return { method: null, tool: null, prompt: null, resource: null, args: MISSING };
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

function compileRule(policy: PolicyDocument): CompiledRule {
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
  if (match.direction) {
    const directions = new Set(match.direction);
    tests.push((input) => directions.has(input.direction));
  }
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
    name: policy.name,
    action: policy.action,
    reason: policy.reason ?? null,
    dryRun: policy.dry_run,
    appliesTo: compileGlobs(policy.servers),
    test: (input, view) => tests.every((test) => test(input, view)),
  };
}

const DENIED_BY_DEFAULT = "Not allowed by any policy for this server.";
const EVALUATION_FAILED = "Policy evaluation failed, so the message was refused.";

/** A compiled, ordered set of policies. Compile once per bundle version; evaluate per message. */
export class PolicySet {
  readonly #rules: CompiledRule[];
  readonly #defaultMode: DefaultMode;
  readonly #byServer = new Map<string, CompiledRule[]>();

  private constructor(rules: CompiledRule[], defaultMode: DefaultMode) {
    this.#rules = rules;
    this.#defaultMode = defaultMode;
  }

  /** Compiles validated policies (see policySchema). Disabled ones are left out. */
  static compile(policies: readonly PolicyDocument[], defaultMode: DefaultMode = "allow"): PolicySet {
    const ordered = policies
      .filter((policy) => policy.enabled)
      .toSorted((a, b) => b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return new PolicySet(ordered.map(compileRule), defaultMode);
  }

  #rulesFor(server: string): CompiledRule[] {
    let rules = this.#byServer.get(server);
    if (!rules) {
      rules = this.#rules.filter((rule) => rule.appliesTo(server));
      if (this.#byServer.size < 10_000) this.#byServer.set(server, rules);
    }
    return rules;
  }

  /** The decision for one message. Never throws: a failure denies. */
  evaluate(input: EvaluationInput): Decision {
    const observed: RuleHit[] = [];
    try {
      const view = viewOf(input.message);
      for (const rule of this.#rulesFor(input.server)) {
        if (!rule.test(input, view)) continue;
        const hit = { rule: rule.name, action: rule.action, reason: rule.reason, dryRun: rule.dryRun };
        if (rule.dryRun || rule.action === "log") {
          observed.push(hit);
          continue;
        }
        return { action: rule.action as Decision["action"], rule: rule.name, reason: rule.reason, observed };
      }
      if (this.#defaultMode === "deny" && isRequestLike(input)) {
        return { action: "deny", rule: null, reason: DENIED_BY_DEFAULT, observed };
      }
      return { action: "allow", rule: null, reason: null, observed };
    } catch (error) {
      return {
        action: "deny",
        rule: null,
        reason: EVALUATION_FAILED,
        observed,
        failure: error instanceof Error ? error.message : String(error),
      };
    }
  }
}

/** Allow-list mode refuses what the client asks for, not the responses and notifications that come back. */
function isRequestLike(input: EvaluationInput): boolean {
  return input.direction !== "result" && isRequest(input.message);
}
