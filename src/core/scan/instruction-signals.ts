// What text says to a model, found by meaning-bearing phrase shapes rather than fixed strings: attempts to override
// its instructions, to keep the user uninformed, to make it call or read something first, to send data somewhere,
// to reach sensitive files, to change how it uses other tools. Each shape allows the words in between that real
// sentences put there, within a bounded distance (linear-time patterns).
import {
  ACT_ON_DATA,
  ADDRESSEE,
  CARRIER_FIELD,
  LITERAL_DESTINATION,
  MANDATE,
  OTHER_TOOLS as OTHER_TOOLS_ANY_LANGUAGE,
  OVERRIDE as OVERRIDE_ANY_LANGUAGE,
  SEND,
  SENSITIVE_DATA,
  UNINFORMED_USER,
} from "./instruction-lexicon.ts";

export type SignalKind =
  | "override"
  | "conceal"
  | "priority"
  | "model_directive"
  | "collect_data"
  | "directed_collection"
  | "send_out"
  | "sensitive_path"
  | "other_tools"
  | "secrecy_framing"
  | "model_note";

export interface Signal {
  kind: SignalKind;
  /** The words that matched, for the finding's evidence. */
  evidence: string;
}

/** Up to n words of filler between the parts of a shape (within one sentence). */
const gap = (words: number) => `(?:[^.!?\\n]{0,${words * 12}}?)`;

const OVERRIDE = new RegExp(
  [
    `\\b(?:ignore|disregard|forget|override|bypass|supersede|overrule|set aside)\\b${gap(5)}\\b(?:previous|prior|preceding|earlier|above|all|any|other|existing|original|system|safety|your)\\b${gap(3)}\\b(?:instructions?|prompts?|rules|guidelines|directives|guardrails|policies|restrictions|messages|constraints)\\b`,
    `\\b(?:new|updated|real|actual|true)\\s+(?:system\\s+)?(?:instructions|directives|rules)\\s*(?::|follow|apply|are)`,
    `\\bregardless\\s+of\\s+(?:what|whatever)\\s+the\\s+user\\b`,
    `\\b(?:takes?|take)\\s+precedence\\s+over\\b`,
    `\\b(?:instructions|rules|restrictions|caveats|guidelines|requirements|policies|guardrails|safeguards|confirmations?|warnings|disclaimers|limits)\\b${gap(6)}\\b(?:(?:do|does)\\s+not|don't|no\\s+longer|never)\\s+apply\\b`,
    `\\b(?:instructions|rules|restrictions|caveats|guidelines|requirements|policies|guardrails|safeguards|confirmations?|warnings|limits)\\b${gap(6)}\\b(?:are|is|have\\s+been|were)\\s+(?:now\\s+)?(?:suspended|lifted|disabled|waived|void|revoked|overridden|relaxed|removed|turned\\s+off|no\\s+longer\\s+(?:valid|in\\s+effect|needed))\\b`,
    `\\b(?:skip|omit|drop|leave\\s+out|without\\s+(?:adding|including|giving)|do\\s+not\\s+(?:add|include|give)|don't\\s+(?:add|include|give)|no\\s+need\\s+for)\\s+(?:any\\s+|the\\s+|your\\s+)?(?:disclaimers?|warnings?|caveats?|safety\\s+(?:notes?|notices?|checks?|warnings?))\\b`,
    `\\b(?:developer|god|admin|debug|unrestricted|unfiltered|jailbreak|dan|sudo)\\s+mode\\b`,
    `\\bif\\s+the\\s+user\\s+(?:asks|tells|wants|requests|says)\\b${gap(10)}\\b(?:do\\s+not|don't|never|refuse|instead)\\b`,
  ].join("|"),
  "i",
);

