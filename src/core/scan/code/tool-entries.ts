// Where tool input enters a server's code: the handlers registered with the MCP SDKs (TypeScript `server.tool`,
// `registerTool`, `setRequestHandler(CallToolRequestSchema, …)`, FastMCP's `addTool`; Python FastMCP's `@mcp.tool()`
// and the low-level `@server.call_tool()`), and which of their string parameters the declared schema leaves
// unbounded (no length, pattern or set of values).
import { dottedName, type Expr, type FunctionIR, type ModuleIR, type Param, type Stmt } from "./code-ir.ts";

/** How a handler receives its input. */
export type InputShape =
  /** Its first parameter is the arguments object (destructured or not). */
  | { kind: "object" }
  /** Each parameter is one argument (Python FastMCP), except these context parameters. */
  | { kind: "params"; skip: ReadonlySet<string> }
  /** Its first parameter is the request; input is `request.params.arguments`. */
  | { kind: "request" }
  /** The parameter at `index` is the arguments dictionary (Python's low-level `call_tool(name, arguments)`). */
  | { kind: "arguments"; index: number };

export interface ToolEntry {
  /** The tool's name when the registration says it; null for a handler serving every tool. */
  tool: string | null;
  handler: FunctionIR;
  input: InputShape;
  line: number;
  /** Parameters the schema or the signature types as numbers, booleans or fixed values: they carry no text. */
  typed: ReadonlySet<string>;
}

/** A string parameter a schema declares without bounds, and where. */
export interface UnboundedParameter {
  tool: string | null;
  /** The tool parameter input arrives in. */
  parameter: string;
  /** What the finding names: the parameter, or a field of the model it is declared as (`query.metric`). */
  name: string;
  line: number;
}

type Visitor = (expr: Expr) => void;

/** Calls every expression in `stmts`, nested functions and classes included. */
export function visitExpressions(stmts: readonly Stmt[], visit: Visitor): void {
  const expr = (e: Expr): void => {
    visit(e);
    switch (e.kind) {
      case "member":
        expr(e.object);
        if (e.index) expr(e.index);
        return;
      case "call":
        expr(e.callee);
        e.args.forEach(expr);
        Object.values(e.named).forEach(expr);
        return;
      case "object":
        for (const entry of e.entries) expr(entry.value);
        return;
      case "array":
        e.items.forEach(expr);
        return;
      case "compose":
        e.parts.forEach(expr);
        return;
      case "function":
        e.fn.decorators.forEach(expr);
        statements(e.fn.body);
        return;
      default:
        return;
    }
  };
  const statements = (list: readonly Stmt[]): void => {
    for (const stmt of list) {
      switch (stmt.kind) {
        case "assign":
          expr(stmt.value);
          for (const target of stmt.targets) if (target.kind === "member") expr(target.expr);
          break;
        case "expr":
          expr(stmt.expr);
          break;
        case "return":
          if (stmt.value) expr(stmt.value);
          break;
        case "if":
          expr(stmt.test);
          statements(stmt.consequent);
          statements(stmt.alternate);
          break;
        case "loop":
          if (stmt.iter) expr(stmt.iter);
          statements(stmt.body);
          break;
        case "block":
        case "class":
          statements(stmt.body);
          break;
        case "function":
          stmt.fn.decorators.forEach(expr);
          statements(stmt.fn.body);
          break;
        default:
          break;
      }
    }
  };
  statements(stmts);
}

/** Every function the module defines, at any depth, with the decorators Python gives them. */
export function functionsOf(stmts: readonly Stmt[]): FunctionIR[] {
  const out: FunctionIR[] = [];
  const walk = (list: readonly Stmt[]) => {
    for (const stmt of list) {
      if (stmt.kind === "function") {
        out.push(stmt.fn);
        walk(stmt.fn.body);
      } else if (stmt.kind === "class" || stmt.kind === "block" || stmt.kind === "loop") walk(stmt.body);
      else if (stmt.kind === "if") {
        walk(stmt.consequent);
        walk(stmt.alternate);
      }
    }
  };
  walk(stmts);
  return out;
}

const CONTEXT_PARAMS = /^(?:self|cls|ctx|context)$/;
/** Python annotations of values that carry no text. */
const TYPED_ANNOTATION =
  /^(?:Optional\[)?(?:int|float|bool|Literal\[.*\]|Annotated\[(?:int|float|bool),.*\])\]?(?:\s*\|\s*None)?$/;
/** Zod types that carry no free text. */
const ZOD_TYPED = /^(?:number|int|bigint|boolean|enum|nativeEnum|literal|date)$/;

