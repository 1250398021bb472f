// Where tool input goes: a walk over one function's statements carrying, for each variable, which inputs its value
// came from (labels) and by which lines. A call to a sink with a labelled argument is a hit; a check that guards an
// input (containment, allow-list, anchored pattern, equality with a constant) marks it for the rest of the path;
// sanitisers clear a label for their families. Calls to the module's own functions use per-function summaries
// (which parameters reach which sinks, and the return value), so flows through helpers and methods are followed.
import {
  dottedName,
  type Expr,
  type FunctionIR,
  type ModuleIR,
  type Param,
  type Stmt,
  type Target,
} from "./code-ir.ts";
import type { FunctionTable } from "./function-table.ts";
import { type Guard, guardsOf } from "./guards.ts";
import {
  type CallExpr,
  FAMILIES,
  type Family,
  matchesCallee,
  RESOLVING_CALLS,
  SANITIZERS,
  type SinkSpec,
  sinksFor,
} from "./sinks.ts";
import {
  applyGuards,
  clearFor,
  copyState,
  EMPTY,
  endsPath,
  guardedFor,
  guardKey,
  type Hit,
  type Label,
  MAX_STEPS,
  mergeStates,
  NO_FAMILIES,
  refine,
  rootName,
  type State,
  type Summary,
  type Taint,
  union,
  withStep,
} from "./taint-state.ts";

export type { Hit, Label, State, Taint } from "./taint-state.ts";

/** What a call of each family does with a value, for input-validation findings. */
const CONSUMER_LABELS: Record<Family, string> = {
  "command-injection": "a command",
  "code-injection": "code evaluation",
  "path-traversal": "a file operation",
  ssrf: "an outbound request",
  "privilege-escalation": "a privileged operation",
  "input-validation": "an operation",
};
const MAX_INLINE_DEPTH = 4;

export interface AnalysisContext {
  module: ModuleIR;
  functions: FunctionTable;
  /** Local name → qualified name, from the module's imports. */
  imports: Map<string, string>;
  /**
   * A function another module of the project exports, for an imported name (`runGit`) or a member of an imported
   * module (`git.log`), with the analysis of the module it belongs to.
   */
  resolveImport?: (local: string, member: string | null) => ExternalFunction | null;
}

export interface ExternalFunction {
  fn: FunctionIR;
  analysis: TaintAnalysis;
}

/** Analyses functions of one module; summaries are computed once per function. */
export class TaintAnalysis {
  readonly #ctx: AnalysisContext;
  readonly #summaries = new Map<FunctionIR, Summary>();
  readonly #inProgress = new Set<FunctionIR>();
  #moduleState: State | null = null;
  /** The module's top-level string constants (`BASE_URL = "https://…"`). */
  readonly constants: Map<string, string>;
  /** Top-level tables of constant values (`COMMANDS = {"disk": "df -h"}`, `new Map([…])`): a lookup is clean. */
  readonly valueTables = new Set<string>();
  /** Top-level tables of functions (`HANDLERS = {"run": run_cmd}`): a call through one may call any of them. */
  readonly functionTables = new Map<string, FunctionIR[]>();

  constructor(ctx: AnalysisContext) {
    this.#ctx = ctx;
    this.constants = new Map();
    for (const stmt of ctx.module.body) {
      const target = stmt.kind === "assign" ? stmt.targets[0] : undefined;
      if (stmt.kind !== "assign" || target?.kind !== "name") continue;
      if (stmt.value.kind === "string") this.constants.set(target.name, stmt.value.value);
      const table = tableValues(stmt.value);
      if (!table || table.length === 0) continue;
      if (table.every(isConstantValue)) this.valueTables.add(target.name);
      // `{"run": run_cmd}`, or one level down: `{"run": {"handler": run_cmd, "inputSchema": …}}`.
      const functionOf = (value: Expr) =>
        value.kind === "function"
          ? [value.fn]
          : value.kind === "name"
            ? [ctx.functions.resolve(value, null)]
            : [];
      const functions = table.flatMap((value) =>
        value.kind === "object"
          ? value.entries.flatMap((entry) => functionOf(entry.value))
          : functionOf(value),
      );
      if (functions.length > 0 && functions.every((fn) => fn !== null))
        this.functionTables.set(target.name, functions as FunctionIR[]);
    }
  }

