// Input schemas that let anything through where it matters: string parameters naming a path, command, URL, query
// or the like with no pattern, enum, format or length bound; parameters of no type; open objects where a tool's
// options, filters or headers go; a schema that declares nothing and accepts anything; and credentials asked for as
// arguments by a tool whose job is something else.
import { identifierProse } from "./definition-text.ts";
import type { FindingDraft } from "./finding.ts";
import { namesSensitivePath } from "./instruction-signals.ts";

/** Parameter names whose values reach a file system, a shell, the network, a database or another program. */
const RISKY_NAME =
  /^(?:path|paths|file|filename|file_name|filepath|file_path|dir|directory|folder|cwd|command|cmd|script|code|expression|url|uri|endpoint|link|href|host|hostname|query|sql|statement|regex|pattern|template|ref|branch|revision|table|table_name|collection|database|method|args|arguments|flags|phone|phone_number)$/i;
/** Of those, the ones an injected value turns into execution, or into an option of another program. */
const EXECUTES =
  /^(?:command|cmd|script|code|expression|sql|statement|template|args|arguments|flags|ref|branch|revision)$/i;
/** Objects that pass through to a query, a request or a program: open ones take operators and options unchecked. */
const PASS_THROUGH =
  /^(?:filter|filters|where|query|selector|options|opts|params|parameters|headers|extra|config|settings)$/i;

function bounded(property: Record<string, unknown>): boolean {
  return (
    property.pattern !== undefined ||
    property.enum !== undefined ||
    property.const !== undefined ||
    property.format !== undefined ||
    typeof property.maxLength === "number"
  );
}

/** An object schema with no declared properties that does not forbid others: anything goes in. */
function open(schema: Record<string, unknown>): boolean {
  const properties = schema.properties;
  const declared =
    typeof properties === "object" && properties !== null && Object.keys(properties).length > 0;
  return !declared && schema.additionalProperties !== false && schema.patternProperties === undefined;
}

const MAX_PROPERTIES = 200;

/** Weak parameters of a tool's input schema (top level and one level of nested objects). */
export function weakSchemaFindings(schema: unknown, prefix = "inputSchema", depth = 0): FindingDraft[] {
  if (typeof schema !== "object" || schema === null || depth > 1) return [];
  const root = schema as Record<string, unknown>;
  const properties = root.properties;
  const out: FindingDraft[] = [];
  if (depth === 0 && root.additionalProperties === true) {
    out.push({
      ruleId: "tool-weak-input-schema",
      field: prefix,
      evidence: "additionalProperties: true",
      detail: "The input schema accepts arguments it does not declare.",
      severity: "low",
    });
  }
  if (typeof properties !== "object" || properties === null) return out;
  for (const [name, value] of Object.entries(properties).slice(0, MAX_PROPERTIES)) {
    if (typeof value !== "object" || value === null) continue;
    const property = value as Record<string, unknown>;
    const field = `${prefix}.properties.${name}`;
    const types = Array.isArray(property.type) ? property.type : [property.type];
    const composed =
      property.anyOf ?? property.oneOf ?? property.allOf ?? property.$ref ?? property.enum ?? property.const;
    if (property.type === undefined && composed === undefined) {
      out.push({
        ruleId: "tool-weak-input-schema",
        field,
        evidence: `"${name}": ${JSON.stringify(property).slice(0, 120)}`,
        detail: `The parameter "${name}" has no type: any value of any shape is accepted.`,
        severity: "low",
      });
      continue;
    }
    if (types.includes("object")) {
      if (open(property) && PASS_THROUGH.test(name)) {
        out.push({
          ruleId: "tool-weak-input-schema",
          field,
          evidence: `"${name}": ${JSON.stringify(property).slice(0, 120)}`,
          detail: `The parameter "${name}" is an open object: any keys, and whatever operators or options they carry, pass through.`,
          severity: "medium",
        });
      }
      out.push(...weakSchemaFindings(property, field, depth + 1));
    }
    if (!types.includes("string") || !RISKY_NAME.test(name) || bounded(property)) continue;
    out.push({
      ruleId: "tool-weak-input-schema",
      field,
      evidence: `"${name}": ${JSON.stringify(property).slice(0, 120)}`,
      detail: `The parameter "${name}" takes any string: no pattern, enum, format or maxLength.`,
      severity: EXECUTES.test(name) ? "medium" : "low",
    });
  }
  return out;
}

