// The lists a client reads to see everything an MCP server shows the model: each with the capability that says the
// server has it, its method, and the result field (and ServerDefinitions field) that holds the items.

export const DEFINITION_LISTS = [
  { capability: "tools", method: "tools/list", key: "tools" },
  { capability: "prompts", method: "prompts/list", key: "prompts" },
  { capability: "resources", method: "resources/list", key: "resources" },
  { capability: "resources", method: "resources/templates/list", key: "resourceTemplates" },
] as const;

export type DefinitionListKey = (typeof DEFINITION_LISTS)[number]["key"];
