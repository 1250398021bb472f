// The functions a module defines, by the names its calls use: plain functions, methods (`this.m()`, `self.m()`, or
// a method name unique in the module), constructors, and the kinds a class gives its `this.x` / `self.x` fields.
import { dottedName, type Expr, type FunctionIR, type ModuleIR, type Stmt } from "./code-ir.ts";

/** The functions a module defines, by the names calls use. */
export class FunctionTable {
  readonly #byName = new Map<string, FunctionIR>();
  readonly #methods = new Map<string, FunctionIR[]>();

  constructor(module: ModuleIR) {
    const visit = (stmts: readonly Stmt[], className: string | null) => {
      for (const stmt of stmts) {
        if (stmt.kind === "function") this.add(stmt.fn, className);
        else if (stmt.kind === "class") visit(stmt.body, stmt.name);
        else if (stmt.kind === "assign" && stmt.value.kind === "function" && className === null) {
          const target = stmt.targets[0];
          if (target?.kind === "name") this.add({ ...stmt.value.fn, name: target.name }, null);
        }
      }
    };
    visit(module.body, null);
  }

  add(fn: FunctionIR, className: string | null): void {
    if (!fn.name) return;
    if (className) {
      const list = this.#methods.get(fn.name) ?? [];
      list.push(fn);
      this.#methods.set(fn.name, list);
      this.#byName.set(`${className}.${fn.name}`, fn);
    } else if (!this.#byName.has(fn.name)) {
      this.#byName.set(fn.name, fn);
    }
  }

  /** `this.x = new Client()` / `self.x = Client()` anywhere in the class: x's kind in every method. */
  classKinds(className: string | null, qualify: (callee: Expr) => string | null): Map<string, string> {
    const kinds = new Map<string, string>();
    if (!className) return kinds;
    for (const [key, fn] of this.#byName) {
      if (!key.startsWith(`${className}.`)) continue;
      const visit = (stmts: readonly Stmt[]) => {
        for (const stmt of stmts) {
          if (stmt.kind === "assign" && stmt.value.kind === "call") {
            for (const target of stmt.targets) {
              const name = target.kind === "member" ? dottedName(target.expr) : null;
              const kind = qualify(stmt.value);
              if (name && /^(?:this|self)\./.test(name) && kind) kinds.set(name, kind);
            }
          } else if (stmt.kind === "block" || stmt.kind === "loop") visit(stmt.body);
          else if (stmt.kind === "if") {
            visit(stmt.consequent);
            visit(stmt.alternate);
          }
        }
      };
      visit(fn.body);
    }
    return kinds;
  }

  /** The function a call's callee names: a plain function, `this.m()`/`self.m()` in its class, or a unique method. */
  resolve(callee: Expr, className: string | null): FunctionIR | null {
    if (callee.kind === "name") {
      // `new Parser(x)` / `Parser(x)`: the class's constructor.
      return (
        this.#byName.get(callee.name) ??
        this.#byName.get(`${callee.name}.constructor`) ??
        this.#byName.get(`${callee.name}.__init__`) ??
        null
      );
    }
    if (callee.kind !== "member" || callee.property === null) return null;
    const object = callee.object;
    if (object.kind === "name" && (object.name === "this" || object.name === "self") && className) {
      return this.#byName.get(`${className}.${callee.property}`) ?? null;
    }
    const candidates = this.#methods.get(callee.property);
    return candidates?.length === 1 ? (candidates[0] as FunctionIR) : null;
  }
}
