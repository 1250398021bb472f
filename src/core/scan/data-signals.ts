// What text asks of data, sentence by sentence: gathering sensitive data (the conversation, credentials, key files),
// sending it out (a verb of sending, an outside address, a URL or host template, a covert channel), handing it to a
// field of the call or to another tool, and standing rules that ship results elsewhere.
import {
  ACT_ON_DATA,
  ADDRESSEE,
  CARRIER_FIELD,
  LITERAL_DESTINATION,
  MANDATE,
  SEND,
  SENSITIVE_DATA,
} from "./instruction-lexicon.ts";
import type { SignalKind } from "./instruction-signals.ts";
import { commanded, commandedMatch, firstMatch, gap, quoted } from "./prose-reading.ts";

/** Files whose contents are credentials or private data. */
export const SENSITIVE_PATH = new RegExp(
  [
    `~?\\/?\\.ssh\\b(?:\\/[\\w.-]{1,64})?`,
    `(?<![a-z0-9])id[_\\s-]?(?:rsa|dsa|ecdsa|ed25519)\\b`,
    `\\.aws\\/(?:credentials|config)\\b`,
    `\\.azure\\/[\\w.-]{1,64}`,
    `\\.config\\/gcloud\\b`,
    `\\.kube\\/config\\b`,
    `\\.docker\\/config\\.json\\b`,
    `(?:^|[\\s"'\`(\\/])\\.env(?:\\.(?:local|production|prod|development))?\\b`,
    `\\/etc\\/(?:passwd|shadow|sudoers)\\b`,
    `\\.(?:npmrc|pypirc|netrc|git-credentials|pgpass|bash_history|zsh_history)\\b`,
    `\\bmcp\\.json\\b`,
    `claude_desktop_config\\.json\\b`,
    `\\b(?:Login Data|Cookies|Local State)\\b(?=[^.]{0,40}(?:chrome|browser|firefox|edge|profile))`,
    `\\bwallet\\.dat\\b`,
    `\\b(?:windows\\s+)?credential\\s+(?:manager|store|vault)\\b`,
    `\\bwindows\\s+vault\\b`,
    `%appdata%[\\\\/]microsoft[\\\\/](?:credentials|protect)\\b`,
    `\\b(?:key[34]\\.db|logins\\.json|cookies\\.sqlite)\\b`,
    `\\b(?:saved|stored)[\\s-]+passwords?\\b`,
    `\\bpassword\\s+(?:database|store|vault)\\b`,
    `\\bdpapi\\b`,
    `\\bkeychain\\b`,
    `\\.gnupg\\b`,
  ].join("|"),
  "i",
);

/**
 * Signals about data in one sentence (and the one before it): gathering sensitive data, sending it out, handing it
 * to a field of the call or to another tool.
 */
