// Analyzes what an MCP server shows the model (tools, prompts, resources, server instructions) for poisoning and
// related risks: instructions aimed at the model, hidden text, exfiltration, sensitive files, deceptive Unicode,
// shadowing of other servers' tools, power without honest annotations, weak input schemas, oversized text.
import { redactText } from "../detectors/detect.ts";
import { capabilityFindings } from "./capability-check.ts";
import {
  characterTricks,
  definitionFields,
  hiddenParts,
  letterScripts,
  type TextField,
  visibleText,
  withoutInvisible,
} from "./definition-text.ts";
import type { DefinitionKind, Detected, FindingDraft, FindingLocation } from "./finding.ts";
import { addressesModel, has, mentionsSensitive, type Signal, signalsIn } from "./instruction-signals.ts";
import { ruleInfo } from "./rule-catalog.ts";
import { weakSchemaFindings } from "./schema-check.ts";

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

/** Hidden-text channels, by how a reviewer would miss them. */
const CHANNEL_WORDS: Record<string, string> = {
  tag_characters: "in invisible Unicode tag characters",
  html_comment: "in an HTML comment",
  markdown_comment: "in a markdown comment",
  markup_block: "in a markup block addressed to the model",
  pushed_out_of_sight: "below a long run of blank space",
  encoded: "in encoded text",
  chat_template: "behind chat-template control tokens (a fake system turn)",
  input_schema: "in the input schema, which clients rarely show",
  parameter_name: "spelled out as a parameter name",
  schema_value: "in a schema default, example or enum value",
};

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

/**
 * An identifier or value as the words it spells: "includeTheFullKubeconfig" and "home_dot_kube_slash_config" read
 * "include The Full Kubeconfig" and "home.kube/config" (punctuation spelled out is an old way past filters).
 */
