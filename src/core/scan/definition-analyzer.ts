// Analyzes what an MCP server shows the model (tools, prompts, resources, server instructions) for poisoning and
// related risks: instructions aimed at the model, hidden text, exfiltration, sensitive files, deceptive Unicode,
// shadowing of other servers' tools, power without honest annotations, weak input schemas, oversized text.
import { redactText } from "../detectors/detect.ts";
import { capabilityFindings } from "./capability-check.ts";
import { contextFindings } from "./context-check.ts";
import { definitionFields, hiddenParts, identifierProse, visibleText } from "./definition-text.ts";
import type { DefinitionKind, Detected, FindingDraft, FindingLocation } from "./finding.ts";
import { type Signal, signalsIn } from "./instruction-signals.ts";
import { characterFindings, nameFindings } from "./name-check.ts";
import { ruleInfo } from "./rule-catalog.ts";
import { contextRequests, credentialRequests, weakSchemaFindings } from "./schema-check.ts";
import { hiddenFindings, signalFindings } from "./signal-findings.ts";

/** What one server exposes, as tools/list, prompts/list, resources/list and initialize return it. */
export interface ServerDefinitions {
  server: string;
  tools?: readonly Record<string, unknown>[];
  prompts?: readonly Record<string, unknown>[];
  resources?: readonly Record<string, unknown>[];
  resourceTemplates?: readonly Record<string, unknown>[];
  instructions?: string;
}

/** Other servers connected beside this one, for shadowing and name collisions. */
export interface DefinitionContext {
  otherServers?: ReadonlyArray<{ name: string; tools: readonly string[] }>;
}

/** Longest text of one field analyzed; longer text is cut (and reported as oversized). */
const MAX_FIELD_CHARS = 50_000;
const OVERSIZED_LOW = 2_000;
const OVERSIZED_MEDIUM = 6_000;

/** A Detected finding from a draft, with the rule's catalogue entry and the evidence's secrets masked. */
export function toDetected(
  draft: FindingDraft,
  place: Omit<Extract<FindingLocation, { type: "definition" }>, "field" | "type">,
): Detected {
  const rule = ruleInfo(draft.ruleId);
  const evidence = redactText(draft.evidence.slice(0, 300)).text;
  return {
    ruleId: rule.id,
    severity: draft.severity ?? rule.severity,
    title: rule.title,
    description: `${draft.detail} ${rule.summary}`,
    detection: rule.detection,
    owasp: [...rule.owasp],
    cwe: [...rule.cwe],
    location: { type: "definition", ...place, field: draft.field },
    match: evidence,
    remediation: rule.remediation,
    identity: `${draft.field}\u0000${evidence}`,
  };
}

/** Fields of the input and output schemas: read by the model, rarely by people. */
const SCHEMA_FIELD = /^(?:inputSchema|outputSchema)\b/;
/** Schema values rather than descriptions. */
const SCHEMA_VALUE = /\.(?:default|examples|enum|const)(?:\[\d+\])?$|\.(?:examples|enum)\[\d+\]/;
/** Words it takes for a name or a value to be a sentence. */
const PROSE_WORDS = 5;
/** Signals that are instructions wherever they appear; in a schema they are hidden ones. */
const STRONG_SIGNALS = new Set<Signal["kind"]>([
  "override",
  "conceal",
  "secrecy_framing",
  "priority",
  "send_out",
  "directed_collection",
  "other_tools",
]);

/** What server instructions may say without it being an attack. */
const SERVER_INSTRUCTIONS_MAY = new Set<Signal["kind"]>(["model_note", "model_directive", "priority"]);