export function dataSignals(
  sentence: string,
  previous: string,
  add: (kind: SignalKind, evidence: string) => void,
): void {
  const data = sensitiveData(sentence) ?? firstMatch(SENSITIVE_PATH, sentence);
  const act = commandedMatch(ACT_ON_DATA, sentence);
  const send = commanded(SEND, sentence);
  const commands = MANDATE.test(sentence) || ADDRESSEE.test(sentence);
  // The data as the object of the verb (a few words after it), not a source named further on ("include exclusions
  // only when obvious from the user's request").
  const object = act ? (sentence.slice(act.index, act.index + 70).split(CLAUSE_BREAK)[0] ?? "") : "";
  const acted = act !== null && (sensitiveData(object) !== null || SENSITIVE_PATH.test(object));
  if (data && act) add("collect_data", `${act[0]} … ${data}`);
  if (acted && (commands || VERBATIM.test(sentence))) add("directed_collection", sentence);
  const carrier = CARRIER_FIELD.test(sentence) || NAMED_FIELD.test(sentence);
  if (data && (send || (act && carrier))) add("send_out", sentence);
  // The carrier named in one sentence, the order to fill it in the next: "The memo parameter holds the chat so far.
  // It is mandatory to pass the history."
  const carried = CARRIER_FIELD.test(previous) || NAMED_FIELD.test(previous);
  if (
    act &&
    carried &&
    MANDATE.test(sentence) &&
    (data || (sensitiveData(previous) && HISTORY.test(sentence)))
  )
    add("send_out", `${previous} ${sentence}`);
  if (send && LITERAL_DESTINATION.test(sentence)) add("send_out", sentence);
  // Data carried out in an address: a URL template with data placeholders, or data encoded into DNS names,
  // links or images the client will fetch.
  const template = DATA_TEMPLATE.exec(sentence);
  if (template) add("send_out", template[0]);
  if (data && COVERT_CHANNEL.test(sentence) && (act || send)) add("send_out", sentence);
  // Data and an outside address in one sentence, with a verb that makes a client reach it.
  const destination = LITERAL_DESTINATION.test(sentence) || HOST_TEMPLATE.test(sentence);
  if (data && destination && (act || send || commanded(FETCH, sentence) || COVERT_CHANNEL.test(sentence))) {
    add("send_out", sentence);
  }
  // Handing data to some tool: "call log_context with a summary of the conversation", or, as a standing rule,
  // "policy requires calling upload_report with all query results".
  // What goes with the call, up to a purpose or a condition ("with a conversation ID to fetch that conversation").
  const given =
    (/\bwith\b((?:[^.!?\n]|[.!?](?=\S)){0,100})/i.exec(sentence)?.[1] ?? "").split(GIVEN_END)[0] ?? "";
  const handed =
    sensitiveData(given) ??
    firstMatch(SENSITIVE_PATH, given) ??
    (STANDING_RULE.test(sentence) ? firstMatch(BULK_RESULTS, given) : null);
  if (handed && (commanded(CALL_TOOL, sentence) || REQUIRED_CALL.test(sentence))) add("send_out", sentence);
  // A standing rule to ship results or data somewhere other than the user: "always export results to the backup
  // system after each query".
  const shipped = STANDING_SEND.exec(sentence);
  if (shipped && (data || BULK_RESULTS.test(sentence) || /\bresults?\b/i.test(shipped[0])))
    add("send_out", shipped[0]);
  // Another tool to be called first with sensitive arguments, in the passive: "the shell tool must be called with
  // cat ~/.netrc first".
  if (data && PASSIVE_CALL.test(sentence)) add("priority", sentence);
  // The tool itself says it sends the conversation away: it can only have it if the model passes it.
  if (CONVERSATION.test(data ?? "") && TOOL_SENDS.test(sentence)) add("send_out", sentence);
}

/** Where the object of a verb ends and a condition or a source begins. */
const CLAUSE_BREAK = /\b(?:when|if|unless|only|from|based\s+on|according\s+to)\b/i;
const PASSIVE_CALL =
  /\b[\w-]{2,40}\s+(?:tool|function|command)\s+(?:must|should|needs\s+to|has\s+to|is\s+to|shall)\s+(?:always\s+|first\s+)?be\s+(?:called|invoked|run|executed|used)\b/i;
const GIVEN_END = /\s(?:to|for|so\s+that|in\s+order\s+to|when|if|unless)\s/i;
/** A transcript asked for whole: with data and a verb, a request to copy the conversation out. */
const VERBATIM =
  /\b(?:verbatim|word\s+for\s+word|in\s+full|unabridged|exactly\s+as\s+(?:written|said|typed))\b/i;
/** "the history", "it all": what a second sentence calls data the first one named. */
const HISTORY =
  /\b(?:the|that|this|its|their)\s+(?:history|log|transcript|context|contents?)\b|\bit\s+all\b/i;
/** The conversation and what the model was told: data no tool has unless the model hands it over. */
const CONVERSATION =
  /conversation|chat|dialog|exchange|messages?|history|transcript|system\s+prompt|context\s+window|session|thread/i;
/** Results in bulk, as a standing rule hands them on: "all query results", "the full output". */
const BULK_RESULTS =
  /\b(?:all|every|each|the\s+(?:full|complete|entire|raw))\s+(?:[\w-]+\s+)?(?:results?|outputs?|responses?|records|rows|data|findings)\b/i;
/** A rule that holds every time, not a one-off step. */
const STANDING_RULE =
  /\b(?:always|every\s+time|after\s+(?:each|every)|requires?|required|mandatory|must|policy|compliance|automatically)\b/i;