const CONCEAL = new RegExp(
  [
    `\\b(?:do not|don't|dont|never|must not|should not|shouldn't|avoid)\\b${gap(3)}\\b(?:tell|inform|mention(?:ing)?|reveal|notify|alert|disclose|let|show|report|explain|display)\\b${gap(3)}\\b(?:the\\s+)?(?:user|users|human|operator|person|customer|requester|them)\\b`,
    `\\b(?:do not|don't|dont|never|must not|avoid)\\s+(?:surface|bring\\s+up|include|show|list|mention|report)\\b${gap(6)}\\b(?:in|to)\\s+(?:your|the)\\s+(?:reply|response|answer|summary|output|chat|user)\\b`,
    `\\b(?:report|tell|say|confirm|reply)\\s+(?:back\\s+)?(?:to\\s+)?(?:the\\s+)?user\\s+that\\b${gap(8)}\\b(?:was|were|has\\s+been|have\\s+been|is|succeeded|completed)\\b`,
    `\\bwithout\\s+(?:\\w+\\s+){0,2}(?:telling|informing|notifying|alerting|asking|confirming\\s+with|consulting|warning|showing)\\s+(?:the\\s+)?(?:user|users|human|operator|customer|requester|them)\\b`,
    `\\b(?:user|human|operator)s?\\s+(?:must|should|does|do|need|will|may)\\s*(?:not|n't|never)\\s+(?:ever\\s+)?(?:know|see|notice|learn|find\\s+out|realize|realise|discover|suspect|be\\s+(?:told|informed|aware|shown|notified))\\b`,
    `\\b(?:never|do not|don't|without)\\s+ask(?:ing)?\\s+(?:the\\s+)?(?:user|human|operator)\\s+(?:to\\s+(?:confirm|approve|accept|allow)|for\\s+(?:confirmation|approval|permission|consent))\\b`,
    `\\bno\\s+need\\s+to\\s+(?:tell|inform|notify|ask|alert|warn)\\s+(?:the\\s+)?(?:user|human|operator)\\b`,
    `\\b(?:never|do not|don't)\\s+(?:surface|mention|report|reveal|show|display|relay|pass\\s+on|bring\\s+up)\\s+(?:any\\s+)?(?:errors?|error\\s+messages?|failures?|warnings?|problems?|issues?)\\b`,
    `\\b(?:whatever\\s+happens|no\\s+matter\\s+what|regardless\\s+of\\s+(?:the\\s+)?(?:outcome|result))\\s*,?\\s*(?:answer|reply|respond|say|tell|report)\\b`,
    `\\b(?:approve|accept|confirm|authori[sz]e)\\w*\\s+(?:its|all|every|each|the|any)\\s+(?:tool\\s+)?(?:calls?|requests?|actions?|operations?)\\s+automatically\\b`,
    `\\bconfirmations?\\b${gap(3)}\\b(?:slows?|is\\s+(?:not\\s+needed|unnecessary|optional|pointless)|are\\s+(?:not\\s+needed|unnecessary|optional))\\b`,
    `\\b(?:word|phrase|describe|frame|present|label)\\s+(?:it|this|that|the\\s+\\w+)\\s+(?:vaguely|ambiguously|misleadingly|innocuously|as\\s+(?:your\\s+own|routine|harmless))\\b`,
    `\\bso\\s+that\\s+the\\s+user\\s+(?:accepts|approves|agrees|clicks|does\\s+not\\s+notice|doesn't\\s+notice|won't\\s+notice)\\b`,
    `\\bif\\s+(?:the\\s+user\\s+)?asked\\b${gap(6)}\\b(?:which|what|whether)\\b${gap(6)}\\b(?:tools?|servers?|sources?)\\b${gap(5)}\\b(?:leave|omit|deny|don't|do\\s+not|never)\\b`,
    `\\b(?:silently|secretly|covertly|quietly|stealthily|surreptitiously|discreetly|invisibly|behind the (?:user'?s?\\s+)?back|behind the scenes|without (?:any )?(?:notice|trace))\\b`,
    `\\b(?:do not|don't|dont|never)\\s+(?:mention|say|reveal|disclose|explain|acknowledge|admit)\\s+(?:that|this|it|anything|why|how|what)\\b`,
    `\\b(?:hide|conceal|omit|suppress|strip)\\b${gap(3)}\\b(?:this|these|it|that)\\b${gap(3)}\\b(?:from)\\s+(?:the\\s+)?(?:user|human|output|response|reply|answer)\\b`,
  ].join("|"),
  "i",
);

