// Where tool input enters a server's code: the handlers registered with the MCP SDKs (TypeScript `server.tool`,
// `registerTool`, `setRequestHandler(CallToolRequestSchema, …)`, FastMCP's `addTool`; Python FastMCP's `@mcp.tool()`,
// `add_tool(fn)` and the low-level `@server.call_tool()`), resource templates (their variables come from the
// client too), and which of their string parameters the declared schema leaves unbounded (no length, pattern or
// set of values). A handler may be written inline or passed by reference (a function, a method, an import).
import { dottedName, type Expr, type FunctionIR, type ModuleIR, type Param, type Stmt } from "./code-ir.ts";
import type { TaintAnalysis } from "./taint.ts";

/** A handler passed by reference, found: the function, and the analysis of its module when it is another's. */
export type HandlerLookup = (reference: Expr) => { fn: FunctionIR; owner?: TaintAnalysis } | null;

/** How a handler receives its input. */
export type InputShape =
  /** Its first parameter is the arguments object (destructured or not). */
  | { kind: "object" }
  /** Each parameter is one argument (Python FastMCP), except these context parameters. */
  | { kind: "params"; skip: ReadonlySet<string> }
  /** The parameter at `index` is the request (or the JSON-RPC message); input is its `params.arguments`. */
  | { kind: "request"; index: number }
  /** The parameter at `index` is the arguments dictionary (Python's low-level `call_tool(name, arguments)`). */
  | { kind: "arguments"; index: number };

export interface ToolEntry {
  /** The tool's name when the registration says it; null for a handler serving every tool. */
  tool: string | null;
  handler: FunctionIR;
  /** The analysis of the module that declares the handler, when another module does (an imported handler). */
  owner?: TaintAnalysis;
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
  /** The handler's registration, when the parameter is declared by its signature (Python). */
  entry?: ToolEntry;
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

/** The module's top-level constants: `TOOL_NAME = "git_add"`, `SHAPE = { … }`. */
function moduleConstants(module: ModuleIR): Map<string, Expr> {
  const constants = new Map<string, Expr>();
  for (const stmt of module.body) {
    const target = stmt.kind === "assign" ? stmt.targets[0] : undefined;
    if (stmt.kind === "assign" && target?.kind === "name") constants.set(target.name, stmt.value);
  }
  return constants;
}

/** Python parameters that are the request context, not tool input. */
function contextParams(fn: FunctionIR): Set<string> {
  return new Set(
    fn.params
      .filter((param) => CONTEXT_PARAMS.test(param.name ?? "") || /\bContext\b/.test(param.annotation ?? ""))
      .map((param) => param.name ?? ""),
  );
}

/** Python parameters annotated as numbers, booleans or fixed values. */
function typedParams(fn: FunctionIR): Set<string> {
  return new Set(
    fn.params
      .filter((param) => TYPED_ANNOTATION.test((param.annotation ?? "").trim()))
      .map((param) => param.name ?? ""),
  );
}

/** A registration's name argument: a string, a constant holding one, or the expression as written. */
function registrationName(expr: Expr | undefined, constants: ReadonlyMap<string, Expr>): string | null {
  const value = expr?.kind === "name" ? (constants.get(expr.name) ?? expr) : expr;
  if (value?.kind === "string") return value.value;
  return value ? dottedName(value) : null;
}

/** Registration helpers a project writes for itself: `register_tool`, `registry.add_tool`, `define_tool`. */
const OWN_REGISTRY = /(?:^|\.)(?:register_?tool|add_?tool|define_?tool|tool_?register)$/i;
/** Where such a helper is given the handler. */
const HANDLER_KEYS = ["handler", "fn", "func", "function", "callback", "execute", "run"];

/**
 * How a project's own registry passes input: one parameter (besides `self`/`ctx`) is the arguments dictionary
 * (`async def handler(args: dict)`); several are the arguments one by one.
 */
function inputOfOwnHandler(fn: FunctionIR): InputShape {
  const skip = contextParams(fn);
  const inputs = fn.params.filter((param) => !skip.has(param.name ?? ""));
  if (inputs.length === 1) return { kind: "arguments", index: fn.params.indexOf(inputs[0] as Param) };
  return { kind: "params", skip };
}

/** A resource URI template with variables (`docs://{name}`): what fills them comes from the client. */
const URI_TEMPLATE = /\{[^}]+\}/;