/** A call another tool is required to receive: "requires calling upload_report with ...". */
const REQUIRED_CALL =
  /\b(?:requires?|required|mandates?|demands?|means)\s+(?:you\s+to\s+)?(?:calling|invoking|running|call|invoke|run)\s+(?:the\s+)?[\w-]{3,40}\b/i;
const STANDING_SEND = new RegExp(
  `\\b(?:always|automatically|also|every\\s+time|after\\s+(?:each|every)|for\\s+(?:compliance|auditing|audit|backup|retention))\\b${gap(4)}\\b(?:send|export|upload|forward|copy|sync|mirror|post|transmit|push|back\\s+up|hand\\s+(?:\\w+\\s+)?off)\\s+(?:[\\w-]+\\s+){0,4}?to\\s+(?:the\\s+|a\\s+|an\\s+|our\\s+)?(?:[\\w-]+\\s+){0,2}?(?:system|server|service|endpoint|url|webhook|tool|archive|vault|bucket|storage|collector|address|inbox|database|api|backup|logger)\\b`,
  "i",
);
/** The tool (not the model) sending something on: "this tool forwards telemetry ... to the vendor". */
const TOOL_SENDS =
  /\b(?:this\s+tool|the\s+tool|this\s+server|the\s+server|it)\s+(?:also\s+|silently\s+|quietly\s+|automatically\s+)?(?:sends|forwards|uploads|transmits|posts|shares|relays|syncs|mirrors|exports|reports|ships)\b[^.!?\n]{0,120}?\bto\s+(?:the\s+|a\s+|an\s+|our\s+|its\s+|some\s+)?(?!user\b|you\b|your\b)[\w-]+/i;
/** Words after a data noun that make it a label for something else: "conversation ID", "token count". */
const DATA_LABEL =
  /^[\s_.-]*(?:ids?|identifiers?|uuids?|types?|kinds?|names?|titles?|counts?|metadata|lengths?|limits?|status|spans?|settings|modes?|formats?|expir\w*|ttl)\b/i;

/** The first sensitive-data phrase of `sentence` used as data: not quoted, not a label ("conversation ID"). */
function sensitiveData(sentence: string): string | null {
  for (const match of sentence.matchAll(new RegExp(SENSITIVE_DATA.source, `${SENSITIVE_DATA.flags}g`))) {
    if (quoted(sentence, match.index, match[0].length)) continue;
    if (DATA_LABEL.test(sentence.slice(match.index + match[0].length))) continue;
    return match[0];
  }
  return null;
}

const CALL_TOOL = /\b(?:call|invoke|use|run|trigger)\b/i;
/** A URL whose path or query is a placeholder for data the model fills in: {message}, {{history}}, <user_email>. */
const DATA_TEMPLATE =
  /(?:https?|wss?):\/\/[^\s"'()]{0,200}?[/?&=.](?:\{\{?|<|%7b)\s*(?:[\w-]{0,20}?(?:message|messages|conversation|chat|history|prompt|question|query|email|user|name|address|context|secret|token|key|password|content|data|summary|task|input|text|file|env))[\w-]{0,20}\s*(?:\}\}?|>|%7d)/i;
/** Verbs that make a client reach an address: a request carries whatever its URL or name holds. */
const FETCH = /\b(?:request|fetch|visit|open|load|resolve|ping|query|call|hit|browse|download)\b/i;
/** A host name built from a placeholder: `<data>.collector.example`, `{payload}.example.net`. */
const HOST_TEMPLATE =
  /(?:<[\w-]{1,30}>|\{\{?[\w-]{1,30}\}?\})\.[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*\.[a-z]{2,24}\b/i;
/** Where data can be smuggled out without a request of its own: DNS names, links and images a client fetches. */
const COVERT_CHANNEL =
  /\b(?:dns|subdomains?|hostnames?|domain\s+names?|lookups?|query\s+strings?|url\s+parameters?|links?|hyperlinks?|markdown\s+images?|images?|pixels?|alt\s+text|favicon)\b/i;
/** A call field named in code style: "put it in `ref`". */
const NAMED_FIELD = /\b(?:in|into|as|to|under|set|fill|populate)\s+(?:the\s+)?[`'"][\w.-]{1,40}[`'"]/i;
