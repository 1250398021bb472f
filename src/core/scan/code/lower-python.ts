// Python to the analyzer's model (code-ir.ts), from Lezer's Python grammar. Keyword arguments become a call's
// `named`; `with x as y` and `for y in x` assign y; `assert` is a check that ends the path when it fails.
import type { SyntaxNode } from "@lezer/common";
import { parser } from "@lezer/python";
import {
  alternatives,
  dottedName,
  type Expr,
  type FunctionIR,
  type ImportBinding,
  type ModuleIR,
  type Param,
  type Stmt,
  type Target,
} from "./code-ir.ts";
import { childrenOf, partsOf, Source, stringValue } from "./syntax.ts";

export function lowerPython(path: string, text: string): ModuleIR {
  const tree = parser.parse(text);
  const lowering = new PyLowering(new Source(text));
  const body = lowering.statements(partsOf(tree.topNode));
  return { language: "python", path, imports: lowering.imports, body, lines: text.split("\n") };
}

/** Splits a node's children at its tokens named `separator` (`,` or `=`), keeping the syntax nodes of each run. */
function splitAt(children: readonly SyntaxNode[], separator: (node: SyntaxNode) => boolean): SyntaxNode[][] {
  const runs: SyntaxNode[][] = [[]];
  for (const child of children) {
    if (separator(child)) runs.push([]);
    else if (/^[A-Z]/.test(child.name) && !child.type.isError) runs.at(-1)?.push(child);
  }
  return runs.filter((run) => run.length > 0);
}

class PyLowering {
  readonly imports: ImportBinding[] = [];
  readonly #src: Source;

  constructor(src: Source) {
    this.#src = src;
  }

  statements(nodes: readonly SyntaxNode[]): Stmt[] {
    return nodes.flatMap((node) => this.statement(node));
  }

  body(node: SyntaxNode | undefined): Stmt[] {
    return node ? this.statements(partsOf(node)) : [];
  }

  statement(node: SyntaxNode): Stmt[] {
    const line = this.#src.line(node);
    const parts = partsOf(node);
    switch (node.name) {
      case "ImportStatement":
        this.importStatement(node);
        return [];
      case "AssignStatement":
        return [this.assignStatement(node, line)];
      case "UpdateStatement": {
        const [left, op, right] = parts;
        if (!left || !right) return [];
        // `url += f"?ref={branch}"` appends, like `url = url + …`.
        const appends = op !== undefined && this.#src.of(op) === "+=";
        return [
          {
            kind: "assign",
            targets: [this.target(left)],
            value: {
              kind: "compose",
              parts: [this.expr(left), this.expr(right)],
              op: appends ? "+" : null,
              line,
            },
            line,
          },
        ];
      }
      case "ExpressionStatement": {
        const expr = parts[0] ? this.expr(parts[0]) : null;
        if (!expr) return [];
        if (
          expr.kind === "call" &&
          /^(?:sys\.exit|exit|quit|os\._exit|os\.abort)$/.test(dottedName(expr.callee) ?? "")
        ) {
          return [{ kind: "exit", line }];
        }
        return [{ kind: "expr", expr, line }];
      }
      case "ReturnStatement":
        return [{ kind: "return", value: parts[0] ? this.tuple(parts, line) : null, line }];
      case "RaiseStatement":
        return [{ kind: "exit", line }];
      case "AssertStatement":
        // `assert ok` ends the path when ok is false: a check like `if not ok: raise`.
        return parts[0]
          ? [
              {
                kind: "if",
                test: this.expr(parts[0]),
                consequent: [{ kind: "exit", line }],
                alternate: [],
                line,
              },
            ]
          : [];
      case "IfStatement":
        return [this.ifStatement(childrenOf(node), line)];
      case "ForStatement": {
        const children = childrenOf(node);
        const inAt = children.findIndex((child) => child.name === "in");
        const targets = splitAt(children.slice(1, inAt), (child) => child.name === ",").flat();
        const iter = children
          .slice(inAt + 1)
          .find((child) => /^[A-Z]/.test(child.name) && child.name !== "Body");
        const bodies = parts.filter((part) => part.name === "Body");
        return [
          {
            kind: "loop",
            target: targets.length === 1 ? this.target(targets[0] as SyntaxNode) : this.patternOf(targets),
            iter: iter ? this.expr(iter) : null,
            body: bodies.flatMap((body) => this.body(body)),
            line,
          },
        ];
      }
      case "WhileStatement": {
        const bodies = parts.filter((part) => part.name === "Body");
        const test = parts.find((part) => part.name !== "Body");
        const body = bodies.flatMap((b) => this.body(b));
        if (test) body.unshift({ kind: "expr", expr: this.expr(test), line });
        return [{ kind: "loop", target: null, iter: null, body, line }];
      }
      case "TryStatement":
        return [{ kind: "block", body: this.tryStatement(node, line), line }];
      case "WithStatement":
        return [this.withStatement(node, line)];
      case "MatchStatement": {
        const matchBody = parts.find((part) => part.name === "MatchBody");
        const clauses = matchBody ? partsOf(matchBody) : [];
        const bodies = clauses.flatMap((clause) => partsOf(clause).filter((part) => part.name === "Body"));
        return alternatives(
          bodies.map((b) => this.body(b)),
          line,
        );
      }
      case "FunctionDefinition":
        return [{ kind: "function", fn: this.functionOf(node, [], null), line }];
      case "ClassDefinition":
        return [this.classDefinition(node)];
      case "DecoratedStatement": {
        const decorators = parts.filter((part) => part.name === "Decorator").map((d) => this.decorator(d));
        const definition = parts.find(
          (part) => part.name === "FunctionDefinition" || part.name === "ClassDefinition",
        );
        if (!definition) return [];
        if (definition.name === "ClassDefinition") return [this.classDefinition(definition)];
        return [{ kind: "function", fn: this.functionOf(definition, decorators, null), line }];
      }
      default:
        return [];
    }
  }