/** The fields of a tool's schema (a zod shape, `z.object(...)` or a JSON Schema) that carry no free text. */
function typedFields(shape: Expr | undefined): Set<string> {
  const out = new Set<string>();
  const object = shape?.kind === "call" && shape.args[0]?.kind === "object" ? shape.args[0] : shape;
  if (object?.kind !== "object") return out;
  const properties = object.entries.find((entry) => entry.key === "properties")?.value;
  for (const field of properties?.kind === "object" ? properties.entries : object.entries) {
    if (field.key === null) continue;
    const value = field.value;
    const root = zodChain(value)[0];
    const schemaType =
      value.kind === "object" ? value.entries.find((entry) => entry.key === "type")?.value : undefined;
    const hasEnum =
      value.kind === "object" && value.entries.some((entry) => entry.key === "enum" || entry.key === "const");
    if (
      (root !== undefined && ZOD_TYPED.test(root)) ||
      hasEnum ||
      (schemaType?.kind === "string" && /^(?:integer|number|boolean)$/.test(schemaType.value))
    )
      out.add(field.key);
  }
  return out;
}

export function toolEntries(module: ModuleIR): ToolEntry[] {
  const entries: ToolEntry[] = [];
  if (module.language === "python") {
    for (const fn of functionsOf(module.body)) {
      for (const decorator of fn.decorators) {
        const callee = decorator.kind === "call" ? decorator.callee : decorator;
        const name = dottedName(callee) ?? "";
        if (/(?:^|\.)tool$/.test(name)) {
          const named = decorator.kind === "call" ? decorator.named.name : undefined;
          const skip = new Set(
            fn.params
              .filter(
                (param) =>
                  CONTEXT_PARAMS.test(param.name ?? "") || /\bContext\b/.test(param.annotation ?? ""),
              )
              .map((param) => param.name ?? ""),
          );
          const typed = new Set(
            fn.params
              .filter((param) => TYPED_ANNOTATION.test((param.annotation ?? "").trim()))
              .map((param) => param.name ?? ""),
          );
          entries.push({
            tool: named?.kind === "string" ? named.value : fn.name,
            handler: fn,
            input: { kind: "params", skip },
            line: fn.line,
            typed,
          });
        } else if (/(?:^|\.)call_tool$/.test(name)) {
          const index = fn.params.findIndex((param) => param.name === "arguments");
          entries.push({
            tool: null,
            handler: fn,
            input: { kind: "arguments", index: index === -1 ? 1 : index },
            line: fn.line,
            typed: new Set(),
          });
        }
      }
    }
    return entries;
  }
  visitExpressions(module.body, (expr) => {
    if (expr.kind !== "call" || expr.callee.kind !== "member") return;
    const method = expr.callee.property;
    const handler = expr.args.findLast((arg) => arg.kind === "function");
    const first = expr.args[0];
    if (
      (method === "tool" || method === "registerTool") &&
      handler?.kind === "function" &&
      first?.kind === "string"
    ) {
      // server.tool(name, description?, shape, …, handler); registerTool(name, { inputSchema }, handler).
      const config = expr.args[1];
      const shape =
        method === "registerTool" && config?.kind === "object"
          ? config.entries.find((entry) => entry.key === "inputSchema")?.value
          : expr.args.slice(1, -1).find((arg) => arg.kind === "object" || arg.kind === "call");
      entries.push({
        tool: first.value,
        handler: handler.fn,
        input: { kind: "object" },
        line: expr.line,
        typed: typedFields(shape),
      });
    } else if (
      method === "setRequestHandler" &&
      handler?.kind === "function" &&
      /CallTool/.test(dottedName(first ?? { kind: "unknown", line: 0 }) ?? "")
    ) {
      entries.push({
        tool: null,
        handler: handler.fn,
        input: { kind: "request" },
        line: expr.line,
        typed: new Set(),
      });
    } else if (method === "addTool" && first?.kind === "object") {
      const name = first.entries.find((entry) => entry.key === "name")?.value;
      const execute = first.entries.find(
        (entry) => entry.key === "execute" || entry.key === "handler",
      )?.value;
      if (execute?.kind === "function")
        entries.push({
          tool: name?.kind === "string" ? name.value : null,
          handler: execute.fn,
          input: { kind: "object" },
          line: expr.line,
          typed: typedFields(first.entries.find((entry) => entry.key === "parameters")?.value),
        });
    }
  });
  return entries;
}

/** Zod methods that bound a string: a length, a pattern, a format or a fixed set of values. */
const ZOD_BOUNDS =
  /^(?:max|length|regex|enum|nativeEnum|literal|url|email|uuid|guid|cuid|cuid2|ulid|nanoid|datetime|date|time|ip|ipv4|ipv6|cidr|base64|base64url|jwt|emoji|hex|hash|e164)$/;
/** JSON Schema keywords that bound a string. */
const SCHEMA_BOUNDS = new Set(["maxLength", "pattern", "enum", "const", "format"]);

/** The method names along a zod chain: `z.string().max(3).optional()` → string, max, optional. */
function zodChain(expr: Expr): string[] {
  const out: string[] = [];
  for (let current: Expr = expr; current.kind === "call"; ) {
    const callee: Expr = current.callee;
    if (callee.kind !== "member" || callee.property === null) break;
    out.unshift(callee.property);
    current = callee.object;
  }
  return out;
}

