// The policy set of the bench's `gateway-policed` target: server-everything registered a second time, with tool
// pinning in hide mode and 200 policies shaped like a real team's, so every call pays for the whole enforcement
// path. For the echo calls the bench makes, that is: 31 candidate rules judged (30 argument regexes that do not
// match, one role-gated allow), the pin check of a hidden-changes server, and the result judged on the live stream
// (an audit `log` rule on echo results, and a sampling deny, turn the judged relay on).

export const POLICED_SERVER = "everything-policed";

export function benchPolicies(): Array<Record<string, unknown>> {
  const policies: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 150; i += 1) {
    policies.push({
      name: `deny-tool-${String(i).padStart(3, "0")}`,
      servers: POLICED_SERVER,
      match: { tool: `internal-tool-${i}` },
      action: "deny",
      reason: "Not for agents",
      priority: i % 7,
    });
  }
  const words = [
    "drop table",
    "rm -rf",
    "BEGIN PRIVATE KEY",
    "AKIA[0-9A-Z]{16}",
    "password\\s*=",
    "/etc/shadow",
  ];
  for (let i = 0; i < 30; i += 1) {
    policies.push({
      name: `echo-guard-${String(i).padStart(2, "0")}`,
      servers: POLICED_SERVER,
      match: { tool: "echo", args: { "/message": { regex: `(?i)${words[i % words.length]}${i}` } } },
      action: "deny",
      reason: "Refused by the echo guard",
      priority: 100 + i,
    });
  }
  for (let i = 0; i < 17; i += 1) {
    policies.push({
      name: `contractors-${String(i).padStart(2, "0")}`,
      servers: POLICED_SERVER,
      match: { tool: `get-*`, subject: { roles: ["contractor"] }, args: { "/a": { gt: i } } },
      action: "deny",
      reason: "Contractors are limited",
    });
  }
  policies.push(
    {
      name: "admins-echo",
      servers: POLICED_SERVER,
      match: { tool: "echo", subject: { roles: ["admin"] } },
      action: "allow",
      priority: -10,
    },
    {
      name: "audit-echo-results",
      servers: POLICED_SERVER,
      match: { direction: "result", tool: "echo" },
      action: "log",
    },
    {
      name: "no-sampling",
      servers: POLICED_SERVER,
      match: { direction: "server_request", method: "sampling/createMessage" },
      action: "deny",
      reason: "Servers may not use the client's model",
    },
  );
  return policies;
}
