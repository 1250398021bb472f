// Tool vulnerabilities in a server's source: JavaScript/TypeScript and Python are parsed (Lezer), lowered to one
// model, and each tool handler's input is traced to the sinks it reaches (taint.ts). A finding names the tool, the
// parameter, the sink and the lines between; a guarded flow is reported low, for review, and a sink no input
// reaches is not reported. Privilege escalation and unbounded parameters are reported from the code as written.
import { redactText } from "../../detectors/detect.ts";
import type { Detected } from "../finding.ts";
import { ruleInfo } from "../rule-catalog.ts";
import { ignoredRules } from "../suppression.ts";
import { dottedName, type Expr, type ModuleIR } from "./code-ir.ts";
import { CODE_RULE_IDS } from "./code-rules.ts";
import { privilegeHits } from "./privilege-check.ts";
import type { Family } from "./sinks.ts";
import { MAX_SOURCE_BYTES, mayHaveFindings } from "./source-files.ts";
import { SourceProject } from "./source-project.ts";
import type { Hit, Label, Taint, TaintAnalysis } from "./taint.ts";
import { type ToolEntry, toolEntries, unboundedParameters } from "./tool-entries.ts";

export { isSourceFile, MAX_SOURCE_BYTES, mayHaveFindings } from "./source-files.ts";
export { lowerSource } from "./source-project.ts";

const SEVERITY: Record<Family, "critical" | "high"> = {
  "command-injection": "critical",
  "code-injection": "critical",
  "path-traversal": "high",
  ssrf: "high",
  "privilege-escalation": "high",
  "input-validation": "high",
};

/** The findings in one source file, followed into no other. `path` is as the report shows it. */
export function analyzeSourceFile(path: string, text: string): Detected[] {
  return analyzeSources(new Map([[path, text]]));
}

/**
 * The findings in a project's source files (path → text): each file that registers tools or holds a privilege
 * pattern is analysed, and its tools' input is followed into the helpers the other files export.
 */
export function analyzeSources(files: ReadonlyMap<string, string>): Detected[] {
  const entries = [...files].filter(([, text]) => text.length <= MAX_SOURCE_BYTES && mayHaveFindings(text));
  return analyzeProject(
    files.keys(),
    (path) => files.get(path),
    entries.map(([path]) => path),
  );
}

/**
 * The findings of the `entries` of a project whose source files are `paths`; `read` gives a file's text when it is
 * needed (the entries, and the modules they import). Entries are files that passed mayHaveFindings.
 */
export function analyzeProject(
  paths: Iterable<string>,
  read: (path: string) => string | undefined,
  entries: Iterable<string>,
): Detected[] {
  const project = new SourceProject(paths, (path) => {
    const text = read(path);
    return text === undefined || text.length > MAX_SOURCE_BYTES ? undefined : text;
  });
  const out: Detected[] = [];
  for (const path of entries) out.push(...analyzeModule(project, path));
  return out;
}

