// What a tool can do (run commands, run code, change files, reach the network), read from its name, description
// and input schema, checked against what its annotations and description admit.
import type { FindingDraft } from "./finding.ts";

export type Capability = "shell" | "code" | "file_write" | "network";

interface CapabilityShape {
  capability: Capability;
  /** Words of the tool's name (split on _ - . and case). */
  nameWords: RegExp;
  /** Input property names that carry it. */
  properties: RegExp;
  /** How an honest description says it. */
  admits: RegExp;
  label: string;
}

const SHAPES: readonly CapabilityShape[] = [
  {
    capability: "shell",
    nameWords:
      /^(?:shell|bash|sh|zsh|powershell|pwsh|cmd|exec|execute|terminal|command|commands|subprocess|spawn)$/,
    properties: /^(?:command|cmd|shell_command|commandline|command_line|bash|script|shell)$/i,
    admits:
      /\b(?:shell|bash|terminal|(?:sub)?command(?:s|-line)?|subprocess|execut(?:e|es|ing)|runs?|starts?|launch(?:es)?|spawns?|containers?|processes|privileges?)\b/i,
    label: "runs shell commands",
  },
  {
    capability: "code",
    // "code" and "node" alone name what a tool works on (search_code, a cluster node); with a verb of running
    // they name an interpreter (see RUNS_CODE_NAME).
    nameWords: /^(?:eval|evaluate|python|javascript|js|ruby|repl|interpreter|notebook|jupyter|sandbox)$/,
    // "source" is as often a file to copy from as source code.
    properties: /^(?:code|source_code|expression|python|javascript|js|snippet|program)$/i,
    admits:
      /\b(?:evaluat(?:e|es|ing)|(?:execut(?:e|es|ing)|runs?|running)\s+(?:[\w-]+\s+){0,2}?(?:python|javascript|typescript|js|code|scripts?|snippets?|programs?)|(?:code|scripts?|snippets?|javascript|python)\s+(?:to\s+)?(?:execute|run|evaluate)|interpreter|repl|sandbox)\b/i,
    label: "runs code",
  },
  {
    capability: "file_write",
    nameWords:
      /^(?:write|delete|remove|rm|unlink|overwrite|save|move|mv|rename|truncate|chmod|chown|mkdir|rmdir|edit|patch|append)$/,
    properties: /^(?:content|contents|data_to_write|new_content|destination|dest|target_path)$/i,
    admits:
      /\b(?:writ(?:e|es|ing)|delet(?:e|es|ing)|remov(?:e|es|ing)|overwrit(?:e|es|ing)|modif(?:y|ies|ying)|sav(?:e|es|ing)|mov(?:e|es|ing)|renam(?:e|es|ing)|creat(?:e|es|ing)|edit(?:s|ing)?|append(?:s|ing)?|chang(?:e|es|ing))\b/i,
    label: "changes or deletes files",
  },
  {
    capability: "network",
    nameWords: /^(?:fetch|http|https|request|download|curl|wget|browse|scrape|crawl)$/,
    properties: /^(?:url|uri|endpoint|webhook|webhook_url|target_url|href|link)$/i,
    admits:
      /\b(?:fetch(?:es|ing)?|download(?:s|ing)?|https?|web|url|internet|network|requests?|browse|crawl|scrape|webhook|api)\b/i,
    label: "reaches the network",
  },
];

/** "runShellCommand" and "run_shell-command" alike: lower-case words. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function propertyNames(schema: unknown): string[] {
  if (typeof schema !== "object" || schema === null) return [];
  const properties = (schema as Record<string, unknown>).properties;
  return typeof properties === "object" && properties !== null ? Object.keys(properties) : [];
}

/** A name that runs code in two words: a verb of running and what it runs ("run_code", "execNode"). */
const RUNS_CODE_NAME = [/^(?:run|exec|execute|eval|evaluate)$/, /^(?:code|node|snippet|script|js|python)$/];