  ifStatement(children: SyntaxNode[], line: number): Stmt {
    // if TEST Body (elif TEST Body)* (else Body)?: the elif chain nests as else-ifs.
    const index = children.findIndex((child) => child.name === "if" || child.name === "elif");
    const rest = children.slice(index + 1);
    const test = rest.find((child) => /^[A-Z]/.test(child.name) && child.name !== "Body");
    const bodyAt = rest.findIndex((child) => child.name === "Body");
    const consequent = bodyAt === -1 ? [] : this.body(rest[bodyAt]);
    const after = rest.slice(bodyAt + 1);
    let alternate: Stmt[] = [];
    if (after[0]?.name === "elif") alternate = [this.ifStatement(after, this.#src.line(after[0]))];
    else if (after[0]?.name === "else") alternate = this.body(after.find((child) => child.name === "Body"));
    return {
      kind: "if",
      test: test ? this.expr(test) : { kind: "unknown", line },
      consequent,
      alternate,
      line,
    };
  }

  /** `not` applied where Python applies it in `not a or b`: to the leftmost operand of the boolean chain. */
  negateLeftmost(node: SyntaxNode): Expr {
    const line = this.#src.line(node);
    const [left, ...rest] = partsOf(node);
    if (!left) return { kind: "unknown", line };
    const negated = booleanOperator(left)
      ? this.negateLeftmost(left)
      : ({ kind: "compose", parts: [this.expr(left)], op: "!", line } as Expr);
    return { kind: "compose", parts: [negated, ...rest.map((part) => this.expr(part))], op: null, line };
  }

  /**
   * try and else bodies run in order; the except clauses are alternatives that may not run at all, so a `return` or
   * `raise` in one ends that branch, not what follows the try; finally runs in order.
   */
  tryStatement(node: SyntaxNode, line: number): Stmt[] {
    const inOrder: Stmt[] = [];
    const handlers: Stmt[][] = [];
    let keyword = "try";
    for (const child of childrenOf(node)) {
      if (
        child.name === "try" ||
        child.name === "except" ||
        child.name === "else" ||
        child.name === "finally"
      )
        keyword = child.name;
      else if (child.name === "Body" && keyword === "except") handlers.push(this.body(child));
      else if (child.name === "Body") {
        if (handlers.length > 0) inOrder.push(...alternatives([...handlers.splice(0), []], line));
        inOrder.push(...this.body(child));
      }
    }
    if (handlers.length > 0) inOrder.push(...alternatives([...handlers, []], line));
    return inOrder;
  }

  withStatement(node: SyntaxNode, line: number): Stmt {
    const children = childrenOf(node);
    const body: Stmt[] = [];
    // `with A as a, B as b:`: each item is an expression, optionally `as` a target.
    const items = splitAt(
      children.filter((child) => child.name !== "Body"),
      (child) => child.name === ",",
    );
    for (const item of items) {
      const [value, target] = item;
      if (!value) continue;
      const lowered = this.expr(value);
      if (target) body.push({ kind: "assign", targets: [this.target(target)], value: lowered, line });
      else body.push({ kind: "expr", expr: lowered, line });
    }
    body.push(...this.body(children.find((child) => child.name === "Body")));
    return { kind: "block", body, line };
  }

  assignStatement(node: SyntaxNode, line: number): Stmt {
    const runs = splitAt(
      childrenOf(node).filter((child) => child.name !== "TypeDef"),
      (child) => child.name === "AssignOp",
    );
    const value = runs.at(-1) ?? [];
    const targets = runs
      .slice(0, -1)
      .map((run) => (run.length === 1 ? this.target(run[0] as SyntaxNode) : this.patternOf(run)));
    return { kind: "assign", targets, value: this.tuple(value, line), line };
  }

  /** `a, b` as a value: a tuple, or the one expression. */
  tuple(nodes: SyntaxNode[], line: number): Expr {
    if (nodes.length === 1) return this.expr(nodes[0] as SyntaxNode);
    return { kind: "array", items: nodes.map((n) => this.expr(n)), line };
  }

  patternOf(nodes: SyntaxNode[]): Target {
    return { kind: "pattern", items: nodes.map((n) => ({ key: null, target: this.target(n) })) };
  }

  target(node: SyntaxNode): Target {
    switch (node.name) {
      case "VariableName":
        return { kind: "name", name: this.#src.of(node) };
      case "TupleExpression":
      case "ArrayExpression":
      case "ParenthesizedExpression":
        return this.patternOf(partsOf(node));
      default:
        return { kind: "member", expr: this.expr(node) };
    }
  }

  importStatement(node: SyntaxNode): void {
    const children = childrenOf(node);
    const text = (child: SyntaxNode) => this.#src.of(child);
    const dotted = (run: SyntaxNode[]) =>
      run
        .filter((child) => child.name === "VariableName")
        .map((child) => this.#src.of(child))
        .join(".");
    if (children[0]?.name === "from") {
      const importAt = children.findIndex((child) => child.name === "import");
      const module = dotted(children.slice(1, importAt));
      // `from ..pkg import x`: the leading dots say how many packages up.
      const firstName = children.findIndex((child, i) => i > 0 && child.name === "VariableName");
      const dots = children
        .slice(1, firstName === -1 || firstName > importAt ? importAt : firstName)
        .filter((child) => child.name === "." || child.name === "...")
        .reduce((sum, child) => sum + (child.name === "..." ? 3 : 1), 0);
      const source = `${".".repeat(dots)}${module}`;
      for (const item of splitNames(children.slice(importAt + 1), text)) {
        const name = dotted(item.name);
        this.imports.push({
          local: item.alias ?? name,
          qualified: module ? `${module}.${name}` : name,
          source,
          imported: name,
        });
      }
      return;
    }
    for (const item of splitNames(children.slice(1), text)) {
      const name = dotted(item.name);
      // `import os.path` binds `os`; `import a.b as c` binds c to a.b.
      if (item.alias) this.imports.push({ local: item.alias, qualified: name });
      else
        this.imports.push({ local: name.split(".")[0] as string, qualified: name.split(".")[0] as string });
    }

    function splitNames(
      rest: SyntaxNode[],
      textOf: (child: SyntaxNode) => string,
    ): Array<{ name: SyntaxNode[]; alias: string | null }> {
      const out: Array<{ name: SyntaxNode[]; alias: string | null }> = [];
      let current: SyntaxNode[] = [];
      let alias: string | null = null;
      let aliasNext = false;
      const flush = () => {
        if (current.length > 0) out.push({ name: current, alias });
        current = [];
        alias = null;
      };
      for (const child of rest) {
        if (child.name === ",") flush();
        else if (child.name === "as") aliasNext = true;
        else if (child.name === "VariableName" && aliasNext) {
          alias = textOf(child);
          aliasNext = false;
        } else if (child.name === "VariableName" || child.name === ".") current.push(child);
      }
      flush();
      return out;
    }
  }

  classDefinition(node: SyntaxNode): Stmt {
    const parts = partsOf(node);
    const name = parts.find((part) => part.name === "VariableName");
    const className = name ? this.#src.of(name) : "";
    const body = parts.find((part) => part.name === "Body");
    const members: Stmt[] = [];
    const fields: Param[] = [];
    for (const member of body ? partsOf(body) : []) {
      if (member.name === "FunctionDefinition") {
        members.push({
          kind: "function",
          fn: this.functionOf(member, [], className),
          line: this.#src.line(member),
        });
      } else if (member.name === "DecoratedStatement") {
        const memberParts = partsOf(member);
        const definition = memberParts.find((part) => part.name === "FunctionDefinition");
        const memberDecorators = memberParts
          .filter((part) => part.name === "Decorator")
          .map((d) => this.decorator(d));
        if (definition)
          members.push({
            kind: "function",
            fn: this.functionOf(definition, memberDecorators, className),
            line: this.#src.line(member),
          });
      } else {
        const field = member.name === "AssignStatement" ? this.field(member) : null;
        if (field) fields.push(field);
        members.push(...this.statement(member));
      }
    }
    return { kind: "class", name: className, body: members, fields, line: this.#src.line(node) };
  }

  /** `name: str = Field(max_length=5)` in a class body: a declared field. */
  field(node: SyntaxNode): Param | null {
    const children = childrenOf(node);
    const [name, typeDef] = children;
    if (name?.name !== "VariableName" || typeDef?.name !== "TypeDef") return null;
    const equals = children.findIndex((child) => child.name === "AssignOp");
    const value = equals === -1 ? undefined : children[equals + 1];
    const text = this.#src.of(name);
    return {
      name: text,
      target: { kind: "name", name: text },
      annotation: this.#src.of(typeDef).replace(/^:\s*/, ""),
      defaultText: value ? this.#src.of(value) : null,
      line: this.#src.line(name),
    };
  }

  decorator(node: SyntaxNode): Expr {
    const line = this.#src.line(node);
    const names = partsOf(node).filter((part) => part.name === "VariableName");
    let expr: Expr | null = null;
    for (const name of names) {
      expr =
        expr === null
          ? { kind: "name", name: this.#src.of(name), line }
          : { kind: "member", object: expr, property: this.#src.of(name), index: null, line };
    }
    const args = partsOf(node).find((part) => part.name === "ArgList");
    const callee = expr ?? { kind: "unknown", line };
    return args ? { ...this.callArgs(args, line), callee } : callee;
  }

  functionOf(node: SyntaxNode, decorators: Expr[], className: string | null): FunctionIR {
    const parts = partsOf(node);
    const name = parts.find((part) => part.name === "VariableName");
    const params = parts.find((part) => part.name === "ParamList");
    const body = parts.find((part) => part.name === "Body");
    return {
      name: name ? this.#src.of(name) : null,
      params: params ? this.params(params) : [],
      body: this.body(body),
      decorators,
      className,
      line: this.#src.line(node),
    };
  }

  params(list: SyntaxNode): Param[] {
    const out: Param[] = [];
    const children = childrenOf(list);
    for (let i = 0; i < children.length; i++) {
      const child = children[i] as SyntaxNode;
      // A parameter's name follows `(`, `,`, `*` or `**`; a default's names follow `=`.
      const before = children[i - 1]?.name;
      if (
        child.name !== "VariableName" ||
        !(before === "(" || before === "," || before === "*" || before === "**")
      )
        continue;
      const typeDef = children[i + 1]?.name === "TypeDef" ? (children[i + 1] as SyntaxNode) : null;
      const equals = typeDef ? i + 2 : i + 1;
      const defaultNode = children[equals]?.name === "AssignOp" ? children[equals + 1] : undefined;
      const name = this.#src.of(child);
      out.push({
        name,
        target: { kind: "name", name },
        annotation: typeDef ? this.#src.of(typeDef).replace(/^:\s*/, "") : null,
        defaultText: defaultNode ? this.#src.of(defaultNode) : null,
        line: this.#src.line(child),
        ...(before === "*" ? { rest: true } : {}),
      });
    }
    return out;
  }

  /**
   * `[E for x in I if C]` as a call of `lambda x: E` on I: the element expression sees each item of I, so
   * `[fetch(u) for u in urls]` reaches fetch with what urls holds.
   */
  comprehension(node: SyntaxNode, line: number): Expr {
    const children = childrenOf(node).filter(
      (child) => /^[A-Z]/.test(child.name) || child.name === "for" || child.name === "in",
    );
    const forAt = children.findIndex((child) => child.name === "for");
    const inAt = children.findIndex((child) => child.name === "in");
    if (forAt === -1 || inAt === -1)
      return { kind: "compose", parts: partsOf(node).map((p) => this.expr(p)), op: null, line };
    const element = children.slice(0, forAt);
    const targets = children.slice(forAt + 1, inAt);
    const iter = children[inAt + 1];
    const params: Param[] = targets.map((target) => ({
      name: this.#src.of(target),
      target: this.target(target),
      annotation: null,
      defaultText: null,
      line,
    }));
    const fn: FunctionIR = {
      name: null,
      params,
      body: [{ kind: "return", value: this.tuple(element, line), line }],
      decorators: [],
      className: null,
      line,
    };
    return {
      kind: "call",
      callee: { kind: "function", fn, line },
      args: iter ? params.map(() => this.expr(iter)) : [],
      named: {},
      line,
    };
  }

  callArgs(list: SyntaxNode, line: number): Extract<Expr, { kind: "call" }> {
    const args: Expr[] = [];
    const named: Record<string, Expr> = {};
    const children = childrenOf(list);
    for (let i = 0; i < children.length; i++) {
      const child = children[i] as SyntaxNode;
      if (!/^[A-Z]/.test(child.name) || child.type.isError) continue;
      if (child.name === "VariableName" && children[i + 1]?.name === "AssignOp") {
        const value = children[i + 2];
        if (value) named[this.#src.of(child)] = this.expr(value);
        i += 2;
      } else {
        args.push(this.expr(child));
      }
    }
    return { kind: "call", callee: { kind: "unknown", line }, args, named, line };
  }

  expr(node: SyntaxNode): Expr {
    const line = this.#src.line(node);
    const parts = partsOf(node);
    const compose = (items: SyntaxNode[], op: string | null = null): Expr => ({
      kind: "compose",
      parts: items.map((item) => this.expr(item)),
      op,
      line,
    });
    switch (node.name) {
      case "VariableName":
        return { kind: "name", name: this.#src.of(node), line };
      case "MemberExpression": {
        const [object, property] = parts;
        const lowered = object ? this.expr(object) : ({ kind: "unknown", line } as Expr);
        if (property?.name === "PropertyName")
          return { kind: "member", object: lowered, property: this.#src.of(property), index: null, line };
        if (property?.name === "String" && parts.length === 2)
          return {
            kind: "member",
            object: lowered,
            property: stringValue(this.#src.of(property)),
            index: null,
            line,
          };
        return {
          kind: "member",
          object: lowered,
          property: null,
          index: property ? this.expr(property) : null,
          line,
        };
      }
      case "CallExpression": {
        const callee = parts[0];
        const argList = parts.find((part) => part.name === "ArgList");
        const call = argList ? this.callArgs(argList, line) : this.callArgs(node, line);
        return {
          ...call,
          callee: callee && callee !== argList ? this.expr(callee) : { kind: "unknown", line },
        };
      }
      case "String":
        return { kind: "string", value: stringValue(this.#src.of(node)), line };
      case "ContinuedString":
        return { kind: "string", value: parts.map((part) => stringValue(this.#src.of(part))).join(""), line };
      case "FormatString": {
        const inner = parts
          .filter((part) => part.name === "FormatReplacement")
          .flatMap((part) =>
            partsOf(part).filter((p) => p.name !== "FormatConversion" && p.name !== "FormatSpec"),
          );
        if (inner.length === 0) return { kind: "string", value: stringValue(this.#src.of(node)), line };
        // The literal text before the first replacement is the first part (it may fix a URL's host).
        const first = parts.find((part) => part.name === "FormatReplacement");
        const prefix = first
          ? this.#src.text.slice(node.from, first.from).replace(/^[A-Za-z]*(?:"""|'''|"|')/, "")
          : "";
        return {
          kind: "compose",
          parts: [{ kind: "string", value: prefix, line }, ...inner.map((p) => this.expr(p))],
          op: "template",
          line,
        };
      }
      case "Number":
      case "Boolean":
      case "None":
        return { kind: "literal", text: this.#src.of(node), line };
      case "ArrayExpression":
      case "TupleExpression":
      case "SetExpression":
        return { kind: "array", items: parts.map((part) => this.expr(part)), line };
      case "DictionaryExpression": {
        const entries: Array<{ key: string | null; value: Expr }> = [];
        for (let i = 0; i + 1 < parts.length; i += 2) {
          const key = parts[i] as SyntaxNode;
          entries.push({
            key: key.name === "String" ? stringValue(this.#src.of(key)) : null,
            value: this.expr(parts[i + 1] as SyntaxNode),
          });
        }
        return { kind: "object", entries, line };
      }
      case "LambdaExpression": {
        const params = parts.find((part) => part.name === "ParamList");
        const value = parts.at(-1);
        return {
          kind: "function",
          fn: {
            name: null,
            params: params ? this.params(params) : [],
            body: value && value !== params ? [{ kind: "return", value: this.expr(value), line }] : [],
            decorators: [],
            className: null,
            line,
          },
          line,
        };
      }
      case "ParenthesizedExpression":
      case "AwaitExpression":
        return parts[0] ? this.expr(parts[0]) : { kind: "unknown", line };
      case "BinaryExpression": {
        const tokens = childrenOf(node).map((child) => child.name);
        const op = tokens.includes("in")
          ? tokens.includes("not")
            ? "not in"
            : "in"
          : opOf(this.#src, parts);
        return compose(
          parts.filter((part) => !/Op$/.test(part.name)),
          op,
        );
      }
      case "UnaryExpression": {
        const first = childrenOf(node)[0];
        // Lezer reads `not a or b` as `not (a or b)`; Python binds `not` tighter than `and` and `or`.
        const operand = parts.find((part) => !/Op$/.test(part.name));
        if (first?.name === "not" && operand && booleanOperator(operand)) return this.negateLeftmost(operand);
        const op = first?.name === "not" ? "!" : first && this.#src.of(first) === "~" ? "~" : null;
        return compose(
          parts.filter((part) => !/Op$/.test(part.name)),
          op,
        );
      }
      case "ArrayComprehensionExpression":
      case "SetComprehensionExpression":
      case "DictionaryComprehensionExpression":
      case "ComprehensionExpression":
        return this.comprehension(node, line);
      case "ConditionalExpression":
        // `a if test else b`: the value is a or b.
        return compose([parts[0], parts[2]].filter((part): part is SyntaxNode => part !== undefined));
      default:
        return parts.length > 0 ? compose(parts) : { kind: "unknown", line };
    }
  }
}

/** `and` or `or` when `node` is a boolean operation, else null. */
function booleanOperator(node: SyntaxNode): string | null {
  if (node.name !== "BinaryExpression") return null;
  return childrenOf(node).find((child) => child.name === "and" || child.name === "or")?.name ?? null;
}

function opOf(src: Source, parts: SyntaxNode[]): string | null {
  const op = parts.find((part) => /Op$/.test(part.name));
  return op ? src.of(op) : null;
}