function analyzeModule(project: SourceProject, path: string): Detected[] {
  const module = project.module(path);
  const analysis = project.analysis(path);
  if (!module || !analysis) return [];
  const imports = analysis.ctx.imports;
  const entries = toolEntries(module, (reference) => {
    const own = analysis.ctx.functions.resolve(reference, null);
    if (own) return { fn: own };
    const resolveImport = analysis.ctx.resolveImport;
    if (!resolveImport) return null;
    const external =
      reference.kind === "name"
        ? resolveImport(reference.name, null)
        : reference.kind === "member" && reference.object.kind === "name" && reference.property !== null
          ? resolveImport(reference.object.name, reference.property)
          : null;
    return external ? { fn: external.fn, owner: external.analysis } : null;
  });
  const hits: Array<{ hit: Hit; entry: ToolEntry }> = [];
  entries.forEach((entry, source) => {
    // A handler another module declares runs in that module's analysis (its imports and constants).
    const owner = entry.owner ?? analysis;
    const { hits: found } = owner.run(
      entry.handler,
      bindingsOf(entry, source),
      withRequestInput(owner.moduleState(), entry, source),
    );
    for (const hit of found) {
      // A parameter typed as a number, a boolean or a fixed set of values carries no text to inject.
      if (hit.label.source === source && !entry.typed.has(hit.label.parameter ?? ""))
        hits.push({ hit, entry });
    }
  });

  const out: Detected[] = [];
  const seen = new Set<string>();
  for (const { hit, entry } of hits) {
    // Consumers of input are evidence for an unbounded parameter, not findings of their own.
    if (hit.family === "input-validation") continue;
    const parameter = hit.label.parameter ?? "arguments";
    const key = `${hit.family}\u0000${hit.path}\u0000${hit.line}\u0000${entry.tool}\u0000${parameter}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(flowFinding(project.module(hit.path) ?? module, hit, entry, parameter, module.path));
  }

  // Unbounded string parameters that reach an operation: in the handler that declares them (Python signatures), in
  // the handler registered under the tool's name, or in a handler serving every tool (a low-level server's).
  const reachedBy = new Map<ToolEntry, Map<string | null, Hit>>();
  const reachedByTool = new Map<string, Hit>();
  for (const { hit, entry } of hits) {
    const byParameter = reachedBy.get(entry) ?? new Map<string | null, Hit>();
    byParameter.set(hit.label.parameter, hit);
    reachedBy.set(entry, byParameter);
    reachedByTool.set(`${entry.tool}\u0000${hit.label.parameter}`, hit);
  }
  for (const parameter of unboundedParameters(module, entries)) {
    const hit = parameter.entry
      ? reachedBy.get(parameter.entry)?.get(parameter.parameter)
      : (reachedByTool.get(`${parameter.tool}\u0000${parameter.parameter}`) ??
        reachedByTool.get(`null\u0000${parameter.parameter}`));
    if (!hit) continue;
    const rule = ruleInfo(CODE_RULE_IDS["input-validation"]);
    out.push(
      finding(module, rule.id, parameter.line, {
        severity: "medium",
        description: `Tool ${toolName(parameter.tool)} declares \`${parameter.name}\` as a string with no maximum length, pattern or set of values, and it reaches ${hit.sink.label} (\`${hit.callee}\`, line ${hit.line}). ${rule.summary}`,
        identity: `${parameter.tool}:${parameter.name}`,
      }),
    );
  }

  const qualify = (callee: Expr) => {
    const name = dottedName(callee) ?? "";
    const [root = "", ...rest] = name.split(".");
    const qualified = imports.get(root);
    return qualified ? [qualified, ...rest].join(".") : name;
  };
  for (const hit of privilegeHits(module, qualify)) {
    const rule = ruleInfo(CODE_RULE_IDS["privilege-escalation"]);
    out.push(
      finding(module, rule.id, hit.line, {
        severity: hit.severity,
        description: `The server ${hit.what}. ${rule.summary}`,
        identity: `${hit.what}:${normalisedLine(module, hit.line)}`,
      }),
    );
  }
  return out.sort((a, b) => lineOf(a) - lineOf(b));
}

function bindingsOf(entry: ToolEntry, source: number): Taint[] {
  const label = (parameter: string | null, line: number): Label => ({
    source,
    parameter,
    steps: [{ line, what: parameter ?? "arguments" }],
    cleared: new Set(),
  });
  const params = entry.handler.params;
  switch (entry.input.kind) {
    case "object":
      return params.length > 0 ? [[label(null, params[0]?.line ?? entry.line)]] : [];
    case "params": {
      const skip = entry.input.skip;
      return params.map((param) =>
        param.name && !skip.has(param.name) ? [label(param.name, param.line)] : [],
      );
    }
    case "arguments": {
      const index = entry.input.index;
      return params.map((param, i) => (i === index ? [label(null, param.line)] : []));
    }
    case "request":
      return [];
  }
}

