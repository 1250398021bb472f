// Input schemas that let anything through where it matters: string parameters naming a path, command, URL or query
// with no pattern, enum, format or length bound.
import type { FindingDraft } from "./finding.ts";

/** Parameter names whose values reach a file system, a shell, the network or a database. */
const RISKY_NAME =
  /^(?:path|paths|file|filename|file_name|filepath|file_path|dir|directory|folder|cwd|command|cmd|script|code|expression|url|uri|endpoint|link|href|host|hostname|query|sql|statement|regex|pattern|template)$/i;
/** Of those, the ones an injected value turns into execution. */
const EXECUTES = /^(?:command|cmd|script|code|expression|sql|statement|template)$/i;

function bounded(property: Record<string, unknown>): boolean {
  return (
    property.pattern !== undefined ||
    property.enum !== undefined ||
    property.const !== undefined ||
    property.format !== undefined ||
    typeof property.maxLength === "number"
  );
}

const MAX_PROPERTIES = 200;

/** Weak string parameters of a tool's input schema (top level and one level of nested objects). */
export function weakSchemaFindings(schema: unknown, prefix = "inputSchema", depth = 0): FindingDraft[] {
  if (typeof schema !== "object" || schema === null || depth > 1) return [];
  const properties = (schema as Record<string, unknown>).properties;
  if (typeof properties !== "object" || properties === null) return [];
  const out: FindingDraft[] = [];
  for (const [name, value] of Object.entries(properties).slice(0, MAX_PROPERTIES)) {
    if (typeof value !== "object" || value === null) continue;
    const property = value as Record<string, unknown>;
    const types = Array.isArray(property.type) ? property.type : [property.type];
    if (types.includes("object"))
      out.push(...weakSchemaFindings(property, `${prefix}.properties.${name}`, depth + 1));
    if (!types.includes("string") || !RISKY_NAME.test(name) || bounded(property)) continue;
    out.push({
      ruleId: "tool-weak-input-schema",
      field: `${prefix}.properties.${name}`,
      evidence: `"${name}": ${JSON.stringify(property).slice(0, 120)}`,
      detail: `The parameter "${name}" takes any string: no pattern, enum, format or maxLength.`,
      severity: EXECUTES.test(name) ? "medium" : "low",
    });
  }
  return out;
}
