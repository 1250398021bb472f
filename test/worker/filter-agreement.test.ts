// Property: what a caller's listing shows and what the caller may call always agree. A tool is listed exactly
// when a call to it (with no arguments) is not answered "Unknown tool".

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Identity } from "../../src/auth/identity.ts";
import type { JsonRpcMessage } from "../../src/core/jsonrpc.ts";
import { filterListingMessage } from "../../src/core/policy/enforcement.ts";
import { PolicySet } from "../../src/core/policy/engine.ts";
import { policySchema } from "../../src/core/policy/policy-schema.ts";
import { isVisible } from "../../src/proxy/list-filter.ts";
import { denialResponse, judgeClientMessages } from "../../src/proxy/policy-enforcement.ts";

const TOOLS = ["read_file", "read_dir", "write_file", "rm", "search"];

describe("listing filter and call enforcement", () => {
  it("always agree: listed if and only if callable without being unknown", async () => {
    const pattern = fc.constantFrom(...TOOLS, "read_*", "*_file", "r*", "*");
    const rule = fc.record({
      name: fc.stringMatching(/^[a-z]{1,6}$/),
      servers: fc.constant("*"),
      match: fc.record(
        {
          tool: pattern,
          args: fc.constantFrom({}, { "/path": { prefix: "/etc" } }),
          subject: fc.constantFrom({ roles: ["contractor"] }, { roles: ["admin"] }),
        },
        { requiredKeys: ["tool"] },
      ),
      action: fc.constantFrom("allow", "deny", "log"),
      priority: fc.integer({ min: 0, max: 5 }),
      dry_run: fc.boolean(),
    });
    const identity = fc.record({
      subject: fc.constant("u"),
      team: fc.constant("t"),
      roles: fc.subarray(["contractor", "admin", "member"]),
      claims: fc.constant({}),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(rule, { maxLength: 8 }),
        fc.constantFrom("allow" as const, "deny" as const),
        identity,
        async (rules, mode, who) => {
          const policies = PolicySet.compile(
            rules.map((r) => policySchema.parse(r)),
            mode,
          );
          const caller = who as Identity;
          const listing: JsonRpcMessage = {
            jsonrpc: "2.0",
            id: 1,
            result: { tools: TOOLS.map((name) => ({ name, inputSchema: { type: "object" } })) },
          };
          // The function the gateway applies to each listing answer it rewrites.
          const filtered = filterListingMessage(listing, { id: 1, method: "tools/list" }, (probe) =>
            isVisible(policies, "s", caller, probe),
          );
          const listed = new Set(
            (filtered as unknown as { result: { tools: Array<{ name: string }> } }).result.tools.map(
              (t) => t.name,
            ),
          );
          for (const name of TOOLS) {
            const call: JsonRpcMessage = {
              jsonrpc: "2.0",
              id: 2,
              method: "tools/call",
              params: { name, arguments: {} },
            };
            const verdicts = judgeClientMessages(policies, "s", caller, [call]);
            const unknown =
              verdicts[0]?.decision.action === "deny" &&
              ((await denialResponse(verdicts).json()) as { error?: { message: string } }).error?.message ===
                `Unknown tool: ${name}`;
            expect(listed.has(name), `${name} listed vs ${unknown ? "unknown" : "known"}`).toBe(!unknown);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