  /** Walks `fn` with its parameters bound as given; every sink hit is returned. */
  run(fn: FunctionIR, bindings: ReadonlyArray<Taint>, base: State): { hits: Hit[]; state: State } {
    const walker = new Walker(this, fn.className, 0);
    const state = copyState(base);
    for (const [i, param] of fn.params.entries()) walker.bindParam(state, param, bindings[i] ?? EMPTY);
    walker.walk(fn.body, state);
    return { hits: walker.hits, state };
  }

  /** The module's top-level state: what its statements assign (no input yet), and the kinds of its objects. */
  moduleState(): State {
    if (this.#moduleState) return this.#moduleState;
    const walker = new Walker(this, null, 0);
    const state: State = { vars: new Map(), kinds: new Map(), guards: new Map() };
    // Set first: functions the top level calls are summarised against the module state as it is so far.
    this.#moduleState = state;
    walker.walk(this.#ctx.module.body, state);
    return state;
  }

  /** Where a function starts: the module's state, plus the kinds its class gives `this.x`/`self.x` anywhere. */
  baseFor(fn: FunctionIR): State {
    const state = copyState(this.moduleState());
    for (const [name, kind] of this.#ctx.functions.classKinds(fn.className, (callee) =>
      this.qualifiedStatic(callee),
    ))
      state.kinds.set(name, kind);
    return state;
  }

  /** A callee's qualified name from imports alone (no variables). */
  qualifiedStatic(callee: Expr): string | null {
    const name = dottedName(callee.kind === "call" ? callee.callee : callee);
    if (name === null) return null;
    const [root = "", ...rest] = name.split(".");
    const qualified = this.#ctx.imports.get(root);
    return qualified ? [qualified, ...rest].join(".") : name;
  }

  get ctx(): AnalysisContext {
    return this.#ctx;
  }

  summary(fn: FunctionIR): Summary {
    const known = this.#summaries.get(fn);
    if (known) return known;
    if (this.#inProgress.has(fn)) return { hits: [], returns: new Map(), validates: new Set() };
    this.#inProgress.add(fn);
    const walker = new Walker(this, fn.className, 0);
    const state = this.baseFor(fn);
    for (const [i, param] of fn.params.entries()) {
      walker.bindParam(state, param, [
        { source: -(i + 1), parameter: null, steps: [], cleared: NO_FAMILIES },
      ]);
    }
    walker.walk(fn.body, state);
    const summary: Summary = { hits: walker.hits, returns: walker.returns, validates: walker.validates };
    this.#inProgress.delete(fn);
    this.#summaries.set(fn, summary);
    return summary;
  }
}

class Walker {
  readonly hits: Hit[] = [];
  readonly returns = new Map<number, Set<Family>>();
  /** What the walked function's return statements give back. */
  readonly returned: Taint[] = [];
  readonly validates = new Set<number>();
  readonly #analysis: TaintAnalysis;
  readonly #className: string | null;
  readonly #depth: number;
  /** Functions declared inside the one being walked: called inline, with the caller's variables in reach. */
  readonly #local = new Map<string, FunctionIR>();
  /** Variables given a function: `handler = HANDLERS.get(name)`, `run = run_cmd`. */
  readonly #functionVars = new Map<string, FunctionIR[]>();
  /** Variables given the result of a call, kept for tests that name them: `const ok = check(p); if (!ok) …`. */
  readonly #checks = new Map<string, Expr>();
  /** Variables holding a URL whose scheme and host are written out: what is appended cannot move the host. */
  readonly #fixedOrigins = new Set<string>();
  /** Variables naming a file object's file (`path = tmp.name`), by the object: a later write to it fills them. */
  readonly #fileNames = new Map<string, Set<string>>();

  constructor(analysis: TaintAnalysis, className: string | null, depth: number) {
    this.#analysis = analysis;
    this.#className = className;
    this.#depth = depth;
  }

  /** Walks statements in order; true when every path through them ended (return, throw, exit). */
  walk(stmts: readonly Stmt[], state: State): boolean {
    for (const stmt of stmts) {
      if (this.statement(stmt, state)) return true;
    }
    return false;
  }

  statement(stmt: Stmt, state: State): boolean {
    switch (stmt.kind) {
      case "assign": {
        const taint = this.expr(stmt.value, state);
        for (const target of stmt.targets) this.assign(state, target, stmt.value, taint, stmt.line);
        return false;
      }
      case "expr":
        this.expr(stmt.expr, state);
        return false;
      case "return": {
        if (stmt.value) {
          const taint = this.expr(stmt.value, state);
          this.returned.push(taint);
          for (const label of taint) {
            if (label.source >= 0) continue;
            const cleared = new Set(label.cleared);
            for (const family of state.guards.get(guardKey(label)) ?? []) {
              // Checked against an allow-list or a pattern: clean for every family.
              for (const each of family === "all" ? FAMILIES : [family]) cleared.add(each);
            }
            const index = -label.source - 1;
            const known = this.returns.get(index);
            this.returns.set(index, known ? new Set([...known].filter((f) => cleared.has(f))) : cleared);
          }
          this.noteValidation(stmt.value, state);
        }
        return true;
      }
      case "exit":
        return true;
      case "if":
        return this.ifStatement(stmt, state);
      case "loop": {
        if (stmt.iter && stmt.target) {
          const taint = this.expr(stmt.iter, state);
          this.bind(state, stmt.target, asPieces(taint), stmt.line);
        }
        // Twice, so what one pass assigns reaches the next.
        const inner = copyState(state);
        this.walk(stmt.body, inner);
        this.walk(stmt.body, inner);
        const merged = mergeStates(state, inner);
        state.vars = merged.vars;
        state.kinds = merged.kinds;
        return false;
      }
      case "block":
        return this.walk(stmt.body, state);
      case "function":
        if (stmt.fn.name) this.#local.set(stmt.fn.name, stmt.fn);
        return false;
      case "class":
        return false;
    }
  }

  ifStatement(stmt: Extract<Stmt, { kind: "if" }>, state: State): boolean {
    this.expr(stmt.test, state);
    const test = this.expandTest(stmt.test);
    const guards = this.guardsOf(test, state);
    this.noteValidation(test, state);
    const consequent = copyState(state);
    const alternate = copyState(state);
    const consequentEnds = endsPath(stmt.consequent);
    // `if (!ALLOWED.has(x)) throw`: what follows is guarded; `if (ALLOWED.has(x)) { use }`: the use is. But
    // `if (cache.has(url)) return cached`: what follows is every url not in the cache, unguarded. A branch that
    // raises rejects what its test matched (`if x in ("", "..") or …: raise`): what follows passed the check.
    const rejects = stmt.consequent.at(-1)?.kind === "exit";
    applyGuards(
      consequent,
      guards.filter((guard) => guard.holdsWhen === true || (guard.holdsWhen === null && !consequentEnds)),
    );
    applyGuards(
      alternate,
      guards.filter((guard) =>
        guard.holdsWhen === false ? true : consequentEnds && (rejects || guard.holdsWhen === null),
      ),
    );
    const endedThen = this.walk(stmt.consequent, consequent);
    const endedElse = this.walk(stmt.alternate, alternate);
    let next: State;
    if (endedThen && endedElse) return true;
    if (endedThen) next = alternate;
    else if (endedElse) next = consequent;
    else next = mergeStates(consequent, alternate);
    state.vars = next.vars;
    state.kinds = next.kinds;
    state.guards = next.guards;
    return false;
  }

  /** A parameter: its value, and the kind its type annotation names (`session: aiohttp.ClientSession`). */
  bindParam(state: State, param: Param, taint: Taint): void {
    this.bind(state, param.target, taint, param.line);
    const annotation = param.annotation?.replace(/^Optional\[(.*)\]$/, "$1").trim();
    if (param.name && annotation && /^[A-Za-z_][\w.]*$/.test(annotation)) {
      const kind = this.#analysis.qualifiedStatic({ kind: "name", name: annotation, line: param.line });
      // An imported or dotted type (`ClientSession` from aiohttp, `httpx.AsyncClient`); not `str` or `int`.
      if (kind?.includes(".")) state.kinds.set(param.name, kind);
    }
  }

  bind(state: State, target: Target, taint: Taint, line: number): void {
    if (target.kind === "name") {
      state.vars.set(target.name, taint.length > 0 ? withStep(taint, { line, what: target.name }) : taint);
    } else if (target.kind === "pattern") {
      for (const item of target.items) this.bind(state, item.target, refine(taint, item.key), line);
    } else {
      const name = dottedName(target.expr);
      if (name) state.vars.set(name, taint);
      // `obj.prop = input` taints obj as a whole too.
      const root = target.expr.kind === "member" ? rootName(target.expr) : null;
      if (root) state.vars.set(root, union(state.vars.get(root) ?? EMPTY, taint));
    }
  }

  assign(state: State, target: Target, value: Expr, taint: Taint, line: number): void {
    if (target.kind === "pattern" && value.kind === "array" && value.items.length === target.items.length) {
      target.items.forEach((item, i) => {
        const part = value.items[i] as Expr;
        this.assign(state, item.target, part, this.expr(part, state), line);
      });
      return;
    }
    if (target.kind === "pattern") {
      for (const item of target.items) {
        const member: Expr | null =
          item.key === null ? null : { kind: "member", object: value, property: item.key, index: null, line };
        this.bind(state, item.target, member ? this.expr(member, state) : taint, line);
      }
      return;
    }
    this.bind(state, target, taint, line);
    // `params = message.get("params", {})`: what is known of message.params.* is known of params.*.
    const source = target.kind === "name" ? pathOf(value) : null;
    if (source !== null && target.kind === "name") {
      for (const [name, known] of [...state.vars]) {
        if (name.startsWith(`${source}.`))
          state.vars.set(`${target.name}${name.slice(source.length)}`, known);
      }
    }
    if (target.kind === "member" && value.kind === "call") {
      const name = dottedName(target.expr);
      const kind = this.qualified(value.callee, state);
      if (name && kind) state.kinds.set(name, kind);
    }
    if (target.kind === "name") {
      const given =
        value.kind === "name" || value.kind === "member"
          ? [this.#analysis.ctx.functions.resolve(value, this.#className)].filter((fn) => fn !== null)
          : [];
      const functions = given.length > 0 ? given : this.functionsCalled(value);
      if (functions.length > 0) this.#functionVars.set(target.name, functions as FunctionIR[]);
      else this.#functionVars.delete(target.name);
      if (value.kind === "call" || value.kind === "compose") this.#checks.set(target.name, value);
      else this.#checks.delete(target.name);
      const fixed =
        value.kind === "string" || value.kind === "name"
          ? this.fixedOrigin(value)
          : value.kind === "compose" &&
            (value.op === "template" || value.op === "+" || value.op === "%") &&
            this.fixedOrigin(value.parts[0]);
      if (fixed) this.#fixedOrigins.add(target.name);
      else this.#fixedOrigins.delete(target.name);
      if (value.kind === "member" && value.property === "name" && value.object.kind === "name") {
        const names = this.#fileNames.get(value.object.name) ?? new Set<string>();
        this.#fileNames.set(value.object.name, names.add(target.name));
      }
      // `const run = promisify(exec)`: calling run is calling exec.
      const promisified =
        value.kind === "call" &&
        /(?:^|\.)promisify$/.test(this.qualified(value.callee, state) ?? "") &&
        value.args[0]
          ? this.qualified(value.args[0], state)
          : null;
      const kind =
        promisified ??
        (value.kind === "call"
          ? this.qualified(value.callee, state)
          : value.kind === "compose" && value.parts[0]?.kind === "name"
            ? (state.kinds.get(value.parts[0].name) ?? null)
            : null);
      if (kind) state.kinds.set(target.name, kind);
      else state.kinds.delete(target.name);
    }
  }

  /** A callee's qualified name: imports resolved, and a method of a known object under its constructor's name. */
  qualified(callee: Expr, state: State): string | null {
    if (callee.kind === "call") return this.qualified(callee.callee, state);
    if (callee.kind === "name") {
      // An import (CommonJS loading included) names what it binds, whatever kind the
      // assignment that created it suggests.
      return this.#analysis.ctx.imports.get(callee.name) ?? state.kinds.get(callee.name) ?? callee.name;
    }
    if (callee.kind === "member" && callee.property !== null) {
      const own = dottedName(callee);
      const known = own ? state.kinds.get(own) : undefined;
      if (known) return known;
      // A method of a value with no name (`(root / name).read_text()`): matched by `*.method` sinks only.
      const object = this.qualified(callee.object, state);
      return `${object ?? "(value)"}.${callee.property}`;
    }
    return null;
  }

  expr(expr: Expr, state: State): Taint {
    switch (expr.kind) {
      case "name":
        return state.vars.get(expr.name) ?? EMPTY;
      case "member": {
        const own = pathOf(expr);
        const object = this.expr(expr.object, state);
        if (expr.index) this.expr(expr.index, state);
        const key = expr.property ?? (expr.index?.kind === "string" ? expr.index.value : null);
        // `parts[0]`, `command[i - 1]`: one element of a sequence, one character of a string.
        if (expr.index && expr.index.kind !== "string")
          return asPieces(union(own ? (state.vars.get(own) ?? EMPTY) : EMPTY, object));
        return union(own ? (state.vars.get(own) ?? EMPTY) : EMPTY, refine(object, key));
      }
      case "call":
        return this.call(expr, state);
      case "compose": {
        const parts = expr.parts.map((part) => this.expr(part, state));
        if ((expr.op === "template" || expr.op === "+" || expr.op === "%") && this.fixedOrigin(expr.parts[0]))
          return union(...parts.slice(1).map((part) => clearFor(part, ["ssrf"])));
        // Comparisons and tests yield booleans: nothing of the input survives in them.
        if (
          expr.op !== null &&
          /^(?:===|!==|==|!=|<|>|<=|>=|in|not in|!|typeof|instanceof|is|is not)$/.test(expr.op)
        )
          return EMPTY;
        return union(...parts);
      }
      case "object":
        return union(...expr.entries.map((entry) => this.expr(entry.value, state)));
      case "array":
        return union(...expr.items.map((item) => this.expr(item, state)));
      case "function":
        return EMPTY;
      default:
        return EMPTY;
    }
  }

  call(call: CallExpr, state: State): Taint {
    const args = call.args.map((arg) => this.expr(arg, state));
    const named = Object.fromEntries(
      Object.entries(call.named).map(([key, value]) => [key, this.expr(value, state)]),
    );
    const receiver = call.callee.kind === "member" ? this.expr(call.callee.object, state) : EMPTY;
    const qualified = this.qualified(call.callee, state) ?? "";
    const language = this.#analysis.ctx.module.language;

    let consumer: SinkSpec | null = null;
    for (const sink of sinksFor(language, qualified)) {
      consumer ??= sink;
      if (sink.when && !sink.when(call)) continue;
      const reaching = union(
        ...sink.args.map((index) => (index === "receiver" ? receiver : (args[index] ?? EMPTY))),
        ...(sink.named ?? []).map((key) => named[key] ?? EMPTY),
      );
      for (const label of reaching) this.hit(sink, qualified, call.line, label, state);
    }
    // Whatever reaches such a call in any argument is consumed by an operation: evidence for unbounded parameters.
    if (consumer && consumer.family !== "input-validation") {
      const spec: SinkSpec = {
        ...consumer,
        family: "input-validation",
        label: CONSUMER_LABELS[consumer.family],
      };
      for (const label of union(receiver, ...args, ...Object.values(named)))
        this.hit(spec, qualified, call.line, label, state);
    }

    // `"https://api.example.com/{}".format(x)`: a template.
    if (
      call.callee.kind === "member" &&
      call.callee.property === "format" &&
      this.fixedOrigin(call.callee.object)
    )
      return clearFor(union(...args, ...Object.values(named)), ["ssrf"]);
    const sanitizer = SANITIZERS.find((entry) => matchesCallee(entry.callees, qualified));
    if (sanitizer) return clearFor(union(...args, receiver), sanitizer.families);
    // `tmp.write(code)`, `fs.writeFileSync(tmp, code)`, `path.write_text(code)`: the file now holds the input.
    this.noteWrittenFile(call, qualified, args, state);
    // `message.get("params", {})`: the field, like `message.params` (and the default when it is missing).
    const field = pathOf(call);
    if (field !== null && call.args[0]?.kind === "string") {
      const key = call.args[0].value;
      return union(state.vars.get(field) ?? EMPTY, refine(receiver, key), ...args.slice(1));
    }
    // `COMMANDS.get(key, default)` on a table of constants: a value of the table (or the default), never the key.
    const table = getFrom(call);
    if (table && this.#analysis.valueTables.has(table) && (state.vars.get(table) ?? EMPTY).length === 0)
      return union(...args.slice(1));

    // Callbacks run with what the call was given: `items.map((x) => exec(x))`, `new Promise(() => exec(cmd))`,
    // `fs.realpath(p, (err, resolved) => …)` (resolved, like the value realpathSync returns).
    const resolving = RESOLVING_CALLS.test(qualified);
    const given = union(receiver, ...args, ...Object.values(named)).map((label) =>
      resolving ? { ...label, resolved: true } : label,
    );
    for (const arg of call.args)
      if (arg.kind === "function")
        this.inline(
          arg.fn,
          arg.fn.params.map(() => given),
          state,
          call.line,
        );

    if (call.callee.kind === "function") return this.inline(call.callee.fn, args, state, call.line);
    const local = this.localFunction(call.callee);
    if (local) return this.inline(local, args, state, call.line);
    const fn = this.#analysis.ctx.functions.resolve(call.callee, this.#className);
    if (fn) return this.applySummary(fn, args, state, call.line, receiver);
    // `HANDLERS[name](arguments)`, `HANDLERS.get(name)(arguments)`, or a variable holding such a function.
    const candidates = this.functionsCalled(call.callee);
    if (candidates.length > 0)
      return union(...candidates.map((candidate) => this.applySummary(candidate, args, state, call.line)));
    const external = this.externalFunction(call.callee);
    if (external) return this.applySummary(external.fn, args, state, call.line, receiver, external.analysis);
    // A function handed over to be called with the arguments after it: `asyncio.to_thread(fetch_page, url)`,
    // `loop.run_in_executor(None, work, x)`, `pool.submit(job, x)`, `setImmediate(run, x)`.
    call.args.forEach((arg, i) => {
      const passed = arg.kind === "name" ? this.#analysis.ctx.functions.resolve(arg, this.#className) : null;
      if (passed) this.applySummary(passed, args.slice(i + 1), state, call.line);
    });
    // An unknown function: its result is made from what it was given. What a command, an evaluation or a request
    // gives back is its output: checking it (`stdout.trim() === "True"`) checks nothing about the input.
    return consumer && consumer.family !== "input-validation" ? asOutputs(given) : given;
  }

  /** A URL whose scheme and host are written out (`https://api.example.com/…`): what follows cannot move the host. */
  fixedOrigin(expr: Expr | undefined): boolean {
    if (expr?.kind === "name" && this.#fixedOrigins.has(expr.name)) return true;
    const text =
      expr?.kind === "string"
        ? expr.value
        : expr?.kind === "name"
          ? this.#analysis.constants.get(expr.name)
          : undefined;
    return text !== undefined && /^[a-z][\w+.-]*:\/\/[^/?#\s]+[/?#]/i.test(text);
  }

  /** A write of input into a file: the variable naming the file (or the file object) holds the input as content. */
  noteWrittenFile(call: CallExpr, qualified: string, args: readonly Taint[], state: State): void {
    let file: Expr | undefined;
    let data: Taint = EMPTY;
    if (
      call.callee.kind === "member" &&
      /^(?:write|writelines|write_text|write_bytes)$/.test(call.callee.property ?? "")
    ) {
      file = call.callee.object;
      data = union(...args);
    } else if (/(?:^|\.)(?:writeFile|writeFileSync|appendFile|appendFileSync)$/.test(qualified)) {
      file = call.args[0];
      data = union(...args.slice(1));
    }
    const path = file ? pathOf(file) : null;
    if (path === null || data.length === 0) return;
    for (const name of [path, ...(this.#fileNames.get(path) ?? [])])
      state.vars.set(name, union(state.vars.get(name) ?? EMPTY, asContent(data)));
  }

  /** The functions a callee may be: one of a table of functions, or what a variable was given from one. */
  functionsCalled(callee: Expr): FunctionIR[] {
    if (callee.kind === "name") return this.#functionVars.get(callee.name) ?? [];
    const table = indexInto(callee) ?? getFrom(callee);
    if (table) return this.#analysis.functionTables.get(table) ?? [];
    // What a wrapper returns is taken to call what it wraps: `audited(run)(args)`, `wrap_handler(_raw_exec)`.
    if (callee.kind === "call")
      return callee.args.flatMap((arg) =>
        arg.kind === "function"
          ? [arg.fn]
          : arg.kind === "name"
            ? (this.#functionVars.get(arg.name) ??
              [this.#analysis.ctx.functions.resolve(arg, this.#className)].filter((fn) => fn !== null))
            : [],
      );
    return [];
  }

  localFunction(callee: Expr): FunctionIR | null {
    return callee.kind === "name" ? (this.#local.get(callee.name) ?? null) : null;
  }

  /** Walks a function declared in reach (a callback, a nested helper) with the caller's variables. */
  inline(fn: FunctionIR, args: readonly Taint[], state: State, line: number): Taint {
    if (this.#depth >= MAX_INLINE_DEPTH) return union(...args);
    const walker = new Walker(this.#analysis, fn.className ?? this.#className, this.#depth + 1);
    const inner = copyState(state);
    const step = { line, what: `${fn.name ?? "callback"}()` };
    for (const [i, param] of fn.params.entries()) {
      walker.bindParam(inner, param, withStep(args[i] ?? EMPTY, step));
    }
    walker.walk(fn.body, inner);
    this.hits.push(...walker.hits);
    for (const [index, families] of walker.returns) {
      const known = this.returns.get(index);
      this.returns.set(index, known ? new Set([...known].filter((f) => families.has(f))) : families);
    }
    return union(...walker.returned);
  }

  /** A function imported from another module of the project, when the callee names one. */
  externalFunction(callee: Expr): ExternalFunction | null {
    const resolve = this.#analysis.ctx.resolveImport;
    if (!resolve) return null;
    if (callee.kind === "name") return resolve(callee.name, null);
    if (callee.kind === "member" && callee.object.kind === "name" && callee.property !== null)
      return resolve(callee.object.name, callee.property);
    return null;
  }

  applySummary(
    fn: FunctionIR,
    given: readonly Taint[],
    state: State,
    line: number,
    receiver: Taint = EMPTY,
    owner: TaintAnalysis = this.#analysis,
  ): Taint {
    const summary = owner.summary(fn);
    // A Python method's first parameter is the object it is called on.
    const selfFirst = fn.className !== null && /^(?:self|cls)$/.test(fn.params[0]?.name ?? "");
    const positional = selfFirst ? [receiver, ...given] : given;
    // A rest parameter (`*args`, `...args`) receives every argument from its position on.
    const restAt = fn.params.findIndex((param) => param.rest);
    const args =
      restAt === -1 ? positional : [...positional.slice(0, restAt), union(...positional.slice(restAt))];
    const step = { line, what: `${fn.name ?? "function"}()` };
    for (const hit of summary.hits) {
      const index = -hit.label.source - 1;
      const given = index >= 0 ? (args[index] ?? EMPTY) : EMPTY;
      for (const label of given) {
        const cleared = new Set([...label.cleared, ...hit.label.cleared]);
        const through: Label = {
          source: label.source,
          parameter: label.parameter,
          steps: [...label.steps, step, ...hit.label.steps].slice(0, MAX_STEPS + 2),
          cleared,
          ...(label.content || hit.label.content ? { content: true } : {}),
        };
        this.hit(hit.sink, hit.callee, hit.line, through, state, hit.guarded, hit.path);
      }
    }
    const out: Taint[] = [];
    for (const [index, families] of summary.returns) {
      out.push(withStep(clearFor(args[index] ?? EMPTY, [...families]), step));
    }
    return union(...out);
  }

  hit(
    sink: SinkSpec,
    callee: string,
    line: number,
    label: Label,
    state: State,
    guardedInside = false,
    path = this.#analysis.ctx.module.path,
  ): void {
    if (label.cleared.has(sink.family)) return;
    // A file the input wrote matters only to an interpreter run on it; a value made from the input never to that.
    if ((label.content ?? false) !== (sink.scripts ?? false)) return;
    const guarded = guardedInside || guardedFor(state, label, sink.family);
    this.hits.push({ family: sink.family, sink, callee, path, line, label, guarded });
  }

  /** The inputs a test expression checks, and for which families. */
  guardsOf(test: Expr, state: State): Guard[] {
    return guardsOf(test, {
      taint: (expr) => this.expr(expr, state),
      qualified: (callee) => this.qualified(callee, state),
      validated: (call) => {
        const fn = this.#analysis.ctx.functions.resolve(call.callee, this.#className);
        if (fn) return this.#analysis.summary(fn).validates;
        // A check another module of the project exports (`isPathWithinAllowedDirectories` from ./path-validation).
        const external = this.externalFunction(call.callee);
        return external ? external.analysis.summary(external.fn).validates : new Set();
      },
    });
  }

  /** A test as written, or what a variable it names was given: `const ok = isAllowed(p); if (!ok) throw`. */
  expandTest(test: Expr): Expr {
    if (test.kind === "name") return this.#checks.get(test.name) ?? test;
    if (test.kind === "compose" && (test.op === "!" || test.op === null || /^(?:&&|\|\|)$/.test(test.op)))
      return { ...test, parts: test.parts.map((part) => this.expandTest(part)) };
    return test;
  }

  /** In a summary: a check on a parameter makes the function a validator of it. */
  noteValidation(expr: Expr, state: State): void {
    // Checking a piece (each character of a string in a loop) does not validate the whole parameter.
    for (const { label } of this.guardsOf(expr, state))
      if (label.source < 0 && !label.piece) this.validates.add(-label.source - 1);
  }
}

/** The values of a table literal: an object's or dict's values, an array's items, `new Map([[k, v], …])`'s values. */
function tableValues(expr: Expr): Expr[] | null {
  if (expr.kind === "object") return expr.entries.map((entry) => entry.value);
  if (expr.kind === "array") return expr.items;
  if (expr.kind === "call" && /^(?:Map|dict)$/.test(dottedName(expr.callee) ?? "")) {
    const pairs = expr.args[0];
    if (pairs?.kind !== "array") return Object.values(expr.named);
    return pairs.items.map((pair) => (pair.kind === "array" ? (pair.items[1] ?? pair) : pair));
  }
  return null;
}

/** A value written out in full: strings, numbers, and tables of them. */
function isConstantValue(expr: Expr): boolean {
  if (expr.kind === "string" || expr.kind === "literal") return true;
  const values = expr.kind === "object" || expr.kind === "array" ? tableValues(expr) : null;
  return values?.every(isConstantValue) ?? false;
}

/** `T.get(key)` (or `T.at(i)`) on a top-level name `T`: the table's name. */
function getFrom(expr: Expr): string | null {
  return expr.kind === "call" &&
    expr.callee.kind === "member" &&
    /^(?:get|at)$/.test(expr.callee.property ?? "") &&
    expr.callee.object.kind === "name"
    ? expr.callee.object.name
    : null;
}

/** `T[key]`, `T.key` or `T[key].handler` on a top-level name `T`: the table's name. */
function indexInto(expr: Expr): string | null {
  if (expr.kind !== "member" || /^(?:get|at)$/.test(expr.property ?? "")) return null;
  return expr.object.kind === "name" ? expr.object.name : indexInto(expr.object);
}

/**
 * The dotted path a value is read from: `a.b.c`, and dictionary reads by a written key (`a.get("b")`, Python's
 * `a["b"]`) as the same path; null for anything else.
 */
function pathOf(expr: Expr): string | null {
  if (expr.kind === "name") return expr.name;
  if (expr.kind === "member") {
    const object = pathOf(expr.object);
    return object !== null && expr.property !== null ? `${object}.${expr.property}` : null;
  }
  if (
    expr.kind === "call" &&
    expr.callee.kind === "member" &&
    expr.callee.property === "get" &&
    expr.args[0]?.kind === "string"
  ) {
    const object = pathOf(expr.callee.object);
    return object !== null ? `${object}.${expr.args[0].value}` : null;
  }
  return null;
}

/** A file holding these inputs as its content. */
function asContent(taint: Taint): Taint {
  return taint.map((label) => (label.content ? label : { ...label, content: true }));
}

/** What an operation gave back, made from these inputs: checks on it guard nothing. */
function asOutputs(taint: Taint): Taint {
  return taint.map((label) => (label.output ? label : { ...label, output: true }));
}

/** The same inputs as pieces of them (an element, a character): checks on them guard the pieces only. */
function asPieces(taint: Taint): Taint {
  return taint.map((label) => (label.piece ? label : { ...label, piece: true }));
}