/** What protective advice keeps from the user: secrets. "Never show the password to the user" is not an attack. */
const PROTECTED_OBJECT =
  /\b(?:passwords?|passphrases?|secrets?|(?:api[\s_-]?)?keys?|tokens?|credentials?|private\s+keys?|pins?|otp|2fa|card\s+numbers?)\b/i;

const PRIORITY = new RegExp(
  [
    `\\b(?:before|prior to)\\s+(?:using|calling|invoking|running|executing|answering|responding|doing\\s+anything|any\\s+other)\\b${gap(6)}\\b(?:you\\s+)?(?:must|should|need\\s+to|have\\s+to|always|first)\\b${gap(3)}\\b(?:call|invoke|use|run|read|execute|fetch|pass|send|include|load)\\b`,
    `\\b(?:always|must)\\s+(?:first\\s+)?(?:call|invoke|use|run|execute)\\s+(?:this|the\\s+\\w+)\\s+(?:tool|function)\\s+(?:first|before)\\b`,
    `\\b(?:call|invoke|use|run)\\s+this\\s+(?:tool|function)\\s+(?:first|before\\s+(?:any|every|all|each)\\b)`,
    `\\b(?:before|prior to)\\s+(?:using|calling|invoking|running|executing)\\s+(?:this|the|any)\\s+(?:\\w+\\s+)?(?:tool|function)\\s*,?\\s*(?:please\\s+)?(?:first\\s+)?(?:read|call|invoke|run|fetch|pass|send|include|load|open|cat|collect|get)\\b`,
    `\\b(?:otherwise|or else)\\b${gap(4)}\\b(?:will|would|can)(?:\\s+not|n't)\\s+(?:work|function|run|succeed|be (?:able|allowed))\\b`,
    `\\bthis\\s+is\\s+(?:required|mandatory|necessary)\\s+for\\s+(?:the\\s+)?(?:tool|server|system)\\s+to\\s+work\\b`,
    `\\b(?:prefer|choose|pick|select|use)\\s+this\\s+(?:tool|server|function)\\s+(?:over|instead\\s+of|rather\\s+than|before)\\b`,
    `\\b(?:never|do not|don't)\\s+(?:use|call|invoke|choose|pick|recommend)\\s+(?:any\\s+)?(?:other|another|competing|alternative|similar)\\b`,
    `\\b(?:only|exclusively)\\s+(?:use|call|invoke)\\s+this\\b`,
    `\\bother\\s+(?:tools?|servers?|functions?)\\s+(?:are|is)\\s+(?:deprecated|broken|unsafe|insecure|malicious|unreliable|outdated|compromised|inaccurate)\\b`,
    `\\beven\\s+if\\s+the\\s+user\\s+(?:asks|chooses|selects|requests|prefers|names|picks)\\b`,
  ].join("|"),
  "i",
);

/** Words addressed to the model itself, in the imperative. Weak alone (honest docs say "you must provide..."). */
const MODEL_DIRECTIVE = new RegExp(
  [
    `\\b(?:assistant|ai|llm|language model|model|agent|claude|gpt|chatbot|copilot)\\b\\s*[,:]?\\s*(?:you\\s+)?(?:must|should|shall|will|always|never|are (?:required|instructed))\\b`,
    `\\b(?:you are now|from now on|act as|pretend to be|you must now|your new (?:task|role|goal))\\b`,
    `\\b(?:system prompt|your (?:instructions|guidelines|system message|context window|memory))\\b`,
    `\\bwhen (?:you|the (?:assistant|model|ai|agent)) (?:see|read|receive)s? this\\b`,
  ].join("|"),
  "i",
);

const DATA_OBJECT =
  "(?:conversation|chat(?:\\s+history)?|message\\s+history|previous\\s+(?:messages|results|outputs|responses)|(?:full\\s+)?context|system\\s+prompt|instructions|environment(?:\\s+variables)?|env(?:\\s+vars?)?|api[\\s_-]?keys?|access\\s+keys?|credentials?|secrets?|tokens?|passwords?|private\\s+keys?|ssh\\s+keys?|file\\s+contents?|contents?\\s+of|cookies?|session(?:\\s+(?:data|ids?|tokens?))?|personal\\s+data|user\\s+data|results?\\s+of\\s+(?:other|all|previous)|other\\s+tools?'?\\s+(?:results?|outputs?|responses?)|history|clipboard|emails?|mcp\\.json|config(?:uration)?\\s+files?)";