const FILE_TARGET = /^(?:path|file|filename|file_path|filepath|target|dir|directory|folder)$/i;

/** The capabilities a tool has, and whether each shows in its name, its schema or only one of them. */
export function capabilitiesOf(tool: Record<string, unknown>): Capability[] {
  const name = typeof tool.name === "string" ? tool.name : "";
  const nameWords = words(name);
  const properties = propertyNames(tool.inputSchema);
  const found: Capability[] = [];
  for (const shape of SHAPES) {
    const byName =
      nameWords.some((word) => shape.nameWords.test(word)) ||
      (shape.capability === "code" &&
        RUNS_CODE_NAME.every((words) => nameWords.some((word) => words.test(word))));
    let bySchema = properties.some((property) => shape.properties.test(property));
    // Content alone is any upload; content beside a file path is a file write.
    if (shape.capability === "file_write" && bySchema) {
      bySchema = properties.some((property) => FILE_TARGET.test(property));
    }
    // A read-only verb in the name ("read_file", "get_url_preview") outweighs a property name.
    if (
      byName ||
      (bySchema &&
        !/^(?:get|read|list|search|find|show|describe|view|query|count|check)$/.test(nameWords[0] ?? ""))
    ) {
      found.push(shape.capability);
    }
  }
  return found;
}

function annotationsOf(tool: Record<string, unknown>): Record<string, unknown> | null {
  const annotations = tool.annotations;
  return typeof annotations === "object" && annotations !== null
    ? (annotations as Record<string, unknown>)
    : null;
}

/** The same changes as enum values name them: actions a call can be asked to take. */
const ACTION_VERBS = new Set([
  "delete",
  "remove",
  "rm",
  "drop",
  "truncate",
  "destroy",
  "wipe",
  "purge",
  "kill",
  "stop",
  "disable",
  "restart",
  "reset",
  "push",
  "write",
  "overwrite",
  "install",
  "uninstall",
  "apply",
  "execute",
  "exec",
  "deploy",
  "merge",
  "prune",
  "clean",
  "cleanup",
  "chmod",
  "chown",
  "drain",
  "cordon",
  "scale",
  "rollback",
  "terminate",
  "evict",
  "revoke",
]);
/** Property-name words that carry a command to run, raw arguments for a program, raw SQL, or a forced change. */
const COMMAND_WORDS = new Set([
  "command",
  "cmd",
  "hook",
  "callback",
  "exec",
  "shell",
  "script",
  "editor",
  "program",
  "binary",
  "executable",
]);
const ARGUMENT_WORDS = new Set(["args", "argv", "arguments", "flags", "extra", "raw", "passthrough"]);
// Not "recursive": listing or explaining recursively changes nothing; a recursive delete already says "delete".
const FORCE_WORDS = new Set(["force", "purge", "overwrite", "delete", "permissions", "chmod"]);
/** Boolean switches that make a call act rather than preview when they default to true. */
const ACT_SWITCH =
  /^(?:execute|run|apply|commit|overwrite|delete|force|install|run_script|confirm|auto_?\w+)$/i;

/** What the input schema reveals the tool can do, whatever its name and description say. */
function schemaPowers(schema: unknown): string[] {
  if (typeof schema !== "object" || schema === null) return [];
  const properties = (schema as Record<string, unknown>).properties;
  if (typeof properties !== "object" || properties === null) return [];
  const out: string[] = [];
  for (const [name, value] of Object.entries(properties)) {
    const property = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    const nameWords = words(name);
    const types = Array.isArray(property.type) ? property.type : [property.type];
    // Text (or a list of it, or anything): a flag such as `raw: true` only changes how output looks.
    const carriesText = types.some((type) => type === undefined || type === "string" || type === "array");
    if (carriesText && nameWords.some((word) => COMMAND_WORDS.has(word))) {
      out.push(`takes a command to run ("${name}")`);
    } else if (carriesText && nameWords.some((word) => ARGUMENT_WORDS.has(word))) {
      out.push(`passes raw arguments on ("${name}")`);
    } else if (nameWords.some((word) => FORCE_WORDS.has(word))) {
      out.push(`can force changes ("${name}")`);
    }
    const values = Array.isArray(property.enum)
      ? property.enum.filter((v): v is string => typeof v === "string")
      : [];
    // An action is a verb in the imperative ("delete", "force_push"); "deployment" is a kind, "removed" a status.
    const acting = values.filter((v) => words(v).some((word) => ACTION_VERBS.has(word)));
    if (acting.length > 0)
      out.push(
        `offers the actions ${acting
          .slice(0, 4)
          .map((v) => `"${v}"`)
          .join(", ")}`,
      );
    if (property.default === true && ACT_SWITCH.test(name)) out.push(`acts by default ("${name}" is true)`);
  }
  return out;
}