export function toolEntries(module: ModuleIR, lookup: HandlerLookup = () => null): ToolEntry[] {
  const entries: ToolEntry[] = [];
  const constants = moduleConstants(module);
  const nameOf = (expr: Expr | undefined) => registrationName(expr, constants);
  /** A handler argument: written inline, `f.bind(this)`, or a reference the lookup finds. */
  const handlerOf = (expr: Expr | undefined): { fn: FunctionIR; owner?: TaintAnalysis } | null => {
    if (!expr) return null;
    if (expr.kind === "function") return { fn: expr.fn };
    if (expr.kind === "call" && expr.callee.kind === "member" && expr.callee.property === "bind")
      return handlerOf(expr.callee.object);
    if (expr.kind === "name" || expr.kind === "member") return lookup(expr);
    return null;
  };
  if (module.language === "python") {
    for (const fn of functionsOf(module.body)) {
      for (const decorator of fn.decorators) {
        const callee = decorator.kind === "call" ? decorator.callee : decorator;
        const name = dottedName(callee) ?? "";
        if (/(?:^|\.)tool$/.test(name)) {
          const named = decorator.kind === "call" ? decorator.named.name : undefined;
          entries.push({
            tool: named?.kind === "string" ? named.value : fn.name,
            handler: fn,
            input: { kind: "params", skip: contextParams(fn) },
            line: fn.line,
            typed: typedParams(fn),
          });
        } else if (/(?:^|\.)resource$/.test(name) && decorator.kind === "call") {
          const uri = nameOf(decorator.args[0] ?? decorator.named.uri);
          if (uri && URI_TEMPLATE.test(uri))
            entries.push({
              tool: `resource ${uri}`,
              handler: fn,
              input: { kind: "params", skip: contextParams(fn) },
              line: fn.line,
              typed: typedParams(fn),
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
    visitExpressions(module.body, (expr) => {
      if (expr.kind !== "call") return;
      const callee = dottedName(expr.callee) ?? "";
      // `mcp.add_tool(run_cmd, name="run_cmd")`: FastMCP's imperative registration.
      if (expr.callee.kind === "member" && expr.callee.property === "add_tool") {
        const handler = handlerOf(expr.args[0] ?? expr.named.fn);
        if (!handler) return;
        entries.push({
          tool: nameOf(expr.named.name) ?? handler.fn.name,
          handler: handler.fn,
          ...(handler.owner ? { owner: handler.owner } : {}),
          input: { kind: "params", skip: contextParams(handler.fn) },
          line: expr.line,
          typed: typedParams(handler.fn),
        });
        return;
      }
      // A project's own registry: `register_tool(name=…, input_schema=…, handler=fn)`.
      const handlerArg = HANDLER_KEYS.map((key) => expr.named[key]).find((value) => value !== undefined);
      if (!OWN_REGISTRY.test(callee) || !handlerArg) return;
      const handler = handlerOf(handlerArg);
      if (!handler) return;
      entries.push({
        tool: nameOf(expr.named.name ?? expr.args[0]) ?? handler.fn.name,
        handler: handler.fn,
        ...(handler.owner ? { owner: handler.owner } : {}),
        input: inputOfOwnHandler(handler.fn),
        line: expr.line,
        typed: typedParams(handler.fn),
      });
    });
    return [...entries, ...handWrittenDispatch(module, entries)];
  }
  visitExpressions(module.body, (expr) => {
    if (expr.kind !== "call" || expr.callee.kind !== "member") return;
    const method = expr.callee.property;
    const first = expr.args[0];
    const last = expr.args.at(-1);
    const shapeOf = (given: Expr | undefined) => (given?.kind === "name" ? constants.get(given.name) : given);
    if (
      (method === "tool" || method === "registerTool") &&
      expr.args.length >= 2 &&
      first !== undefined &&
      (first.kind === "string" || first.kind === "name" || first.kind === "member")
    ) {
      const handler = handlerOf(last);
      if (!handler) return;
      // server.tool(name, description?, shape, …, handler); registerTool(name, { inputSchema }, handler).
      const config = shapeOf(expr.args[1]);
      const shape =
        method === "registerTool" && config?.kind === "object"
          ? config.entries.find((entry) => entry.key === "inputSchema")?.value
          : expr.args
              .slice(1, -1)
              .find((arg) => arg.kind === "object" || arg.kind === "call" || arg.kind === "name");
      entries.push({
        tool: nameOf(first),
        handler: handler.fn,
        ...(handler.owner ? { owner: handler.owner } : {}),
        input: { kind: "object" },
        line: expr.line,
        typed: typedFields(shapeOf(shape)),
      });
    } else if (
      (method === "resource" || method === "registerResource") &&
      expr.args.some(
        (arg) => arg.kind === "call" && /(?:^|\.)ResourceTemplate$/.test(dottedName(arg.callee) ?? ""),
      )
    ) {
      // server.resource(name, new ResourceTemplate("docs://{name}", …), (uri, variables) => …).
      const handler = handlerOf(last);
      if (handler)
        entries.push({
          tool: `resource ${nameOf(first) ?? ""}`.trim(),
          handler: handler.fn,
          ...(handler.owner ? { owner: handler.owner } : {}),
          input: { kind: "arguments", index: 1 },
          line: expr.line,
          typed: new Set(),
        });
    } else if (
      method === "setRequestHandler" &&
      (/CallTool/.test(dottedName(first ?? { kind: "unknown", line: 0 }) ?? "") ||
        (first?.kind === "string" && first.value === "tools/call"))
    ) {
      const handler = handlerOf(last);
      if (handler)
        entries.push({
          tool: null,
          handler: handler.fn,
          ...(handler.owner ? { owner: handler.owner } : {}),
          input: { kind: "request", index: 0 },
          line: expr.line,
          typed: new Set(),
        });
    } else if (method === "addTool" && first?.kind === "object") {
      const name = first.entries.find((entry) => entry.key === "name")?.value;
      const execute = handlerOf(
        first.entries.find((entry) => entry.key === "execute" || entry.key === "handler")?.value,
      );
      if (execute)
        entries.push({
          tool: nameOf(name),
          handler: execute.fn,
          ...(execute.owner ? { owner: execute.owner } : {}),
          input: { kind: "object" },
          line: expr.line,
          typed: typedFields(first.entries.find((entry) => entry.key === "parameters")?.value),
        });
    }
  });
  return [...entries, ...handWrittenDispatch(module, entries)];
}

/**
 * A server written without an MCP SDK: a function that compares a message's method with "tools/call" (in an `if`,
 * an `==` or a `case`) handles tool calls, and so does a function of that module reading a message's `arguments`
 * (`params.get("arguments")`, `message.params.arguments`): the message it is given is the client's.
 */
function handWrittenDispatch(module: ModuleIR, known: readonly ToolEntry[]): ToolEntry[] {
  if (!module.lines.some((line) => line.includes("tools/call"))) return [];
  const handlers = new Set(known.map((entry) => entry.handler));
  const candidates: Array<{ fn: FunctionIR; message: number; dispatches: boolean; readsArguments: boolean }> =
    [];
  for (const fn of functionsOf(module.body)) {
    if (handlers.has(fn)) continue;
    const message = fn.params.findIndex((param) => !CONTEXT_PARAMS.test(param.name ?? ""));
    if (message === -1) continue;
    let dispatches = false;
    let readsArguments = false;
    visitExpressions(fn.body, (expr) => {
      if (
        expr.kind === "compose" &&
        expr.op !== null &&
        /^(?:===|==|in)$/.test(expr.op) &&
        expr.parts.some((part) => part.kind === "string" && part.value === "tools/call")
      )
        dispatches = true;
      else if (
        (expr.kind === "member" && expr.property === "arguments") ||
        (expr.kind === "call" &&
          expr.callee.kind === "member" &&
          expr.callee.property === "get" &&
          expr.args[0]?.kind === "string" &&
          expr.args[0].value === "arguments")
      )
        readsArguments = true;
    });
    candidates.push({ fn, message, dispatches, readsArguments });
  }
  if (!candidates.some((candidate) => candidate.dispatches)) return [];
  return candidates
    .filter((candidate) => candidate.dispatches || candidate.readsArguments)
    .map(({ fn, message }) => ({
      tool: null,
      handler: fn,
      input: { kind: "request", index: message },
      line: fn.line,
      typed: new Set(),
    }));
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
  const constants = moduleConstants(module);
  const resolved = (given: Expr | undefined) => (given?.kind === "name" ? constants.get(given.name) : given);
  // registerTool's config holds `inputSchema`: read once as that tool's, not again as a nameless listing.
  const claimed = new Set<Expr>();
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
          out.push({ tool: entry.tool, parameter: param.name, name: param.name, line: param.line, entry });
        for (const field of models.get((param.annotation ?? "").trim()) ?? []) {
          if (unboundedPythonParam(field))
            out.push({
              tool: entry.tool,
              parameter: param.name,
              name: `${param.name}.${field.name}`,
              line: field.line,
              entry,
            });
        }
      }
    }
  }
  visitExpressions(module.body, (expr) => {
    if (expr.kind === "call" && expr.callee.kind === "member") {
      const method = expr.callee.property;
      const name = registrationName(expr.args[0], constants);
      if (method === "tool") {
        fromShape(
          name,
          expr.args
            .slice(1, -1)
            .find((arg) => arg.kind === "object" || arg.kind === "call" || arg.kind === "name"),
        );
      } else if (method === "registerTool") {
        const config = resolved(expr.args[1]);
        if (config?.kind === "object") {
          claimed.add(config);
          fromShape(name, config.entries.find((entry) => entry.key === "inputSchema")?.value);
        }
      }
    }
    // Low-level servers list tools with JSON Schemas: `{ name, inputSchema: {...} }`, Python `Tool(name=…, inputSchema=…)`.
    if (expr.kind === "object" && !claimed.has(expr)) {
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
    const key = `${item.tool}\u0000${item.name}\u0000${item.entry?.line ?? ""}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