/** Parameter names that ask for a credential or for key material. */
const CREDENTIAL_PARAMETER =
  /^(?:.*_)?(?:password|passwd|passphrase|secret|secret_?key|private_?key|access_?key(?:_?id)?|api_?key|api_?token|access_?token|session_?token|auth_?token|token|cookies?|credentials?|ssh_?key|kubeconfig|keychain\w*|gpg\w*|pgp\w*|cvv|cvc|card_?number|pin)$/i;
/** What a tool whose job is credentials says about itself: logging in, storing or rotating secrets, keys. */
const CREDENTIAL_PURPOSE =
  /\b(?:log\s?in|sign\s?in|signin|auth\w*|oauth|credentials?|secrets?|vault|password\s+manager|keychain|kms|ssh|gpg|pgp|encrypt\w*|decrypt\w*|api\s?keys?|access\s?tokens?|rotat\w*|payments?|checkout|charg\w*)\b/i;

/** A tool that asks for credentials as arguments when its job has nothing to do with them. */
export function credentialRequests(tool: Record<string, unknown>): FindingDraft[] {
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

/**
 * What a parameter name can ask the model for that no tool argument should carry: its conversation, its
 * instructions, its list of tools. Each with the words that make it the tool's own job (a tool that summarises
 * chats may take the chat).
 */
const CONTEXT_PARAMETERS: ReadonlyArray<{ what: string; name: RegExp; purpose: RegExp }> = [
  {
    what: "the conversation",
    name: /\b(?:conversation|chat|dialog(?:ue)?|message|session)\s+(?:history|log|transcript|so\s+far|context)\b|\b(?:previous|prior|earlier|past)\s+(?:messages|turns|exchanges|prompts)\b|\b(?:full|whole|entire)\s+(?:context|conversation|chat)\b|\bcontext\s+window\b/i,
    purpose: /conversation|chat|message|dialog|transcript|history|summar|memory|context|session|thread/i,
  },
  {
    what: "the model's instructions",
    name: /\bsystem\s+(?:prompt|message|instructions)\b|\b(?:model|assistant|agent|your)\s+instructions\b/i,
    purpose: /prompt|instruction|assistant|persona|agent|configur|llm|model/i,
  },
  {
    what: "the model's list of tools",
    name: /\b(?:available\s+)?tools?\s+(?:list|inventory|names|catalog(?:ue)?|definitions|schemas?)\b|\blist\s+of\s+tools\b|\bavailable\s+(?:tools|functions)\b|\bfunction\s+list\b/i,
    purpose: /\btools?\b|function|capabilit|inventory|registry|mcp|plugin/i,
  },
];

/**
 * Parameters whose names alone ask the model for its context (conversation, instructions, tool list) or for a key
 * file, in a tool whose name and description are about something else. A short name is enough: `tools_list` with no
 * description is an instruction the model follows and no reviewer reads.
 */
export function contextRequests(tool: Record<string, unknown>): FindingDraft[] {
  const schema = tool.inputSchema;
  if (typeof schema !== "object" || schema === null) return [];
  const properties = (schema as Record<string, unknown>).properties;
  if (typeof properties !== "object" || properties === null) return [];
  const required = new Set(
    Array.isArray((schema as Record<string, unknown>).required)
      ? ((schema as Record<string, unknown>).required as unknown[])
      : [],
  );
  const name = typeof tool.name === "string" ? identifierProse(tool.name) : "";
  const purpose = `${name} ${typeof tool.description === "string" ? (tool.description.split(/(?<=[.!?])\s/)[0] ?? "").slice(0, 300) : ""}`;
  const out: FindingDraft[] = [];
  for (const parameter of Object.keys(properties).slice(0, MAX_PROPERTIES)) {
    const words = identifierProse(parameter).toLowerCase();
    const field = `inputSchema.properties.${parameter}`;
    if (namesSensitivePath(words) || namesSensitivePath(parameter)) {
      if (/ssh|key|cert|credential|secret|vault|config|backup|audit|scan|gpg|deploy/i.test(purpose)) continue;
      out.push({
        ruleId: "tool-sensitive-file-reference",
        field,
        evidence: parameter,
        detail: `The parameter "${parameter}" names a credential or private key file, though the tool is about something else.`,
        severity: "critical",
      });
      continue;
    }
    const asked = CONTEXT_PARAMETERS.find((entry) => entry.name.test(words));
    if (!asked || asked.purpose.test(purpose)) continue;
    out.push({
      ruleId: "tool-exfiltration",
      field,
      evidence: parameter,
      detail: `The parameter "${parameter}" asks the model for ${asked.what}, though the tool is about something else.`,
      severity: required.has(parameter) ? "critical" : "high",
    });
  }
  return out;
}