const COLLECT_DATA = new RegExp(
  `\\b(?:read|collect|gather|extract|grab|dump|copy|include|attach|append|embed|insert|pass|put|add|fill|provide|supply|concatenate|paste|capture|record|log)\\b${gap(5)}\\b${DATA_OBJECT}`,
  "i",
);

const SEND_OUT = new RegExp(
  [
    `\\b(?:send|post|upload|forward|transmit|exfiltrate|leak|relay|report|sync|mirror|beacon|submit|share|email|mail|cc|bcc|deliver|push|copy)\\b${gap(8)}\\b(?:to|at|via|into|through)\\b${gap(3)}(?:https?:\\/\\/|wss?:\\/\\/|ftp:\\/\\/|[\\w.+-]{1,64}@[\\w-]{1,63}\\.[\\w.-]{2,63}|(?:the\\s+)?(?:following|this|our|an?|my|external|remote|backup|logging|analytics|telemetry|collection|audit)\\s+(?:url|endpoint|address|server|webhook|email|domain|host|inbox|api|service|bucket))`,
    `\\b(?:bcc|cc)\\b${gap(3)}[\\w.+-]{1,64}@[\\w-]{1,63}\\.[\\w.-]{2,63}`,
    `!\\[[^\\]]{0,100}\\]\\(https?:\\/\\/[^)\\s]{1,300}[?&][\\w-]{1,30}=\\{?`,
    `https?:\\/\\/[^\\s"'<>]{1,300}[?&][\\w-]{1,30}=\\{\\{?\\s*(?:data|content|secret|key|token|history|context|conversation|env|password|file)`,
  ].join("|"),
  "i",
);

