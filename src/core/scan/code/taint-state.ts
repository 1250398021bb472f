// What the taint walk carries: labels (which input a value came from, by which lines, sanitised for what), the
// state of a path (variables, object kinds, guards) and how two paths merge. Pure data and functions.
import type { Expr, Stmt } from "./code-ir.ts";
import type { Family, SinkSpec } from "./sinks.ts";

export interface Step {
  line: number;
  /** `cmd`, `runGit()`, `execSync()`: what the value passed through at that line. */
  what: string;
}

/** Where a value came from: tool input (source ≥ 0) or, inside a summary, the function's parameter -(source + 1). */
export interface Label {
  source: number;
  /** The input parameter (a property read from an arguments object names it); null for the whole object. */
  parameter: string | null;
  steps: readonly Step[];
  /** Families this value was sanitised for on its way. */
  cleared: ReadonlySet<Family>;
  /** The value went through a path resolution (`path.resolve`, `realpath`): a containment check on it holds. */
  resolved?: boolean;
  /**
   * One piece of the input (an element or character of it in a loop, `parts[0]` of its split): a check on a piece
   * guards that piece, not the whole (`command.split()[0] in SAFE` lets `ls; cat /etc/passwd` through).
   */
  piece?: boolean;
  /** What a command, an evaluation or a request gave back, made from the input: checking it guards nothing. */
  output?: boolean;
  /**
   * A file whose content is the input (`tmp.write(code)`), not a value made from it: it matters only to an
   * interpreter run on that file, and reaches no other sink.
   */
  content?: boolean;
}

export type Taint = readonly Label[];

export interface Hit {
  family: Family;
  sink: SinkSpec;
  callee: string;
  /** The file the sink is in (a helper in another module of the project, or the handler's own). */
  path: string;
  line: number;
  label: Label;
  /** A check guarded the input before this sink. */
  guarded: boolean;
}

export interface Summary {
  /** Sinks each parameter reaches inside the function (labels with negative sources). */
  hits: Hit[];
  /** Parameters whose value reaches the return value, with what they were sanitised or guarded for on the way. */
  returns: Map<number, Set<Family>>;
  /** Parameters a check inside the function validates (an `isSafePath(p)` helper). */
  validates: Set<number>;
}

export type GuardSet = Set<Family | "all">;

export interface State {
  vars: Map<string, Taint>;
  /** What a variable holds when made by a known constructor (`httpx.AsyncClient`): sinks on its methods. */
  kinds: Map<string, string>;
  /** Guards per input (source and parameter). */
  guards: Map<string, GuardSet>;
}

export const MAX_STEPS = 8;
export const EMPTY: Taint = [];
export const NO_FAMILIES: ReadonlySet<Family> = new Set();

/** What a guard is kept under: the input, and whether the value is a piece of it (a check on a piece guards pieces). */
export const guardKey = (label: Label) =>
  `${label.source}\u0000${label.parameter ?? "*"}${label.piece ? "\u0000piece" : ""}`;

export function withStep(taint: Taint, step: Step): Taint {
  return taint.map((label) =>
    label.steps.length >= MAX_STEPS || label.steps.at(-1)?.what === step.what
      ? label
      : { ...label, steps: [...label.steps, step] },
  );
}

export function union(...taints: Taint[]): Taint {
  const seen = new Map<string, Label>();
  for (const taint of taints) {
    for (const label of taint) {
      const key = `${guardKey(label)}\u0000${[...label.cleared].sort().join(",")}${label.output ? "\u0000output" : ""}${label.content ? "\u0000content" : ""}`;
      if (!seen.has(key)) seen.set(key, label);
    }
  }
  return [...seen.values()];
}

export function clearFor(taint: Taint, families: ReadonlyArray<Family> | "all"): Taint {
  if (families === "all") return EMPTY;
  return taint.map((label) => ({ ...label, cleared: new Set([...label.cleared, ...families]) }));
}

/** Reading property `name` of an arguments object names the parameter. */
export function refine(taint: Taint, name: string | null): Taint {
  if (name === null) return taint;
  return taint.map((label) => (label.parameter === null ? { ...label, parameter: name } : label));
}

export function copyState(state: State): State {
  return {
    vars: new Map(state.vars),
    kinds: new Map(state.kinds),
    guards: new Map([...state.guards].map(([key, set]) => [key, new Set(set)])),
  };
}

/** After two paths join: a variable holds what either path gave it; an input is guarded only if both paths guarded it. */
export function mergeStates(a: State, b: State): State {
  const vars = new Map(a.vars);
  for (const [name, taint] of b.vars) vars.set(name, union(vars.get(name) ?? EMPTY, taint));
  const kinds = new Map([...a.kinds, ...b.kinds]);
  const guards = new Map<string, GuardSet>();
  for (const [key, set] of a.guards) {
    const other = b.guards.get(key);
    if (!other) continue;
    const both = new Set([...set].filter((family) => other.has(family) || other.has("all")));
    for (const family of other) if (set.has("all")) both.add(family);
    if (both.size > 0) guards.set(key, both);
  }
  return { vars, kinds, guards };
}

export function endsPath(stmts: readonly Stmt[]): boolean {
  const last = stmts.at(-1);
  if (!last) return false;
  if (last.kind === "exit" || last.kind === "return") return true;
  if (last.kind === "if") return endsPath(last.consequent) && endsPath(last.alternate);
  if (last.kind === "block") return endsPath(last.body);
  return false;
}

/**
 * Whether a check guards `label` for `family`: a check on the same input parameter or on the whole input; for a
 * whole value (a URL object, a path), a check on any of its properties (`url.hostname`) counts too.
 */
export function guardedFor(state: State, label: Label, family: Family): boolean {
  const covers = (set: GuardSet | undefined) => set?.has("all") === true || set?.has(family) === true;
  if (covers(state.guards.get(guardKey(label))) || covers(state.guards.get(`${label.source}\u0000*`)))
    return true;
  if (label.parameter !== null) return false;
  const prefix = `${label.source}\u0000`;
  for (const [key, set] of state.guards) if (key.startsWith(prefix) && covers(set)) return true;
  return false;
}

export function applyGuards(
  state: State,
  guards: ReadonlyArray<{ label: Label; families: Family[] | "all" }>,
): void {
  for (const { label, families } of guards) {
    const key = guardKey(label);
    const set = state.guards.get(key) ?? new Set();
    if (families === "all") set.add("all");
    else for (const family of families) set.add(family);
    state.guards.set(key, set);
  }
}

export function rootName(expr: Expr): string | null {
  let current = expr;
  while (current.kind === "member") current = current.object;
  return current.kind === "name" ? current.name : null;
}