/**
 * For a `setRequestHandler(CallToolRequestSchema, (request) => …)` handler, or a hand-written dispatcher given the
 * JSON-RPC message: `request.params.arguments` is the input.
 */
function withRequestInput(base: ReturnType<TaintAnalysis["moduleState"]>, entry: ToolEntry, source: number) {
  if (entry.input.kind !== "request") return base;
  // `(request) => …` reads request.params.arguments; `({ params }) => …` reads params.arguments.
  const first = entry.handler.params[entry.input.index]?.target;
  const params =
    first?.kind === "pattern" ? first.items.find((item) => item.key === "params")?.target : undefined;
  const path =
    first?.kind === "name"
      ? `${first.name}.params.arguments`
      : params?.kind === "name"
        ? `${params.name}.arguments`
        : null;
  if (!path) return base;
  const vars = new Map(base.vars);
  vars.set(path, [
    { source, parameter: null, steps: [{ line: entry.handler.line, what: "arguments" }], cleared: new Set() },
  ]);
  return { ...base, vars };
}

function toolName(tool: string | null): string {
  return tool === null ? "(the tool call handler)" : `\`${tool}\``;
}

/** `module` is the sink's; `entryPath` the handler's, named when they differ. */
function flowFinding(
  module: ModuleIR,
  hit: Hit,
  entry: ToolEntry,
  parameter: string,
  entryPath: string,
): Detected {
  const rule = ruleInfo(CODE_RULE_IDS[hit.family]);
  const start = hit.label.steps[0];
  // Destructuring `({ host })` names the parameter where it enters: that is the start, not a step.
  const path = hit.label.steps
    .slice(1)
    .filter((step) => !(step.what === parameter && step.line === start?.line))
    .map((step) => `\`${step.what}\` (line ${step.line})`)
    .join(" → ");
  // A sink in another module: the handler's file and the sink's are both named.
  const elsewhere = module.path !== entryPath;
  const where = elsewhere ? `${module.path}, line ${hit.line}` : `line ${hit.line}`;
  const flow = `Tool ${toolName(entry.tool)}${elsewhere ? ` (${entryPath})` : ""} passes its parameter \`${parameter}\`${start ? ` (line ${start.line})` : ""}${path ? ` through ${path}` : ""} to ${hit.sink.label} \`${hit.callee}\` (${where})`;
  const guarded = hit.guarded
    ? ". A check on the value comes first (an allow-list, a containment check or a pattern); reported low so someone confirms it holds"
    : "";
  return finding(module, rule.id, hit.line, {
    severity: hit.guarded ? "low" : SEVERITY[hit.family],
    description: `${flow}${guarded}. ${rule.summary}`,
    identity: `${entry.tool}:${parameter}:${hit.callee}:${normalisedLine(module, hit.line)}`,
  });
}

function finding(
  module: ModuleIR,
  ruleId: string,
  line: number,
  detail: { severity: Detected["severity"]; description: string; identity: string },
): Detected {
  const rule = ruleInfo(ruleId);
  const text = module.lines[line - 1] ?? "";
  const suppressed = ignoredRules(module.lines[line - 2], text).matches(ruleId);
  const column = text.length - text.trimStart().length + 1;
  // A source line may hold a credential: the evidence is redacted like anything else the scan shows.
  const match = redactText(text.trim()).text;
  return {
    ruleId,
    severity: detail.severity,
    title: rule.title,
    description: detail.description,
    detection: rule.detection,
    owasp: [...rule.owasp],
    cwe: [...rule.cwe],
    location: { type: "file", path: module.path, line, column },
    match: match.length > 200 ? `${match.slice(0, 200)}…` : match,
    remediation: rule.remediation,
    identity: detail.identity,
    ...(suppressed ? { suppressed } : {}),
  };
}

function normalisedLine(module: ModuleIR, line: number): string {
  return (module.lines[line - 1] ?? "").replace(/\s+/g, " ").trim();
}

function lineOf(detected: Detected): number {
  return detected.location.type === "file" ? detected.location.line : 0;
}
