// The environment the MCP server runs with: the parent's, minus every HELMET_* variable, so the session token
// (and Helmet's own settings) never reach the server.
export function childEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || name.toUpperCase().startsWith("HELMET_")) continue;
    out[name] = value;
  }
  return out;
}
