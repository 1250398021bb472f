// `helmet scan --tools FILE.json`: a saved tools/list result as the definitions analyzeServer reads. Takes the
// JSON-RPC response, its bare result, a bare array of tools, or an array of saved responses (initialize, tools/list,
// prompts/list, ...) merged; prompts, resources, resourceTemplates and instructions are read when present.
import { readFile } from "node:fs/promises";
import * as z from "zod/mini";
import type { ServerDefinitions } from "../../../src/core/scan/definition-analyzer.ts";
import { issuesText } from "./field-errors.ts";
import { ScanError } from "./scan-error.ts";

const MAX_TOOLS_FILE_BYTES = 64 * 1024 * 1024;

const definitionList = z.array(z.record(z.string(), z.unknown()));
const definitionsSchema = z.looseObject({
  tools: z.optional(definitionList),
  prompts: z.optional(definitionList),
  resources: z.optional(definitionList),
  resourceTemplates: z.optional(definitionList),
  instructions: z.optional(z.string()),
});

const EXPECTED =
  'expected a tools/list result ({"tools": [...]}), the JSON-RPC response holding it, or an array of tools';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The part of a saved message that holds definitions: a response's result, or the object itself. */
function resultOf(value: Json, file: string): Json {
  if (isObject(value.error)) {
    const message = typeof value.error.message === "string" ? value.error.message : "no message";
    throw new ScanError(`${file} holds a JSON-RPC error (${message}), not a tools/list result: ${EXPECTED}`);
  }
  return isObject(value.result) ? value.result : value;
}

/** Saved responses, one per list (and initialize), merged into one set of definitions. */
function merged(responses: readonly Json[], file: string): Json {
  const out: Json = {};
  for (const response of responses) {
    const result = resultOf(response, file);
    for (const key of ["tools", "prompts", "resources", "resourceTemplates"] as const) {
      if (!Array.isArray(result[key])) continue;
      out[key] = [...(Array.isArray(out[key]) ? out[key] : []), ...result[key]];
    }
    if (typeof result.instructions === "string") out.instructions = result.instructions;
  }
  return out;
}

/** The definitions in the saved file, under the server name `server`. */
export async function readToolsFile(file: string, server: string): Promise<ServerDefinitions> {
  let text: string;
  try {
    const bytes = await readFile(file);
    if (bytes.length > MAX_TOOLS_FILE_BYTES)
      throw new ScanError(`${file} is over 64 MiB: is it a tools file?`);
    text = bytes.toString("utf8");
  } catch (error) {
    if (error instanceof ScanError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ScanError(
      `cannot read --tools ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : String(error)}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ScanError(
      `${file} is not JSON (${error instanceof Error ? error.message : error}): ${EXPECTED}`,
    );
  }
  let body: unknown;
  if (Array.isArray(value)) {
    const responses = value.every((item) => isObject(item) && "jsonrpc" in item);
    body = responses && value.length > 0 ? merged(value as Json[], file) : { tools: value };
  } else if (isObject(value)) {
    body = resultOf(value, file);
  } else {
    throw new ScanError(`${file}: ${EXPECTED}`);
  }
  const parsed = definitionsSchema.safeParse(body);
  if (!parsed.success) throw new ScanError(`${file}: ${issuesText(parsed.error.issues)}`);
  const { tools, prompts, resources, resourceTemplates, instructions } = parsed.data;
  if (!tools && !prompts && !resources && !resourceTemplates && instructions === undefined) {
    throw new ScanError(`${file} holds no tools, prompts, resources or instructions: ${EXPECTED}`);
  }
  return { server, tools, prompts, resources, resourceTemplates, instructions };
}
