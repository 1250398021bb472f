// Checks that guard tool input: a containment test on a resolved path, an allow-list (`has`, `includes`, `in`),
// equality with a constant, an anchored pattern, a type or format test, or a module helper that does one of these.
// A guard names the input it checks and the families it protects against.
import type { Expr } from "./code-ir.ts";
import {
  type CallExpr,
  CONTAINMENT_CALLS,
  type Family,
  MEMBERSHIP_CALLS,
  PATTERN_CALLS,
  VALIDATION_CALLS,
} from "./sinks.ts";
import { EMPTY, type Label, type Taint, union } from "./taint-state.ts";

export interface Guard {
  label: Label;
  families: Family[] | "all";
}

/** What guard recognition asks of the walk. */
export interface GuardEnv {
  taint(expr: Expr): Taint;
  qualified(callee: Expr): string | null;
  /** The argument positions a called module function validates. */
  validated(call: CallExpr): ReadonlySet<number>;
}

/** The inputs a test expression checks, and for which families. */
export function guardsOf(test: Expr, env: GuardEnv): Guard[] {
  const out: Guard[] = [];
  const visit = (expr: Expr) => {
    if (expr.kind === "compose") {
      if (expr.op === "in" || expr.op === "not in") {
        // `value in ALLOWED`: an allow-list when the collection is not itself input.
        const [value, collection] = expr.parts;
        if (value && collection && env.taint(collection).length === 0)
          for (const label of env.taint(value)) out.push({ label, families: "all" });
      } else if (expr.op !== null && /^(?:===|==|!==|!=)$/.test(expr.op)) {
        const [left, right] = expr.parts;
        const constant = (e: Expr | undefined) => e?.kind === "string";
        if (left && right && (constant(left) || constant(right))) {
          for (const label of union(env.taint(left), env.taint(right))) out.push({ label, families: "all" });
        } else if (left && right) {
          // `commonpath([root, p]) == root`, `rel.indexOf("..") !== 0`: look into the sides.
          visit(left);
          visit(right);
        }
      } else {
        for (const part of expr.parts) visit(part);
      }
      return;
    }
    if (expr.kind !== "call") return;
    // `["main", "dev"].includes(ref)`: a method of a literal has no qualified name; its own name is enough here.
    const qualified =
      env.qualified(expr.callee) ?? (expr.callee.kind === "member" ? (expr.callee.property ?? "") : "");
    const receiver = expr.callee.kind === "member" ? env.taint(expr.callee.object) : EMPTY;
    const args = union(...expr.args.map((arg) => env.taint(arg)));
    if (CONTAINMENT_CALLS.test(qualified)) {
      // A prefix check on a path holds only once `..` is resolved away; on a URL it is an allow-list.
      for (const label of union(receiver, args))
        out.push({ label, families: label.resolved ? ["path-traversal", "ssrf"] : ["ssrf"] });
    } else if (MEMBERSHIP_CALLS.test(qualified) && receiver.length === 0) {
      for (const label of args) out.push({ label, families: "all" });
    } else if (VALIDATION_CALLS.test(qualified)) {
      for (const label of union(receiver, args)) out.push({ label, families: "all" });
    } else if (PATTERN_CALLS.test(qualified) && anchoredPattern(expr)) {
      for (const label of union(receiver, args)) out.push({ label, families: "all" });
    } else {
      // A helper of the module that checks its argument (`if (!isSafeName(x)) throw`).
      const validates = env.validated(expr);
      expr.args.forEach((arg, i) => {
        if (validates.has(i)) for (const label of env.taint(arg)) out.push({ label, families: "all" });
      });
    }
    for (const arg of expr.args) {
      if (arg.kind === "function")
        for (const stmt of arg.fn.body) if (stmt.kind === "return" && stmt.value) visit(stmt.value);
    }
  };
  visit(test);
  return out;
}

/** `/^[a-z]+$/.test(x)`, `re.fullmatch(p, x)`, `x.match(/^…$/)`: a pattern that must match the whole value. */
function anchoredPattern(call: CallExpr): boolean {
  const method =
    call.callee.kind === "member"
      ? call.callee.property
      : call.callee.kind === "name"
        ? call.callee.name
        : null;
  if (method === "fullmatch") return true;
  const candidates = [...call.args, ...(call.callee.kind === "member" ? [call.callee.object] : [])];
  return candidates.some((candidate) => {
    const source =
      candidate.kind === "regex"
        ? candidate.source.replace(/^\/|\/[a-z]*$/g, "")
        : candidate.kind === "string"
          ? candidate.value
          : null;
    if (source !== null) return /^\^/.test(source) && /(?:\$|\\Z|\\z)$/.test(source);
    // A pattern held in a constant (`SAFE_NAME.test(x)`): trusted to be a validation.
    return candidate.kind === "name" && /^[A-Z][A-Z0-9_]*$/.test(candidate.name);
  });
}