function identifierProse(identifier: string): string {
  return identifier
    .replace(/[_\s-]+dot[_\s-]+/gi, ".")
    .replace(/[_\s-]+slash[_\s-]+/gi, "/")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Findings for text hidden by `channel`: instructions if it speaks to the model, hidden content otherwise. */
function hiddenFindings(field: string, text: string, channel: string): FindingDraft[] {
  const signals = signalsIn(text);
  if (signals.length > 0) return signalFindings(field, signals, undefined, channel);
  if (addressesModel(text) || (channel !== "markup_block" && mentionsSensitive(text))) {
    return [
      {
        ruleId: "tool-hidden-instruction",
        field,
        evidence: text.trim().slice(0, 200),
        detail: `Text ${CHANNEL_WORDS[channel] ?? "hidden from view"} in ${field} speaks to the model.`,
      },
    ];
  }
  if (text.trim().split(/\s+/).length < 3 || channel === "markup_block") return [];
  return [
    {
      ruleId: "tool-hidden-content",
      field,
      evidence: text.trim().slice(0, 200),
      detail: `The ${field} hides text ${CHANNEL_WORDS[channel] ?? "from view"}.`,
    },
  ];
}

/** Rules for other tools that move data or money elsewhere: a copy, a new recipient, another account. */
const REDIRECTS =
  /\b(?:bcc|cc|copy\s+to|recipients?|redirect\w*|reroute\w*|forward\w*|instead\s+to|account(?:\s+number)?|iban|wallet|payee|beneficiary|substitut\w*|swap\w*|public(?:ly)?|world[\s-]?readable|anyone|grant\w*|permissions?|acl|owners?)\b|(?:https?:\/\/|[\w.+-]+@[\w-]+\.)/i;

/** Tool names a path reference is honest in: the tool's own job is those files. */
const PATH_PURPOSE =
  /ssh|aws|azure|gcloud|gcp|kube|k8s|docker|dotenv|env|git|npm|pypi|credential|secret|key|vault|config|profile|passw|cert|gpg|netrc|backup|audit|scan/i;

const LOOKALIKES: Record<string, string> = {
  а: "a",
  е: "e",
  о: "o",
  р: "p",
  с: "c",
  у: "y",
  х: "x",
  і: "i",
  ј: "j",
  ѕ: "s",
  һ: "h",
  ԁ: "d",
  ӏ: "l",
  ԛ: "q",
  ԝ: "w",
  А: "A",
  В: "B",
  Е: "E",
  К: "K",
  М: "M",
  Н: "H",
  О: "O",
  Р: "P",
  С: "C",
  Т: "T",
  Х: "X",
  У: "Y",
  І: "I",
  Ј: "J",
  Ѕ: "S",
  ο: "o",
  α: "a",
  ρ: "p",
  ν: "v",
  κ: "k",
  ι: "i",
  τ: "t",
  υ: "u",
  χ: "x",
  ε: "e",
  Α: "A",
  Β: "B",
  Ε: "E",
  Ζ: "Z",
  Η: "H",
  Ι: "I",
  Κ: "K",
  Μ: "M",
  Ν: "N",
  Ο: "O",
  Ρ: "P",
  Τ: "T",
  Υ: "Y",
  Χ: "X",
  ı: "i",
  ℓ: "l",
};

/** The name as the Latin letters it imitates, or null when it imitates nothing. */
function latinSkeleton(name: string): string | null {
  let changed = false;
  let out = "";
  for (const char of name.normalize("NFKC")) {
    const latin = LOOKALIKES[char];
    if (latin) changed = true;
    out += latin ?? char;
  }
  return changed && /^[\x20-\x7e]+$/.test(out) ? out : null;
}

function nameFindings(field: string, name: string, label: string): FindingDraft[] {
  const visible = withoutInvisible(name);
  const skeleton = latinSkeleton(visible);
  const scripts = letterScripts(visible);
  if (skeleton !== null || (scripts.has("Latin") && scripts.size > 1)) {
    return [
      {
        ruleId: "tool-homoglyph-name",
        field,
        evidence: name,
        detail: `The ${label} "${name}" ${skeleton ? `looks like "${skeleton}" but` : ""} mixes scripts (${[...scripts].join(", ")}).`,
      },
    ];
  }
  return [];
}

function characterFindings(field: TextField): FindingDraft[] {
  return characterTricks(field.text).map((trick) => ({
    ruleId: "tool-invisible-characters",
    field: field.field,
    evidence: `${trick.count} × ${trick.example} (${trick.trick.replaceAll("_", " ")})`,
    detail: `The ${field.field} holds ${trick.count} ${trick.trick.replaceAll("_", " ")} character${trick.count === 1 ? "" : "s"} (first ${trick.example}).`,
    severity: trick.trick === "tag_characters" ? "critical" : "high",
  }));
}

/** The findings of the signals in one piece of text (visible, or hidden by `channel`). */
function signalFindings(
  field: string,
  signals: readonly Signal[],
  toolName: string | undefined,
  channel: string | null,
): FindingDraft[] {
  if (signals.length === 0) return [];
  const first = signals[0] as Signal;
  if (channel !== null) {
    return [
      {
        ruleId: "tool-hidden-instruction",
        field,
        evidence: signals.map((s) => s.evidence).join(" … "),
        detail: `Text ${CHANNEL_WORDS[channel] ?? "hidden from view"} in ${field} addresses the model (${signals.map((s) => s.kind.replaceAll("_", " ")).join(", ")}).`,
      },
    ];
  }
  const out: FindingDraft[] = [];
  const evidence = (kind: Signal["kind"]) => signals.find((s) => s.kind === kind)?.evidence ?? first.evidence;
  const sendsOut = has(signals, "send_out");
  if (sendsOut) {
    out.push({
      ruleId: "tool-exfiltration",
      field,
      evidence: [evidence("send_out"), has(signals, "collect_data") ? evidence("collect_data") : ""]
        .filter(Boolean)
        .join(" … "),
      detail: `The ${field} asks for data to be sent out.`,
    });
  }
  if (has(signals, "override") || has(signals, "conceal") || has(signals, "secrecy_framing")) {
    const kind = has(signals, "override")
      ? "override"
      : has(signals, "conceal")
        ? "conceal"
        : "secrecy_framing";
    out.push({
      ruleId: "tool-explicit-instruction",
      field,
      evidence: evidence(kind),
      detail:
        kind === "override"
          ? `The ${field} tells the model to set its instructions aside.`
          : kind === "conceal"
            ? `The ${field} tells the model to keep the user uninformed.`
            : `The ${field} frames text as secret instructions for the model.`,
    });
  } else if (has(signals, "priority") || has(signals, "model_note")) {
    out.push({
      ruleId: "tool-explicit-instruction",
      field,
      evidence: evidence(has(signals, "priority") ? "priority" : "model_note"),
      detail: has(signals, "priority")
        ? `The ${field} tells the model to call or do something before anything else.`
        : `The ${field} carries a note addressed to the model.`,
      severity: "high",
    });
  } else if (has(signals, "directed_collection")) {
    out.push({
      ruleId: "tool-explicit-instruction",
      field,
      evidence: evidence("directed_collection"),
      detail: `The ${field} directs the model to gather data beyond the tool's arguments.`,
      severity: "high",
    });
  }
  if (has(signals, "other_tools")) {
    out.push({
      ruleId: "tool-shadowing",
      field,
      evidence: evidence("other_tools"),
      detail: `The ${field} gives rules for other tools or for everything the model sends.`,
      severity: sendsOut || REDIRECTS.test(evidence("other_tools")) ? "critical" : "high",
    });
  }
  if (has(signals, "sensitive_path")) {
    // Told in the imperative to read, include or pass the file: a request, whatever the tool says its job is.
    const requested =
      has(signals, "collect_data") ||
      has(signals, "directed_collection") ||
      sendsOut ||
      has(signals, "priority");
    const honest = !requested && toolName !== undefined && PATH_PURPOSE.test(toolName);
    if (!sendsOut || !requested) {
      out.push({
        ruleId: "tool-sensitive-file-reference",
        field,
        evidence: evidence("sensitive_path"),
        detail: requested
          ? `The ${field} asks for a credential or private file to be read or passed on.`
          : `The ${field} mentions a credential or private file${honest ? ", in what reads as the tool's own job" : ""}.`,
        severity: requested ? "critical" : honest ? "low" : "medium",
      });
    }
  }
  return out;
}

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
    drafts.push(...credentialRequests(definition));
    drafts.push(...capabilityFindings(definition), ...weakSchemaFindings(definition.inputSchema));
    drafts.push(...contextFindings(definition, context));
  }
  return dedupe(drafts).map((draft) => toDetected(draft, place));
}

