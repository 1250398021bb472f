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
  /**
   * When the check lets the value through: an allow-list, an equality or a validator holds when the test is true
   * (false under `!`, `not`, `!==`, `not in`). Null for a containment test, which is written both ways
   * (`resolved.startsWith(root)`, `rel.startsWith("..")`): it guards whichever branch the exit leaves.
   */
  holdsWhen: boolean | null;
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
  const visit = (expr: Expr, negated = false) => {
    const push = (label: Label, families: Guard["families"], polar = true) =>
      out.push({ label, families, holdsWhen: polar ? !negated : null });
    if (expr.kind === "compose") {
      if (expr.op === "in" || expr.op === "not in") {
        // `value in ALLOWED`: an allow-list when the collection is not itself input.
        const [value, collection] = expr.parts;
        const inverted = expr.op === "not in" ? !negated : negated;
        if (value && collection && env.taint(collection).length === 0)
          for (const label of env.taint(value)) out.push({ label, families: "all", holdsWhen: !inverted });
      } else if (expr.op !== null && /^(?:===|==|!==|!=)$/.test(expr.op)) {
        const [left, right] = expr.parts;
        const constant = (e: Expr | undefined) => e?.kind === "string";
        const inverted = expr.op.startsWith("!") ? !negated : negated;
        if (left && right && (constant(left) || constant(right))) {
          for (const label of union(env.taint(left), env.taint(right)))
            out.push({ label, families: "all", holdsWhen: !inverted });
        } else if (left && right) {
          // `commonpath([root, p]) == root`, `rel.indexOf("..") !== 0`: look into the sides.
          visit(left, inverted);
          visit(right, inverted);
        }
      } else {
        const inverted = expr.op === "!" || expr.op === "not" ? !negated : negated;
        for (const part of expr.parts) visit(part, inverted);
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
        push(label, label.resolved ? ["path-traversal", "ssrf"] : ["ssrf"], false);
    } else if (MEMBERSHIP_CALLS.test(qualified) && receiver.length === 0) {
      for (const label of args) push(label, "all");
    } else if (VALIDATION_CALLS.test(qualified)) {
      for (const label of union(receiver, args)) push(label, "all");
    } else if (PATTERN_CALLS.test(qualified) && anchoredPattern(expr)) {
      for (const label of union(receiver, args)) push(label, "all");
    } else {
      // A helper of the module that checks its argument (`if (!isSafeName(x)) throw`).
      const validates = env.validated(expr);
      expr.args.forEach((arg, i) => {
        if (validates.has(i)) for (const label of env.taint(arg)) push(label, "all");
      });
    }
    for (const arg of expr.args) {
      if (arg.kind === "function")
        for (const stmt of arg.fn.body) if (stmt.kind === "return" && stmt.value) visit(stmt.value, negated);
    }
  };
  visit(test);
  // A check on what an operation gave back (`stdout.trim() === "True"`) says nothing about the input.
  return out.filter((guard) => !guard.label.output);
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