/** Findings for power the annotations deny, do not state, or the description does not admit. */
export function capabilityFindings(tool: Record<string, unknown>): FindingDraft[] {
  const annotations = annotationsOf(tool);
  const powers = schemaPowers(tool.inputSchema);
  const claimsHarmless = annotations?.readOnlyHint === true || annotations?.destructiveHint === false;
  const contradicted: FindingDraft[] =
    claimsHarmless && powers.length > 0
      ? [
          {
            ruleId: "tool-dangerous-capability",
            field: "annotations",
            evidence: powers.join("; "),
            detail: `The annotations say ${annotations?.readOnlyHint === true ? "read-only" : "not destructive"}, but the input schema shows a tool that ${powers.join(", ")}.`,
            severity: "high",
          },
        ]
      : powers.length > 0 && annotations === null
        ? [
            {
              ruleId: "tool-dangerous-capability",
              field: "inputSchema",
              evidence: powers.join("; "),
              detail: `The input schema shows a tool that ${powers.join(", ")}, and it has no annotations to say so.`,
              severity: "medium",
            },
          ]
        : [];
  const capabilities = capabilitiesOf(tool);
  if (capabilities.length === 0) return contradicted;
  const description = typeof tool.description === "string" ? tool.description : "";
  const out: FindingDraft[] = [...contradicted];
  for (const capability of capabilities) {
    const shape = SHAPES.find((s) => s.capability === capability) as CapabilityShape;
    const changes = capability !== "network";
    const executes = capability === "shell" || capability === "code";
    const contradictions: string[] = [];
    if (annotations?.readOnlyHint === true && changes) contradictions.push("readOnlyHint is true");
    if (annotations?.destructiveHint === false && (executes || capability === "file_write")) {
      contradictions.push("destructiveHint is false");
    }
    if (annotations?.openWorldHint === false && capability === "network")
      contradictions.push("openWorldHint is false");
    const admitted = shape.admits.test(description);
    if (contradictions.length > 0) {
      out.push({
        ruleId: "tool-dangerous-capability",
        field: "annotations",
        evidence: contradictions.join(", "),
        detail: `The tool ${shape.label}, but ${contradictions.join(" and ")}.`,
        severity: admitted ? "medium" : "high",
      });
    } else if (!admitted && description.length > 0) {
      out.push({
        ruleId: "tool-dangerous-capability",
        field: "description",
        evidence: description.slice(0, 160),
        detail: `The tool ${shape.label} (its name or input schema says so), but its description does not.`,
        severity: executes ? "high" : "medium",
      });
    } else if (annotations === null) {
      out.push({
        ruleId: "tool-dangerous-capability",
        field: "annotations",
        evidence: "no annotations",
        detail: `The tool ${shape.label} and has no annotations, so clients cannot tell it apart from a harmless tool.`,
        severity: executes ? "medium" : "low",
      });
    } else if (executes) {
      // Honest and annotated: still worth knowing a server can run anything.
      out.push({
        ruleId: "tool-dangerous-capability",
        field: "annotations",
        evidence: shape.label,
        detail: `The tool ${shape.label}, and says so.`,
        severity: "low",
      });
    }
  }
  return out;
}