/** Parameter names that ask for a credential or for key material. */
const CREDENTIAL_PARAMETER =
  /^(?:.*_)?(?:password|passwd|passphrase|secret|secret_?key|private_?key|access_?key(?:_?id)?|api_?key|api_?token|access_?token|session_?token|auth_?token|token|cookies?|credentials?|ssh_?key|kubeconfig|keychain\w*|gpg\w*|pgp\w*|cvv|cvc|card_?number|pin)$/i;
/** What a tool whose job is credentials says about itself: logging in, storing or rotating secrets, keys. */
const CREDENTIAL_PURPOSE =
  /\b(?:log\s?in|sign\s?in|signin|auth\w*|oauth|credentials?|secrets?|vault|password\s+manager|keychain|kms|ssh|gpg|pgp|encrypt\w*|decrypt\w*|api\s?keys?|access\s?tokens?|rotat\w*|payments?|checkout|charg\w*)\b/i;

/** A tool that asks for credentials as arguments when its job has nothing to do with them. */
function credentialRequests(tool: Record<string, unknown>): FindingDraft[] {
  const schema = tool.inputSchema;
  if (typeof schema !== "object" || schema === null) return [];
  const properties = (schema as Record<string, unknown>).properties;
  if (typeof properties !== "object" || properties === null) return [];
  const asked = Object.keys(properties).filter((name) => CREDENTIAL_PARAMETER.test(name));
  if (asked.length === 0) return [];
  const name = typeof tool.name === "string" ? identifierProse(tool.name) : "";
  // The name and the first sentence say what a tool is for; later sentences are where a request would hide.
  const purpose =
    typeof tool.description === "string" ? (tool.description.split(/(?<=[.!?])\s/)[0] ?? "") : "";
  if (CREDENTIAL_PURPOSE.test(`${name} ${purpose.slice(0, 300)}`)) return [];
  return [
    {
      ruleId: "tool-sensitive-file-reference",
      field: `inputSchema.properties.${asked[0]}`,
      evidence: asked.join(", "),
      detail: `The tool asks for ${asked.map((p) => `"${p}"`).join(", ")} though nothing in its name or description is about credentials.`,
      severity: "critical",
    },
  ];
}

/** Mentions of other servers' tools, and names they already use. */
function contextFindings(definition: Record<string, unknown>, context: DefinitionContext): FindingDraft[] {
  const out: FindingDraft[] = [];
  const name = typeof definition.name === "string" ? definition.name : "";
  const description = typeof definition.description === "string" ? definition.description : "";
  for (const other of context.otherServers ?? []) {
    if (other.tools.includes(name)) {
      out.push({
        ruleId: "tool-name-collision",
        field: "name",
        evidence: name,
        detail: `Server "${other.name}" also provides a tool named "${name}".`,
      });
    }
    const mentioned = other.tools.find(
      (tool) =>
        tool.length >= 4 && tool !== name && new RegExp(`\\b${escapeRegExp(tool)}\\b`).test(description),
    );
    const serverMentioned =
      other.name.length >= 4 && new RegExp(`\\b${escapeRegExp(other.name)}\\b`, "i").test(description);
    if (mentioned || serverMentioned) {
      out.push({
        ruleId: "tool-shadowing",
        field: "description",
        evidence: mentioned ?? other.name,
        detail: `The description refers to ${mentioned ? `the tool "${mentioned}" of` : "the"} server "${other.name}", which is connected beside it.`,
        // Rules for another server that move money, data or access elsewhere are the attack itself.
        severity: REDIRECTS.test(description) ? "critical" : "high",
      });
    }
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
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
