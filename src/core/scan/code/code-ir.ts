// The code analyzer's model of a source file, the same for JavaScript/TypeScript and Python: functions, statements
// and expressions reduced to what data flow needs (names, members, calls, composition, guards and exits). The
// lowering modules (lower-js.ts, lower-python.ts) build it from Lezer's syntax trees; taint.ts reads it.

export type Language = "javascript" | "python";

export type Expr =
  | { kind: "name"; name: string; line: number }
  /** `a.b`, `a["b"]` (property "b"), `a[i]` (property null, index i). */
  | { kind: "member"; object: Expr; property: string | null; index: Expr | null; line: number }
  /** A call or `new`; `named` holds Python keyword arguments (JavaScript passes options as an object argument). */
  | { kind: "call"; callee: Expr; args: Expr[]; named: Record<string, Expr>; line: number }
  | { kind: "string"; value: string; line: number }
  /** Numbers, booleans, null/None: `text` as written. */
  | { kind: "literal"; text: string; line: number }
  | { kind: "regex"; source: string; line: number }
  | { kind: "object"; entries: Array<{ key: string | null; value: Expr }>; line: number }
  | { kind: "array"; items: Expr[]; line: number }
  | { kind: "function"; fn: FunctionIR; line: number }
  /**
   * A value made from its parts: template strings, f-strings, `+`, `%`, `.format()` arguments, conditionals,
   * `await`, spreads. `op` names comparisons and membership tests, which guards read.
   */
  | { kind: "compose"; parts: Expr[]; op: string | null; line: number }
  | { kind: "unknown"; line: number };

/** What an assignment writes to. */
export type Target =
  | { kind: "name"; name: string }
  | { kind: "member"; expr: Expr }
  /** Destructuring: `{ a, b: c }`, `[a, b]`, `a, b = …`; `key` is the property read (null for positions). */
  | { kind: "pattern"; items: Array<{ key: string | null; target: Target }> };

export type Stmt =
  | { kind: "assign"; targets: Target[]; value: Expr; line: number }
  | { kind: "expr"; expr: Expr; line: number }
  | { kind: "return"; value: Expr | null; line: number }
  /** `throw`, `raise`, exiting the process (Node's or `sys.exit()`): the path ends here. */
  | { kind: "exit"; line: number }
  | { kind: "if"; test: Expr; consequent: Stmt[]; alternate: Stmt[]; line: number }
  /** Loops: the body may run many times; `target` is assigned from `iter` on each. */
  | { kind: "loop"; target: Target | null; iter: Expr | null; body: Stmt[]; line: number }
  /** try/with/switch bodies and other nested blocks, run in order. */
  | { kind: "block"; body: Stmt[]; line: number }
  | { kind: "function"; fn: FunctionIR; line: number }
  /** `fields`: annotated attributes declared in the class body (pydantic models, dataclasses). */
  | { kind: "class"; name: string; body: Stmt[]; fields?: Param[]; line: number };

export interface Param {
  /** The name the body reads, or null for a destructuring pattern (see `target`). */
  name: string | null;
  target: Target;
  /** The type annotation as source text (Python and TypeScript), for the schema-bounds check. */
  annotation: string | null;
  /** The default value as source text (`Field(max_length=64)` carries bounds in Python). */
  defaultText: string | null;
  /** `...rest` / `*args`: it receives every argument from its position on. */
  rest?: boolean;
  line: number;
}

export interface FunctionIR {
  name: string | null;
  params: Param[];
  body: Stmt[];
  /** Python decorators, as expressions (`@mcp.tool(name="x")` is a call of `mcp.tool`). */
  decorators: Expr[];
  /** The class a method belongs to. */
  className: string | null;
  line: number;
}

/** An import: the local name and what it stands for, as a dotted path (`exec` → `child_process.exec`). */
export interface ImportBinding {
  local: string;
  qualified: string;
  /** The module as written (`./tools/git.js`, `.tools`, `tools.git`), for finding the project's own modules. */
  source?: string;
  /** The name imported from it (`default` for a default import, `*` for the whole module). */
  imported?: string;
}

export interface ModuleIR {
  language: Language;
  path: string;
  imports: ImportBinding[];
  /** The module's top-level statements (function and class declarations among them). */
  body: Stmt[];
  /** Source lines, for evidence. */
  lines: string[];
}

/** Offsets to 1-based line numbers. */
export class LineIndex {
  readonly #starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.#starts.push(i + 1);
  }

  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

/**
 * Alternatives (switch cases, match clauses) as a chain of ifs on tests the analysis cannot decide: each branch is
 * walked on its own, so a `return` in one case does not end the others.
 */
export function alternatives(branches: readonly Stmt[][], line: number): Stmt[] {
  let chain: Stmt[] = [];
  for (const branch of [...branches].reverse()) {
    chain = [{ kind: "if", test: { kind: "unknown", line }, consequent: branch, alternate: chain, line }];
  }
  return chain;
}

/** `a.b.c` for a chain of names and literal members, else null. */
export function dottedName(expr: Expr): string | null {
  if (expr.kind === "name") return expr.name;
  if (expr.kind === "member" && expr.property !== null) {
    const object = dottedName(expr.object);
    return object === null ? null : `${object}.${expr.property}`;
  }
  return null;
}