function unboundedZodString(expr: Expr): boolean {
  const chain = zodChain(expr);
  return chain.includes("string") && !chain.some((method) => ZOD_BOUNDS.test(method));
}

/** A JSON Schema `{type: "string"}` with none of the bounding keywords. */
function unboundedSchemaString(expr: Expr): boolean {
  if (expr.kind !== "object") return false;
  const type = expr.entries.find((entry) => entry.key === "type")?.value;
  if (type?.kind !== "string" || type.value !== "string") return false;
  return !expr.entries.some((entry) => entry.key !== null && SCHEMA_BOUNDS.has(entry.key));
}

/** A Python annotation (and default) for a plain `str` with no `Field(max_length=…)`, `constr`, `Literal` or enum. */
export function unboundedPythonParam(param: Param): boolean {
  const annotation = param.annotation ?? "";
  const bare = annotation
    .replace(/\s+/g, "")
    .replace(/^Optional\[(.*)\]$/, "$1")
    .replace(/\|None$|^None\|/, "");
  if (bare !== "str" && !/^Annotated\[str,/.test(bare)) return false;
  const bounds = /max_length|pattern|regex|Literal\[|constr\(|min_length.*max_length/;
  return !bounds.test(annotation) && !bounds.test(param.defaultText ?? "");
}

/** The unbounded string parameters a module's tool schemas declare. */
export function unboundedParameters(module: ModuleIR, entries: readonly ToolEntry[]): UnboundedParameter[] {
  const out: UnboundedParameter[] = [];
  // A schema kept in a module constant (`SCHEMA = {...}` then `inputSchema=SCHEMA`).
  const constants = new Map<string, Expr>();
  for (const stmt of module.body) {
    const target = stmt.kind === "assign" ? stmt.targets[0] : undefined;
    if (stmt.kind === "assign" && target?.kind === "name") constants.set(target.name, stmt.value);
  }
  const fromShape = (tool: string | null, given: Expr | undefined) => {
    const shape = given?.kind === "name" ? (constants.get(given.name) ?? given) : given;
    if (!shape) return;
    const object = shape.kind === "call" && shape.args[0]?.kind === "object" ? shape.args[0] : shape;
    if (object.kind !== "object") return;
    // A JSON Schema wraps its fields in `properties`.
    const properties = object.entries.find((entry) => entry.key === "properties")?.value;
    const fields = properties?.kind === "object" ? properties.entries : object.entries;
    for (const field of fields) {
      if (field.key !== null && (unboundedZodString(field.value) || unboundedSchemaString(field.value)))
        out.push({ tool, parameter: field.key, name: field.key, line: field.value.line });
    }
  };
  if (module.language === "python") {
    // Models declared in the module (pydantic, dataclasses): a parameter of that type brings their fields.
    const models = new Map<string, Param[]>();
    const collect = (stmts: readonly Stmt[]) => {
      for (const stmt of stmts)
        if (stmt.kind === "class" && stmt.fields?.length) models.set(stmt.name, stmt.fields);
    };
    collect(module.body);
    for (const entry of entries) {
      if (entry.input.kind !== "params") continue;
      for (const param of entry.handler.params) {
        if (!param.name || entry.input.skip.has(param.name)) continue;
        if (unboundedPythonParam(param))
          out.push({ tool: entry.tool, parameter: param.name, name: param.name, line: param.line });
        for (const field of models.get((param.annotation ?? "").trim()) ?? []) {
          if (unboundedPythonParam(field))
            out.push({
              tool: entry.tool,
              parameter: param.name,
              name: `${param.name}.${field.name}`,
              line: field.line,
            });
        }
      }
    }
  }
  visitExpressions(module.body, (expr) => {
    if (expr.kind === "call" && expr.callee.kind === "member") {
      const method = expr.callee.property;
      const name = expr.args[0]?.kind === "string" ? expr.args[0].value : null;
      if (method === "tool") {
        fromShape(
          name,
          expr.args.slice(1, -1).find((arg) => arg.kind === "object" || arg.kind === "call"),
        );
      } else if (method === "registerTool") {
        const config = expr.args[1];
        if (config?.kind === "object")
          fromShape(name, config.entries.find((entry) => entry.key === "inputSchema")?.value);
      }
    }
    // Low-level servers list tools with JSON Schemas: `{ name, inputSchema: {...} }`, Python `Tool(name=…, inputSchema=…)`.
    if (expr.kind === "object") {
      const schema = expr.entries.find(
        (entry) => entry.key === "inputSchema" || entry.key === "input_schema",
      )?.value;
      const name = expr.entries.find((entry) => entry.key === "name")?.value;
      if (schema) fromShape(name?.kind === "string" ? name.value : null, schema);
    } else if (expr.kind === "call" && (expr.named.inputSchema || expr.named.input_schema)) {
      const name = expr.named.name;
      fromShape(
        name?.kind === "string" ? name.value : null,
        expr.named.inputSchema ?? expr.named.input_schema,
      );
    }
  });
  const seen = new Set<string>();
  return out.filter((item) => {
    const key = `${item.tool}\u0000${item.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
