// JavaScript and TypeScript to the analyzer's model (code-ir.ts), from Lezer's JavaScript grammar in its TypeScript
// dialect (which reads plain JavaScript and JSX too). Types are dropped; `x as T`, `x!` and `<T>x` are `x`.
import type { SyntaxNode } from "@lezer/common";
import { parser } from "@lezer/javascript";
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

const TS = parser.configure({ dialect: "ts jsx" });

/** `node:fs/promises` → `fs.promises`: the dotted form sinks are written in. */
export function moduleName(specifier: string): string {
  return specifier.replace(/^node:/, "").replaceAll("/", ".");
}

export function lowerJavaScript(path: string, text: string): ModuleIR {
  const tree = TS.parse(text);
  const lowering = new JsLowering(new Source(text));
  const body = lowering.statements(partsOf(tree.topNode));
  return { language: "javascript", path, imports: lowering.imports, body, lines: text.split("\n") };
}

class JsLowering {
  readonly imports: ImportBinding[] = [];
  readonly #src: Source;

  constructor(src: Source) {
    this.#src = src;
  }

  statements(nodes: readonly SyntaxNode[]): Stmt[] {
    return nodes.flatMap((node) => this.statement(node));
  }

  /** The statements of a block, or of a single statement standing as one. */
  body(node: SyntaxNode | undefined): Stmt[] {
    if (!node) return [];
    return node.name === "Block" ? this.statements(partsOf(node)) : this.statement(node);
  }

  statement(node: SyntaxNode): Stmt[] {
    const line = this.#src.line(node);
    const parts = partsOf(node);
    switch (node.name) {
      case "ImportDeclaration":
        this.importDeclaration(node);
        return [];
      case "VariableDeclaration":
        return this.declarators(parts, line);
      case "ExpressionStatement": {
        const expr = parts[0];
        if (!expr) return [];
        if (expr.name === "AssignmentExpression") return [this.assignment(expr)];
        const lowered = this.expr(expr);
        if (
          lowered.kind === "call" &&
          /^(?:process\.exit|process\.abort)$/.test(dottedName(lowered.callee) ?? "")
        )
          return [{ kind: "exit", line }];
        return [{ kind: "expr", expr: lowered, line }];
      }
      case "ReturnStatement":
        return [{ kind: "return", value: parts[0] ? this.expr(parts[0]) : null, line }];
      case "ThrowStatement":
        return [{ kind: "exit", line }];
      case "IfStatement": {
        const [test, then, ...rest] = parts;
        const otherwise = rest.at(-1);
        return [
          {
            kind: "if",
            test: test ? this.expr(test) : { kind: "unknown", line },
            consequent: this.body(then),
            alternate: otherwise && otherwise !== then ? this.body(otherwise) : [],
            line,
          },
        ];
      }
      case "ForStatement":
        return [this.forStatement(node, parts, line)];
      case "WhileStatement":
      case "DoStatement": {
        const test = parts.find((part) => part.name === "ParenthesizedExpression");
        const block = parts.find((part) => part !== test);
        const body = this.body(block);
        if (test) body.unshift({ kind: "expr", expr: this.expr(test), line });
        return [{ kind: "loop", target: null, iter: null, body, line }];
      }
      case "TryStatement":
        return [{ kind: "block", body: parts.flatMap((part) => this.tryPart(part)), line }];
      case "SwitchStatement": {
        const switchBody = parts.find((part) => part.name === "SwitchBody");
        // Each case label starts a branch; falling through to the next case is not followed.
        const branches: Array<{ label: SyntaxNode; body: SyntaxNode[] }> = [];
        for (const part of switchBody ? partsOf(switchBody) : []) {
          if (part.name === "CaseLabel" || part.name === "DefaultLabel")
            branches.push({ label: part, body: [] });
          else branches.at(-1)?.body.push(part);
        }
        // Each branch opens with its comparison as an expression (`subject === "tools/call"`): it is what the code
        // tests, for readers of the model such as entry detection, without deciding which branch runs.
        const subject = parts.find((part) => part.name === "ParenthesizedExpression");
        return alternatives(
          branches.map(({ label, body }) => {
            const value = partsOf(label)[0];
            const test: Stmt[] =
              subject && value
                ? [
                    {
                      kind: "expr",
                      expr: {
                        kind: "compose",
                        parts: [this.expr(subject), this.expr(value)],
                        op: "===",
                        line,
                      },
                      line,
                    },
                  ]
                : [];
            return [...test, ...this.statements(body)];
          }),
          line,
        );
      }
      case "Block":
        return [{ kind: "block", body: this.statements(parts), line }];
      case "LabeledStatement":
        return this.statements(parts.filter((part) => part.name !== "Label"));
      case "FunctionDeclaration":
        return [{ kind: "function", fn: this.functionOf(node, null), line }];
      case "ClassDeclaration":
        return [this.classDeclaration(parts, line)];
      case "ExportDeclaration":
        return this.statements(parts.filter((part) => part.name !== "ExportGroup"));
      default:
        return [];
    }
  }

