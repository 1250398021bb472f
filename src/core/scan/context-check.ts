// Checks that need more than the definition itself: the team's other servers (shadowing by name, name collisions).
import type { DefinitionContext } from "./definition-analyzer.ts";
import type { FindingDraft } from "./finding.ts";
import { REDIRECTS } from "./signal-findings.ts";

/** Mentions of other servers' tools, and names they already use. */
export function contextFindings(
  definition: Record<string, unknown>,
  context: DefinitionContext,
): FindingDraft[] {
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