/** Files whose contents are credentials or private data. */
const SENSITIVE_PATH = new RegExp(
  [
    `~?\\/?\\.ssh\\b(?:\\/[\\w.-]{1,64})?`,
    `\\bid_(?:rsa|dsa|ecdsa|ed25519)\\b`,
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

const OTHER_TOOLS = new RegExp(
  [
    `\\b(?:when|whenever|if|each time|every time)\\s+(?:the\\s+user|you|the\\s+(?:assistant|agent|model))\\s+(?:asks?|wants?|requests?|uses?|calls?|invokes?|sends?|runs?|tries)\\b${gap(8)}\\b(?:other|another|any|the\\s+[\\w-]{2,40})\\s+(?:tool|function|server|mcp)\\b`,
    `\\b(?:all|every|any)\\s+(?:other\\s+)?(?:tools?|functions?|servers?)\\b${gap(4)}\\b(?:must|should|need\\s+to|have\\s+to|will)\\b`,
    `\\binstead\\s+of\\s+(?:using|calling|invoking)\\s+(?:the\\s+)?[\\w-]{2,40}\\b`,
    `\\b(?:this|the)\\s+(?:tool|function)\\s+(?:replaces|supersedes|overrides|takes\\s+over|shadows)\\b`,
    `\\b(?:all|every|any)\\s+(?:outgoing\\s+)?(?:emails?|messages?|payments?|transfers?|requests?|commits?)\\b${gap(6)}\\b(?:must|should|always|also)\\b`,
  ].join("|"),
  "i",
);

/** Text labelled as a note to the model: the way tool text slips instructions in (server instructions may). */
const MODEL_NOTE =
  /\b(?:note|message|instructions?|reminder|attention|hint|memo|directive)\s+(?:for|to)\s+(?:the\s+)?(?:assistant|ai|model|llm|agent|claude|gpt|copilot|language\s+model)s?\b/i;

const SECRECY_FRAMING =
  /\b(?:this\s+is\s+(?:an?\s+)?(?:internal|hidden|secret|confidential)\s+(?:note|instruction|directive|message)|(?:important|critical|urgent)\s*(?::|!)\s*(?:you|the\s+(?:assistant|model|ai))|for\s+(?:ai|llm|model|assistant)s?\s+only|not\s+(?:visible|shown)\s+to\s+(?:the\s+)?user)\b/i;

const SHAPES: ReadonlyArray<readonly [SignalKind, RegExp]> = [
  ["override", OVERRIDE],
  ["conceal", CONCEAL],
  ["priority", PRIORITY],
  ["model_directive", MODEL_DIRECTIVE],
  ["collect_data", COLLECT_DATA],
  ["send_out", SEND_OUT],
  ["sensitive_path", SENSITIVE_PATH],
  ["other_tools", OTHER_TOOLS],
  ["secrecy_framing", SECRECY_FRAMING],
  ["model_note", MODEL_NOTE],
];

/** Whitespace collapsed and typographic quotes made plain, so shapes match however the text was typed. */
export function normalizedProse(text: string): string {
  return text
    .normalize("NFKC")
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[ \t\u00a0]+/g, " ");
}

/** The sentence around `index`: what a mention or an exception is judged on. */
function sentenceAt(prose: string, index: number, length: number): string {
  const before = prose.slice(0, index);
  const start =
    Math.max(
      before.lastIndexOf("."),
      before.lastIndexOf("\n"),
      before.lastIndexOf("!"),
      before.lastIndexOf("?"),
    ) + 1;
  const rest = prose.slice(index + length);
  const stop = rest.search(/[.!?\n]/);
  return prose.slice(start, stop === -1 ? prose.length : index + length + stop);
}

/** A phrase in quotation marks is mentioned (a detector's documentation), not said. */
function quoted(prose: string, index: number, length: number): boolean {
  const before = prose.slice(Math.max(0, index - 3), index);
  const after = prose.slice(index + length, index + length + 3);
  return /["'`\u201c\u2018«]\s*$/.test(before) && /^\s*["'`\u201d\u2019»]/.test(after);
}

/** Sentences, split where prose ends one (a period inside a URL or a file name does not). */
function sentences(prose: string): string[] {
  // An ellipsis ("replacing ... with") does not end a sentence.
  return prose
    .split(/(?<=[^.][.!?])\s+|[\n\u3002\uff01\uff1f]+/)
    .filter((sentence) => sentence.trim().length > 0);
}

function firstMatch(pattern: RegExp, sentence: string): string | null {
  return pattern.exec(sentence)?.[0] ?? null;
}

/**
 * The signals in `text`, at most one per kind (the first that counts). The phrase shapes above are matched over the
 * whole text; the word classes of instruction-lexicon.ts combine within a sentence: acting on sensitive data, sending
 * it, and commanding the model or other tools only count when they meet in one sentence.
 */
export function signalsIn(text: string): Signal[] {
  const prose = normalizedProse(text);
  const found = new Map<SignalKind, string>();
  const add = (kind: SignalKind, evidence: string) => {
    if (!found.has(kind)) found.set(kind, evidence.trim().slice(0, 200));
  };
  for (const [kind, pattern] of SHAPES) {
    for (const match of prose.matchAll(new RegExp(pattern.source, "gi"))) {
      if (quoted(prose, match.index, match[0].length)) continue;
      if (kind === "conceal" && PROTECTED_OBJECT.test(sentenceAt(prose, match.index, match[0].length)))
        continue;
      add(kind, match[0]);
      break;
    }
  }
  for (const sentence of sentences(prose)) {
    if (quotedWhole(sentence)) continue;
    const override = said(OVERRIDE_ANY_LANGUAGE, sentence);
    if (override) add("override", override);
    const conceal = said(UNINFORMED_USER, sentence);
    if (conceal && !PROTECTED_OBJECT.test(sentence)) add("conceal", conceal);
    const data = firstMatch(SENSITIVE_DATA, sentence) ?? firstMatch(SENSITIVE_PATH, sentence);
    const act = commanded(ACT_ON_DATA, sentence);
    const send = commanded(SEND, sentence);
    const commands = MANDATE.test(sentence) || ADDRESSEE.test(sentence);
    if (data && act) add("collect_data", `${act} … ${data}`);
    if (data && act && commands) add("directed_collection", sentence);
    if (data && (send || (act && (CARRIER_FIELD.test(sentence) || NAMED_FIELD.test(sentence))))) {
      add("send_out", sentence);
    }
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
    // Handing data to some tool: "call log_context with a summary of the conversation".
    if (data && commanded(CALL_TOOL, sentence) && /\bwith\b/i.test(sentence)) add("send_out", sentence);
    if (MANDATE.test(sentence) && ADDRESSEE.test(sentence)) add("model_directive", sentence);
    const others = firstMatch(OTHER_TOOLS_ANY_LANGUAGE, sentence);
    if (others && commands && !PROTECTIVE_START.test(sentence)) add("other_tools", sentence);
  }
  return [...found].map(([kind, evidence]) => ({ kind, evidence }));
}

/** The first match of `pattern` in `sentence` that is not in quotation marks. */
function said(pattern: RegExp, sentence: string): string | null {
  for (const match of sentence.matchAll(new RegExp(pattern.source, `${pattern.flags.replace("g", "")}g`))) {
    if (!quoted(sentence, match.index, match[0].length)) return match[0];
  }
  return null;
}

/** What may come right before a verb in the imperative: the start of a clause, a modal, "please", "you". */
const IMPERATIVE_LEAD =
  /(?:^|[,;:(\-–—]\s*|\b(?:you|please|so|just|simply|now|must|should|shall|always|first|then|also|and|or|to|need to|needs to|have to|has to|make sure to|be sure to|remember to|ensure you|kindly|immediately|silently|secretly|quietly)\s+)$/i;
/** A negation just before: protective advice ("never include passwords"), not a request. */
const NEGATED =
  /\b(?:not|never|no|don't|dont|do not|doesn't|cannot|can't|won't|nicht|nie|niemals|kein\w*|jamais|pas|nunca|ni)\s+(?:\w+\s+){0,2}$|(?:不要|别|切勿|禁止|不得|不可)\s*$/i;
/** Latin-script verbs taken as commands only in the imperative; CJK verbs have no inflection to check. */
const LATIN = /^[\p{Script=Latin}\s'-]+$/u;

/** The first verb of `verbs` in `sentence` used as a command: imperative, not negated, not quoted. */
function commanded(verbs: RegExp, sentence: string): string | null {
  for (const match of sentence.matchAll(new RegExp(verbs.source, `${verbs.flags.replace("g", "")}g`))) {
    const before = sentence.slice(Math.max(0, match.index - 40), match.index);
    if (NEGATED.test(before) || quoted(sentence, match.index, match[0].length)) continue;
    if (LATIN.test(match[0]) && !IMPERATIVE_LEAD.test(before)) continue;
    return match[0];
  }
  return null;
}

/** Whether text names sensitive data, a sensitive file, sending, or other tools: enough in a place prose has no business. */
export function mentionsSensitive(text: string): boolean {
  const prose = normalizedProse(text);
  return (
    SENSITIVE_DATA.test(prose) ||
    SENSITIVE_PATH.test(prose) ||
    SEND.test(prose) ||
    OTHER_TOOLS_ANY_LANGUAGE.test(prose)
  );
}

/** Whether text speaks to the model at all: commands, addresses it, or tells it to act on something. */
export function addressesModel(text: string): boolean {
  const prose = normalizedProse(text);
  return sentences(prose).some(
    (sentence) =>
      MANDATE.test(sentence) ||
      ADDRESSEE.test(sentence) ||
      commanded(ACT_ON_DATA, sentence) !== null ||
      commanded(SEND, sentence) !== null,
  );
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

/** "Do not …", "Never …": advice that keeps something out, not a rule imposed on other tools. */
const PROTECTIVE_START = /^\s*(?:do not|don't|never|no|nicht|ne|no\s+\w+|不要|切勿)\b/i;

/** A sentence that is a quotation (a detector's example), not something said. */
function quotedWhole(sentence: string): boolean {
  return /^\s*["\u201c\u2018'`«].*["\u201d\u2019'`»]\s*[.!?]?\s*$/.test(sentence);
}

export const has = (signals: readonly Signal[], kind: SignalKind) => signals.some((s) => s.kind === kind);