/** The findings about one definition. */
export function analyzeDefinition(
  server: string,
  kind: DefinitionKind,
  definition: Record<string, unknown>,
  context: DefinitionContext = {},
): Detected[] {
  const name = typeof definition.name === "string" ? definition.name : undefined;
  const place = {
    server,
    kind,
    name: kind === "instructions" ? undefined : (name ?? String(definition.uri ?? "")),
  };
  const drafts: FindingDraft[] = [];
  for (const field of definitionFields(kind, definition)) {
    const text = field.text.slice(0, MAX_FIELD_CHARS);
    drafts.push(...characterFindings({ ...field, text }));
    const inSchema = SCHEMA_FIELD.test(field.field);
    if (field.isName) {
      if (!inSchema) drafts.push(...nameFindings(field.field, text, "name"));
      // A parameter name that is a sentence carries instructions where no reviewer reads (full-schema poisoning).
      const words = identifierProse(text);
      if (inSchema && words.split(" ").length >= PROSE_WORDS) {
        drafts.push(...hiddenFindings(field.field, words, "parameter_name"));
      }
      continue;
    }
    if (inSchema && SCHEMA_VALUE.test(field.field)) {
      // Defaults, examples, enum values: data, shown to the model but not to people. Prose there is a message.
      const words = identifierProse(text);
      if (words.split(" ").length >= PROSE_WORDS)
        drafts.push(...hiddenFindings(field.field, words, "schema_value"));
      continue;
    }
    // Server instructions exist to guide the model: addressing it, or saying which tool to call first, is their job.
    const signals = signalsIn(visibleText(text)).filter(
      (signal) => kind !== "instructions" || !SERVER_INSTRUCTIONS_MAY.has(signal.kind),
    );
    const strong = signals.filter((signal) => STRONG_SIGNALS.has(signal.kind));
    if (inSchema && strong.length > 0)
      drafts.push(...signalFindings(field.field, strong, name, "input_schema"));
    else drafts.push(...signalFindings(field.field, signals, name, null));
    for (const part of hiddenParts(text))
      drafts.push(...hiddenFindings(field.field, part.text, part.channel));
    if (field.field === "description" || field.field === "instructions") {
      if (text.length > OVERSIZED_LOW || field.text.length > MAX_FIELD_CHARS) {
        drafts.push({
          ruleId: "tool-oversized-description",
          field: field.field,
          evidence: `${field.text.length} characters`,
          detail: `The ${field.field} is ${field.text.length} characters long.`,
          severity: field.text.length > OVERSIZED_MEDIUM ? "medium" : "low",
        });
      }
    }
  }
  if (kind === "tool") {
    drafts.push(...credentialRequests(definition), ...contextRequests(definition));
    drafts.push(...capabilityFindings(definition), ...weakSchemaFindings(definition.inputSchema));
    drafts.push(...contextFindings(definition, context));
  }
  return dedupe(drafts).map((draft) => toDetected(draft, place));
}

/** One finding per rule and field: the most severe. */
function dedupe(drafts: readonly FindingDraft[]): FindingDraft[] {
  const best = new Map<string, FindingDraft>();
  const rank = (draft: FindingDraft) =>
    ["low", "medium", "high", "critical"].indexOf(draft.severity ?? ruleInfo(draft.ruleId).severity);
  for (const draft of drafts) {
    const key = `${draft.ruleId}\u0000${draft.field}`;
    const existing = best.get(key);
    if (!existing || rank(draft) > rank(existing)) best.set(key, draft);
  }
  return [...best.values()];
}

/** Every finding about everything a server exposes, its name included. */
export function analyzeServer(definitions: ServerDefinitions, context: DefinitionContext = {}): Detected[] {
  const { server } = definitions;
  const out: Detected[] = [];
  for (const draft of nameFindings("server", server, "server name")) {
    out.push(toDetected(draft, { server, kind: "instructions", name: undefined }));
  }
  for (const tool of definitions.tools ?? []) out.push(...analyzeDefinition(server, "tool", tool, context));
  for (const prompt of definitions.prompts ?? [])
    out.push(...analyzeDefinition(server, "prompt", prompt, context));
  for (const resource of [...(definitions.resources ?? []), ...(definitions.resourceTemplates ?? [])]) {
    out.push(...analyzeDefinition(server, "resource", resource, context));
  }
  if (definitions.instructions) {
    out.push(
      ...analyzeDefinition(server, "instructions", { instructions: definitions.instructions }, context),
    );
  }
  return out;
}
