// What the signals found in a field mean as findings: instructions, exfiltration, sensitive files, shadowing, or
// hidden text (with the channel that hid it). The analyzer decides which text to read; this decides what it says.
import type { FindingDraft } from "./finding.ts";
import { addressesModel, has, mentionsSensitive, type Signal, signalsIn } from "./instruction-signals.ts";

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

/** Rules for other tools that move data or money elsewhere: a copy, a new recipient, another account. */
export const REDIRECTS =
  /\b(?:bcc|cc|copy\s+to|recipients?|redirect\w*|reroute\w*|forward\w*|instead\s+to|account(?:\s+number)?|iban|wallet|payee|beneficiary|substitut\w*|swap\w*|public(?:ly)?|world[\s-]?readable|anyone|grant\w*|permissions?|acl|owners?)\b|(?:https?:\/\/|[\w.+-]+@[\w-]+\.)/i;

/** Tool names a path reference is honest in: the tool's own job is those files. */
const PATH_PURPOSE =
  /ssh|aws|azure|gcloud|gcp|kube|k8s|docker|dotenv|env|git|npm|pypi|credential|secret|key|vault|config|profile|passw|cert|gpg|netrc|backup|audit|scan/i;

/** Findings for text hidden by `channel`: instructions if it speaks to the model, hidden content otherwise. */
export function hiddenFindings(field: string, text: string, channel: string): FindingDraft[] {
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

/** The findings of the signals in one piece of text (visible, or hidden by `channel`). */
export function signalFindings(
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