  /**
   * The try block runs in order; a catch clause may or may not run, so it is a branch of its own (a `throw` or
   * `return` in it ends that branch, not what follows the try); finally runs in order.
   */
  tryPart(node: SyntaxNode): Stmt[] {
    if (node.name === "Block") return this.statements(partsOf(node));
    const block = partsOf(node).find((part) => part.name === "Block");
    const body = block ? this.statements(partsOf(block)) : [];
    return node.name === "CatchClause" ? alternatives([body, []], this.#src.line(node)) : body;
  }

  forStatement(node: SyntaxNode, parts: SyntaxNode[], line: number): Stmt {
    const spec = parts.find((part) => part.name === "ForOfSpec" || part.name === "ForInSpec");
    const block = parts.at(-1);
    const body = block && block !== spec ? this.body(block) : [];
    if (spec) {
      const specParts = partsOf(spec);
      const target = specParts[0] ? this.target(specParts[0]) : null;
      const iter = specParts[1] ? this.expr(specParts[1]) : null;
      return { kind: "loop", target, iter, body, line };
    }
    const classic = parts.find((part) => part.name === "ForSpec");
    const setup = classic ? this.statements(partsOf(classic)) : [];
    return { kind: "loop", target: null, iter: null, body: [...setup, ...body], line: this.#src.line(node) };
  }

  classDeclaration(parts: SyntaxNode[], line: number): Stmt {
    const name = parts.find((part) => part.name === "VariableDefinition");
    const className = name ? this.#src.of(name) : "";
    const classBody = parts.find((part) => part.name === "ClassBody");
    const members: Stmt[] = [];
    for (const member of classBody ? partsOf(classBody) : []) {
      if (member.name === "MethodDeclaration") {
        members.push({
          kind: "function",
          fn: this.functionOf(member, className),
          line: this.#src.line(member),
        });
      } else if (member.name === "PropertyDeclaration") {
        const memberParts = partsOf(member);
        const key = memberParts.find((part) => part.name === "PropertyDefinition");
        const value = memberParts.at(-1);
        if (key && value && value !== key) {
          members.push({
            kind: "assign",
            targets: [{ kind: "member", expr: thisMember(this.#src.of(key), this.#src.line(member)) }],
            value: this.expr(value),
            line: this.#src.line(member),
          });
        }
      }
    }
    return { kind: "class", name: className, body: members, line };
  }

  declarators(parts: SyntaxNode[], line: number): Stmt[] {
    const out: Stmt[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as SyntaxNode;
      if (!isBindingNode(part)) continue;
      // `x: T = value`: skip the annotation, find `=`'s value.
      let value: SyntaxNode | undefined;
      for (let j = i + 1; j < parts.length; j++) {
        const next = parts[j] as SyntaxNode;
        if (isBindingNode(next)) break;
        if (next.name === "Equals") {
          value = parts[j + 1];
          break;
        }
      }
      if (!value) continue;
      const target = this.target(part);
      const lowered = this.expr(value);
      this.noteRequire(target, lowered);
      out.push({ kind: "assign", targets: [target], value: lowered, line });
    }
    return out;
  }

  assignment(node: SyntaxNode): Stmt {
    const line = this.#src.line(node);
    const parts = partsOf(node);
    const [left, op, right] = parts;
    const target = left ? this.target(left) : ({ kind: "name", name: "" } as Target);
    const value = right ? this.expr(right) : ({ kind: "unknown", line } as Expr);
    // `x += y` keeps what x held and adds y.
    const compound = op?.name === "UpdateOp" && left ? this.expr(left) : null;
    return {
      kind: "assign",
      targets: [target],
      // `url += \`?ref=${branch}\`` appends, like `url = url + …`.
      value: compound
        ? {
            kind: "compose",
            parts: [compound, value],
            op: op && this.#src.of(op) === "+=" ? "+" : null,
            line,
          }
        : value,
      line,
    };
  }

  /** CommonJS loading (`const cp = require…` of a module, or destructuring its exports) binds imports too. */
  noteRequire(target: Target, value: Expr): void {
    if (value.kind !== "call" || value.callee.kind !== "name" || value.callee.name !== "require") return;
    const specifier = value.args[0];
    if (specifier?.kind !== "string") return;
    const module = moduleName(specifier.value);
    const source = specifier.value;
    if (target.kind === "name")
      this.imports.push({ local: target.name, qualified: module, source, imported: "*" });
    if (target.kind === "pattern") {
      for (const item of target.items) {
        if (item.target.kind === "name" && item.key)
          this.imports.push({
            local: item.target.name,
            qualified: `${module}.${item.key}`,
            source,
            imported: item.key,
          });
      }
    }
  }

  importDeclaration(node: SyntaxNode): void {
    const parts = partsOf(node);
    const from = parts.find((part) => part.name === "String");
    if (!from) return;
    const source = stringValue(this.#src.of(from));
    const module = moduleName(source);
    const all = childrenOf(node);
    for (let i = 0; i < all.length; i++) {
      const child = all[i] as SyntaxNode;
      if (child.name === "VariableDefinition") {
        // A default import or a namespace import (`* as x`): both stand for the module here.
        const namespace = all[i - 1]?.name === "as";
        this.imports.push({
          local: this.#src.of(child),
          qualified: module,
          source,
          imported: namespace ? "*" : "default",
        });
      } else if (child.name === "ImportGroup") {
        const group = childrenOf(child);
        for (let j = 0; j < group.length; j++) {
          const item = group[j] as SyntaxNode;
          const name = this.#src.of(item);
          if (item.name === "VariableDefinition") {
            this.imports.push({ local: name, qualified: `${module}.${name}`, source, imported: name });
          } else if (item.name === "VariableName" && group[j + 1]?.name === "as") {
            const local = group[j + 2];
            if (local)
              this.imports.push({
                local: this.#src.of(local),
                qualified: `${module}.${name}`,
                source,
                imported: name,
              });
            j += 2;
          }
        }
      }
    }
  }

  target(node: SyntaxNode): Target {
    switch (node.name) {
      case "VariableDefinition":
      case "VariableName":
        return { kind: "name", name: this.#src.of(node) };
      case "ObjectPattern":
        return {
          kind: "pattern",
          items: partsOf(node).flatMap((property) => {
            const parts = partsOf(property);
            const key = parts.find((part) => part.name === "PropertyName");
            const binding = parts.find((part) => isBindingNode(part));
            if (!binding) return [];
            const keyText = key
              ? this.#src.of(key)
              : binding.name === "VariableDefinition"
                ? this.#src.of(binding)
                : null;
            return [{ key: keyText, target: this.target(binding) }];
          }),
        };
      case "ArrayPattern":
        return {
          kind: "pattern",
          items: partsOf(node)
            .filter((part) => isBindingNode(part))
            .map((part) => ({ key: null, target: this.target(part) })),
        };
      case "AssignmentPattern": {
        // `a = default` inside a pattern.
        const first = partsOf(node)[0];
        return first ? this.target(first) : { kind: "name", name: "" };
      }
      default:
        return { kind: "member", expr: this.expr(node) };
    }
  }

  functionOf(node: SyntaxNode, className: string | null): FunctionIR {
    const parts = partsOf(node);
    const nameNode = parts.find(
      (part) => part.name === "VariableDefinition" || part.name === "PropertyDefinition",
    );
    const paramList = parts.find((part) => part.name === "ParamList");
    const bodyNode = parts.at(-1);
    let body: Stmt[] = [];
    if (bodyNode && bodyNode.name === "Block") body = this.statements(partsOf(bodyNode));
    else if (bodyNode && bodyNode !== paramList && bodyNode.name !== "TypeAnnotation") {
      // An arrow function's expression body is its return value.
      body = [{ kind: "return", value: this.expr(bodyNode), line: this.#src.line(bodyNode) }];
    }
    return {
      name: nameNode && node.name !== "ArrowFunction" ? this.#src.of(nameNode) : null,
      params: paramList ? this.params(paramList) : [],
      body,
      decorators: [],
      className,
      line: this.#src.line(node),
    };
  }

  params(list: SyntaxNode): Param[] {
    const parts = partsOf(list);
    const out: Param[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as SyntaxNode;
      if (!isBindingNode(part)) continue;
      const annotation = parts[i + 1]?.name === "TypeAnnotation" ? (parts[i + 1] as SyntaxNode) : null;
      const target = this.target(part);
      out.push({
        name: target.kind === "name" ? target.name : null,
        target,
        annotation: annotation ? this.#src.of(annotation).replace(/^:\s*/, "") : null,
        defaultText: null,
        line: this.#src.line(part),
        ...(parts[i - 1]?.name === "Spread" ? { rest: true } : {}),
      });
    }
    return out;
  }

  /** A template with its literal text before the first interpolation as the first part (it may fix a URL's host). */
  template(node: SyntaxNode, first: SyntaxNode | undefined, composed: Expr): Expr {
    if (composed.kind !== "compose" || !first) return composed;
    const prefix = this.#src.text.slice(node.from, first.from).replace(/^[A-Za-z]*(?:"""|'''|"|'|`)/, "");
    const literal: Expr = { kind: "string", value: prefix, line: composed.line };
    return { ...composed, parts: [literal, ...composed.parts] };
  }

  /**
   * `await f<T>(a, b)` that the parser read as the comparisons `(await f < T) > (a, b)` (it does when the call is
   * long): the call it is. Comparing a comparison's result with `>` is not code anyone writes.
   */
  misreadGenericCall(parts: SyntaxNode[], line: number): Expr | null {
    const [left, op, right] = parts;
    if (op?.name !== "CompareOp" || this.#src.of(op) !== ">" || right?.name !== "ParenthesizedExpression")
      return null;
    if (left?.name !== "BinaryExpression") return null;
    const [callee, innerOp, type] = partsOf(left);
    if (!callee || innerOp?.name !== "CompareOp" || this.#src.of(innerOp) !== "<" || !type) return null;
    if (
      !/^(?:VariableName|MemberExpression|TypeName|TypeofType)$/.test(type.name) &&
      type.name !== "BinaryExpression"
    )
      return null;
    const inner = partsOf(right)[0];
    const args = !inner ? [] : inner.name === "SequenceExpression" ? partsOf(inner) : [inner];
    const awaited = callee.name === "AwaitExpression" ? partsOf(callee)[0] : callee;
    if (!awaited) return null;
    return {
      kind: "call",
      callee: this.expr(awaited),
      args: args.filter((arg) => arg.name !== "Spread").map((arg) => this.expr(arg)),
      named: {},
      line,
    };
  }

  args(list: SyntaxNode | undefined): Expr[] {
    return list
      ? partsOf(list)
          .filter((part) => part.name !== "Spread")
          .map((part) => this.expr(part))
      : [];
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
      case "VariableDefinition":
      case "this":
      case "super":
        return { kind: "name", name: this.#src.of(node), line };
      case "MemberExpression": {
        // The object may be `this`, a keyword token; the property is the last syntax node.
        const object = childrenOf(node)[0];
        const property = parts.at(-1) === object ? undefined : parts.at(-1);
        const lowered = object ? this.expr(object) : ({ kind: "unknown", line } as Expr);
        if (property?.name === "PropertyName" || property?.name === "PrivatePropertyName")
          return { kind: "member", object: lowered, property: this.#src.of(property), index: null, line };
        if (property?.name === "String")
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
      case "CallExpression":
      case "NewExpression": {
        const callee = childrenOf(node).find(
          (part) => part.name !== "new" && part.name !== "ArgList" && part.name !== "TypeArgList",
        );
        const argList = parts.find((part) => part.name === "ArgList");
        return {
          kind: "call",
          callee: callee ? this.expr(callee) : { kind: "unknown", line },
          args: this.args(argList),
          named: {},
          line,
        };
      }
      case "String":
        return { kind: "string", value: stringValue(this.#src.of(node)), line };
      case "TemplateString": {
        const interpolations = parts
          .filter((part) => part.name === "Interpolation")
          .flatMap((part) => partsOf(part));
        const inner = interpolations.filter(
          (part) => part.name !== "InterpolationStart" && part.name !== "InterpolationEnd",
        );
        if (inner.length === 0) return { kind: "string", value: stringValue(this.#src.of(node)), line };
        return this.template(
          node,
          parts.find((part) => part.name === "Interpolation"),
          compose(inner, "template"),
        );
      }
      case "Number":
      case "BooleanLiteral":
      case "null":
        return { kind: "literal", text: this.#src.of(node), line };
      case "RegExp":
        return { kind: "regex", source: this.#src.of(node), line };
      case "ObjectExpression":
        return {
          kind: "object",
          entries: parts.flatMap((property) => {
            const propertyParts = partsOf(property);
            const key = propertyParts.find((part) => part.name === "PropertyDefinition");
            const rest = propertyParts.filter((part) => part !== key && part.name !== "Spread");
            if (propertyParts.some((part) => part.name === "ParamList") && key) {
              // A method: `m() { … }`.
              return [
                {
                  key: this.#src.of(key),
                  value: { kind: "function", fn: this.functionOf(property, null), line } as Expr,
                },
              ];
            }
            const value = rest.at(-1);
            if (key && !value)
              return [
                { key: this.#src.of(key), value: { kind: "name", name: this.#src.of(key), line } as Expr },
              ];
            if (!value) return [];
            return [{ key: key ? this.#src.of(key) : null, value: this.expr(value) }];
          }),
          line,
        };
      case "ArrayExpression":
        return {
          kind: "array",
          items: parts.filter((part) => part.name !== "Spread").map((part) => this.expr(part)),
          line,
        };
      case "ArrowFunction":
      case "FunctionExpression":
        return { kind: "function", fn: this.functionOf(node, null), line };
      case "ParenthesizedExpression":
      case "AwaitExpression":
      case "PostfixExpression":
      case "NonNullExpression":
      // `f<T>` in `f<T>(x)`: the function, its type arguments dropped.
      case "InstantiationExpression":
        return parts[0] ? this.expr(parts[0]) : { kind: "unknown", line };
      case "PrefixCast":
        return parts.at(-1) ? this.expr(parts.at(-1) as SyntaxNode) : { kind: "unknown", line };
      case "BinaryExpression": {
        // `x as T` and `x satisfies T` are x.
        if (childrenOf(node).some((child) => child.name === "as" || child.name === "satisfies"))
          return parts[0] ? this.expr(parts[0]) : { kind: "unknown", line };
        const generic = this.misreadGenericCall(parts, line);
        if (generic) return generic;
        const op = parts.find((part) => /Op$/.test(part.name));
        return compose(
          parts.filter((part) => part !== op),
          op ? this.#src.of(op) : childrenOf(node).some((child) => child.name === "in") ? "in" : null,
        );
      }
      case "UnaryExpression": {
        const op = childrenOf(node)[0];
        return compose(
          parts.filter((part) => part.name !== "LogicOp" && part.name !== "ArithOp"),
          op && /^(?:!|~|typeof|void|delete)$/.test(this.#src.of(op)) ? this.#src.of(op) : null,
        );
      }
      case "ConditionalExpression":
        return compose(parts.filter((part) => part.name !== "LogicOp").slice(1));
      case "AssignmentExpression": {
        const value = parts.at(-1);
        return value ? this.expr(value) : { kind: "unknown", line };
      }
      case "SequenceExpression":
        return parts.at(-1) ? this.expr(parts.at(-1) as SyntaxNode) : { kind: "unknown", line };
      case "TaggedTemplateExpression":
        return compose(parts);
      default:
        return parts.length > 0 ? compose(parts) : { kind: "unknown", line };
    }
  }
}

function isBindingNode(node: SyntaxNode): boolean {
  return (
    node.name === "VariableDefinition" ||
    node.name === "ObjectPattern" ||
    node.name === "ArrayPattern" ||
    node.name === "AssignmentPattern"
  );
}

function thisMember(property: string, line: number): Expr {
  return { kind: "member", object: { kind: "name", name: "this", line }, property, index: null, line };
}
