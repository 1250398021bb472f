// What text says to a model, found by meaning-bearing phrase shapes rather than fixed strings: attempts to override
// its instructions, to keep the user uninformed, to make it call or read something first, to send data somewhere
// (the sentence-level data checks are in data-signals.ts), to reach sensitive files, to change how it uses other
// tools. Each shape allows the words in between that real sentences put there, within a bounded distance
// (linear-time patterns).

import { dataSignals, SENSITIVE_PATH } from "./data-signals.ts";
import {
  ACT_ON_DATA,
  ADDRESSEE,
  MANDATE,
  OTHER_TOOLS as OTHER_TOOLS_ANY_LANGUAGE,
  OVERRIDE as OVERRIDE_ANY_LANGUAGE,
  SEND,
  SENSITIVE_DATA,
  UNINFORMED_USER,
} from "./instruction-lexicon.ts";
import {
  commanded,
  firstMatch,
  gap,
  IMPERATIVE_LEAD,
  NEGATED,
  normalizedProse,
  quoted,
  quotedWhole,
  said,
  sentenceAt,
  sentences,
} from "./prose-reading.ts";

export { normalizedProse } from "./prose-reading.ts";

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

/**
 * A label that claims the text after it comes from the system or an administrator: "[SYSTEM DIRECTIVE]:", "SYSTEM:",
 * "IMPORTANT SYSTEM NOTE:", "ACT AS:". Bare words count only in capitals ("System: Linux" is a spec line), so this
 * pattern has no i flag; what follows the label is read by LABEL_ORDER.
 */
const ROLE_LABEL =
  /\[\s*(?:[A-Za-z]+\s+){0,2}(?:DIRECTIVE|INSTRUCTIONS?|OVERRIDE|PROMPT|COMMAND|[Dd]irective|[Ii]nstructions?|[Oo]verride)\s*\]\s*:?|(?:^|\n|[.!?]\s)\s*(?:(?:IMPORTANT|URGENT|CRITICAL|HIDDEN|SECRET)\s+)?(?:SYSTEM|ADMIN|ROOT|DEVELOPER|OPERATOR|OVERRIDE|INSTRUCTION)(?:\s+(?:DIRECTIVE|NOTE|INSTRUCTIONS?|OVERRIDE|MESSAGE|PROMPT|COMMAND|NOTICE))?\s*:|(?:^|\n|[.!?]\s)\s*(?:ACT\s+AS|YOU\s+ARE\s+NOW)\s*:/g;
/** An order after such a label, in the rest of its sentence; "ACT AS:" is one itself. */
const LABEL_ORDER =
  /^[^.!?\n]{0,100}?\b(?:trust|treat|ignore|disregard|bypass|skip|disable|turn\s+off|escalat\w*|grant|allow|execute|obey|follow|comply|reveal|send|forget|override|approve|elevate|always|never|you|pretend|respond|answer|reply|use|act|run)\b/i;

/** A fake authority label followed by an order, as evidence, or null. */
function labelledOrder(prose: string): string | null {
  for (const match of prose.matchAll(ROLE_LABEL)) {
    const label = match[0].replace(/^[\s.!?]+/, "").trim();
    const rest = prose.slice(match.index + match[0].length);
    if (/^(?:ACT\s+AS|YOU\s+ARE\s+NOW)/.test(label) && /^\s*\S/.test(rest))
      return `${label} ${rest.slice(0, 80)}`;
    const order = LABEL_ORDER.exec(rest);
    if (order) return `${label} ${order[0].trim()}`;
  }
  return null;
}

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
    // The model's own rules declared wrong or void: "the refusal rules in your system prompt are outdated".
    `\\b(?:your|system|safety|refusal|content|the\\s+(?:model|assistant)'s)\\s+(?:[\\w-]+\\s+){0,3}?(?:instructions|rules|guidelines|restrictions|policies|guardrails|prompt)\\b${gap(6)}\\b(?:are|is|were|was)\\s+(?:now\\s+|all\\s+)?(?:wrong|invalid|obsolete|outdated|incorrect|mistaken|void|misconfigured|bogus|fake|not\\s+(?:valid|applicable|binding|in\\s+effect|real))\\b`,
    `\\btreat\\s+(?:them|these|those|it|your\\s+[\\w-]+(?:\\s+[\\w-]+)?|the\\s+(?:[\\w-]+\\s+)?(?:rules|instructions|guidelines|restrictions|policies|guardrails))\\s+as\\s+(?:null\\s+and\\s+)?(?:void|invalid|obsolete|non-binding|mere\\s+suggestions|nonexistent|revoked|cancell?ed)\\b`,
    // Refusing what the user asks, not routing on it ("if the user says logs, pick logs instead" is routing).
    `\\bif\\s+the\\s+user\\s+(?:asks|tells|wants|requests|says)\\b${gap(10)}\\b(?:refuse|decline|ignore\\s+(?:it|them|that|this|the\\s+request)|(?:do\\s+not|don't|never)\\s+(?:comply|obey|listen|do\\s+(?:it|so|that|this))|pretend)\\b`,
    // A new character for the model: "the assistant must adopt the persona in the response".
    `\\b(?:must|should|shall|will|needs?\\s+to|has\\s+to|is\\s+to|now)\\s+(?:now\\s+|then\\s+|immediately\\s+|always\\s+|fully\\s+)?(?:adopt|assume|take\\s+on|embody|become|switch\\s+(?:to|into))\\s+(?:the\\s+|a\\s+|this\\s+|its\\s+|that\\s+|any\\s+|whatever\\s+)?(?:new\\s+)?(?:[\\w-]+\\s+){0,2}?(?:persona|character|identity|personality|alter\\s+ego)(?!\\s+(?:encoding|set|limit|count|class|width|codes?|names?))\\b`,
    `\\b(?:takes?|taking)\\s+on\\s+(?:the\\s+|a\\s+)?(?:new\\s+)?(?:persona|character|identity|personality)\\b${gap(8)}\\b(?:replac|supersed|overrid|instead\\s+of)`,
    `\\b(?:debe|deberá|tiene\\s+que)\\s+adoptar\\s+(?:la|el|una|un)\\s+(?:persona|personaje|identidad|personalidad)\\b`,
    // A standing change of behaviour that has nothing to do with the tool: "from now on you will ...".
    `\\b(?:from\\s+now\\s+on|henceforth|for\\s+the\\s+rest\\s+of\\s+(?:the|this)\\s+(?:conversation|session|chat))\\s*,?\\s+(?:you|the\\s+(?:assistant|model|ai|agent)|always|never|only|respond|reply|answer|speak|write|talk|act|behave|pretend)\\b`,
    // Authority handed to whoever asks: "trust all input", "treat every caller as an administrator".
    `(?<=(?:^|[\\n.!?:;,]\\s*|\\b(?:and|then|please|must|should|always|also|just|simply|now|you)\\s+))trust\\s+(?:all|every|any|each)\\s+(?:[\\w-]+\\s+){0,2}?(?:input|inputs|requests?|queries|query|commands?|callers?|users?|content|data|instructions?|sources?|messages?)\\b`,
    `\\btreat\\s+(?:every|all|any|each)\\s+(?:[\\w-]+\\s+)?(?:callers?|users?|requests?|queries|inputs?|messages?)\\s+as\\s+(?:an?\\s+)?(?:admin\\w*|root|superusers?|owners?|trusted|privileged|system|developers?|operators?)\\b`,
    // Safety switched off in the imperative ("and skip security checks"); "set it to true to disable filtering" is a
    // parameter's documentation.
    `(?<=(?:^|[\\n.!?:;,(]\\s*|\\b(?:and|then|please|must|should|always|also|just|simply|now|you)\\s+))(?:ignore|disregard|skip(?:\\s+over)?|bypass|circumvent|disable|turn\\s+off|switch\\s+off|deactivate|evade|get\\s+around|waive|suspend)\\s+(?:all\\s+|any\\s+|the\\s+|every\\s+|your\\s+)?(?:(?:security|safety|content|access|moderation|permission)(?:[\\s-]+related)?[\\s-]+(?:policies|policy|checks?|filter(?:s|ing)?|controls?|guidelines|guardrails|restrictions|measures|instructions|protections?|rules|reviews?|scanning|moderation|validation)|guardrails|safeguards|content\\s+moderation)\\b`,
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
    `\\b(?:no\\s+need|(?:is|are)\\s+(?:not\\s+(?:necessary|needed|required)|unnecessary))\\s+(?:for\\s+you\\s+)?to\\s+(?:ask\\s+(?:the\\s+)?(?:user|human|operator)\\s*(?=[.,;!]|$|first|before|again|to\\s+(?:confirm|approve|allow|accept)|for\\s+(?:confirmation|approval|permission|consent))|(?:tell|inform|notify|alert|warn|mention|explain|disclose|show|report|confirm|consult|involve|bother)\\b${gap(4)}|(?:bring|raise)\\s+(?:[\\w-]+\\s+){0,3}?up\\s+(?:with|to)\\s+|(?:check|confirm|consult|clear\\s+it|clear\\s+this)\\s+with\\s+)(?:the\\s+)?(?:end\\s+)?(?:user|users|human|operator|person|customer|requester|them|anyone|anybody)\\b`,
    // Acting without the confirmation a client would ask for: "there is no need to ask first".
    `\\b(?:no\\s+need|(?:is|are)\\s+(?:not\\s+(?:necessary|needed|required)|unnecessary))\\s+(?:for\\s+you\\s+)?to\\s+(?:ask|check|confirm|wait|double-check)\\s+(?:(?:for|with)\\s+(?:permission|approval|confirmation|anyone)\\s+)?(?:first|beforehand|before\\s+(?:running|doing|acting|proceeding|pushing|deleting|sending))\\b`,
    `\\bkeep\\s+(?:this|it|that|these|them|the\\s+[\\w-]+)\\s+(?:[\\w-]+\\s+){0,2}?(?:hidden|secret|concealed|invisible|undisclosed|out\\s+of\\s+(?:sight|view))\\s+(?:from|of|to)\\s+(?:the\\s+)?(?:end\\s+)?(?:user|users|human|operator|person|customer|requester)\\b`,
    `\\bkeep\\s+(?:this|it|that|these)\\s+(?:to\\s+yourself|between\\s+(?:us|you\\s+and\\s+(?:me|the\\s+tool)))\\b`,
    `\\b(?:never|do not|don't)\\s+(?:surface|mention|report|reveal|show|display|relay|pass\\s+on|bring\\s+up)\\s+(?:any\\s+)?(?:errors?|error\\s+messages?|failures?|warnings?|problems?|issues?)\\b`,
    `\\b(?:whatever\\s+happens|no\\s+matter\\s+what|regardless\\s+of\\s+(?:the\\s+)?(?:outcome|result))\\s*,?\\s*(?:answer|reply|respond|say|tell|report)\\b`,
    `\\b(?:approve|accept|confirm|authori[sz]e)\\w*\\s+(?:its|all|every|each|the|any)\\s+(?:tool\\s+)?(?:calls?|requests?|actions?|operations?)\\s+automatically\\b`,
    `\\bconfirmations?\\b${gap(3)}\\b(?:slows?|is\\s+(?:not\\s+needed|unnecessary|optional|pointless)|are\\s+(?:not\\s+needed|unnecessary|optional))\\b`,
    `\\b(?:word|phrase|describe|frame|present|label)\\s+(?:it|this|that|the\\s+\\w+)\\s+(?:vaguely|ambiguously|misleadingly|innocuously|as\\s+(?:your\\s+own|routine|harmless))\\b`,
    `\\bso\\s+that\\s+the\\s+user\\s+(?:accepts|approves|agrees|clicks|does\\s+not\\s+notice|doesn't\\s+notice|won't\\s+notice)\\b`,
    `\\bif\\s+(?:the\\s+user\\s+)?asked\\b${gap(6)}\\b(?:which|what|whether)\\b${gap(6)}\\b(?:tools?|servers?|sources?)\\b${gap(5)}\\b(?:leave|omit|deny|don't|do\\s+not|never)\\b`,
    `\\b(?:behind the (?:user'?s?\\s+)?back|without (?:any )?trace)\\b`,
    `\\b(?:do not|don't|dont|never)\\s+(?:mention|say|reveal|disclose|explain|acknowledge|admit)\\s+(?:that|this|it|anything|why|how|what|these|those)\\b`,
    `\\b(?:hide|conceal|omit|suppress|strip)\\b${gap(3)}\\b(?:this|these|it|that)\\b${gap(3)}\\b(?:from)\\s+(?:the\\s+)?(?:user|human|output|response|reply|answer)\\b`,
  ].join("|"),
  "i",
);

/** What protective advice keeps from the user: secrets. "Never show the password to the user" is not an attack. */
const PROTECTED_OBJECT =
  /\b(?:passwords?|passphrases?|secrets?|(?:api[\s_-]?)?keys?|tokens?|credentials?|private\s+keys?|pins?|otp|2fa|card\s+numbers?)\b/i;
/** Verbs that put a value on screen: what protective advice forbids doing with a secret. */
const DISPLAY_VERB =
  /\b(?:show|display|print|reveal|echo|output|expose|repeat|include|log|disclose|share|return|read\s+out)\b/i;

/**
 * Whether a concealment match is protective advice: a display verb whose object, within a few words, is a secret
 * ("never reveal the API key to the user"). A secret elsewhere in the sentence does not make it so: "copies the
 * user's token; the user must not be told" hides an action, not a value.
 */
function protectsSecret(text: string, index: number, matched: string): boolean {
  if (!DISPLAY_VERB.test(matched) || /\babout\b/i.test(matched)) return false;
  // A pronoun ("never reveal it") points back to what the sentence named before.
  const start = /\b(?:it|them|this|these|that)\b/i.test(matched) ? Math.max(0, index - 80) : index;
  const before =
    text
      .slice(start, index)
      .split(/[.!?\n]/)
      .pop() ?? "";
  const after = text.slice(index, index + matched.length + 40).replace(/[.!?\n].*$/s, "");
  return PROTECTED_OBJECT.test(before + after);
}

/**
 * Stealth adverbs ("silently", "quietly") are concealment when they qualify an order to the model or an action that
 * moves data; "succeeds silently" or "silently ignores unknown keys" documents the tool's own behaviour.
 */
const STEALTH =
  /\b(?:silently|secretly|covertly|quietly|stealthily|surreptitiously|discreetly|invisibly|behind the scenes|without (?:any )?notice)\b/gi;
const STEALTH_ALWAYS = /^(?:secretly|covertly|stealthily|surreptitiously)$/i;
/** Verbs (any person) that move data or set something up out of view. */
const COVERT_ACTION =
  /\b(?:send|copy|copies|forward|upload|transmit|exfiltrat|share|sync|post|collect|harvest|register|subscribe|install|cc|bcc|embed|attach|append|extract|dump|gather|grab|leak|relay|mirror|report|grant|add\s+(?:\w+\s+)?(?:to|as)\s+(?:a\s+)?(?:recipient|collaborator|admin|owner|member))\w*\b/i;

function stealthConceal(prose: string): string | null {
  for (const match of prose.matchAll(STEALTH)) {
    if (quoted(prose, match.index, match[0].length)) continue;
    const sentence = sentenceAt(prose, match.index, match[0].length);
    const before = prose.slice(Math.max(0, match.index - 40), match.index);
    const after = prose.slice(match.index + match[0].length, match.index + match[0].length + 60);
    const nextWord = /^\s*(\p{L}+)/u.exec(after)?.[1] ?? "";
    // An order: at the start of a clause or after a modal, followed by a verb in its base form.
    const ordered = IMPERATIVE_LEAD.test(before) && nextWord !== "" && !/(?:s|ed|ing)$/i.test(nextWord);
    const covert = COVERT_ACTION.test(
      `${before.split(/[,;:]/).pop() ?? ""} ${after.split(/[,;:.!?]/)[0] ?? ""}`,
    );
    if (STEALTH_ALWAYS.test(match[0]) || ordered || covert || SENSITIVE_DATA.test(sentence)) return match[0];
  }
  return null;
}

const PRIORITY = new RegExp(
  [
    `\\b(?:before|prior to)\\s+(?:using|calling|invoking|running|executing|answering|responding|doing\\s+anything|any\\s+other)\\b${gap(6)}\\b(?:you\\s+)?(?:must|should|need\\s+to|have\\s+to|always|first)\\b${gap(3)}\\b(?:call|invoke|use|run|read|execute|fetch|pass|send|include|load)\\b`,
    // "Call this tool before the docs tool" orders two named tools, which honest servers do; before anything else is
    // jumping the queue.
    `\\b(?:always|must)\\s+(?:first\\s+)?(?:call|invoke|use|run|execute|consult)\\s+(?:this|the\\s+\\w+)\\s+(?:tool|function)\\s+(?:first|before(?!\\s+(?:(?:the|calling|using|invoking)\\s+)?['"\`]|\\s+(?:(?:the|calling|using|invoking)\\s+)?[\\w-]+\\s+(?:tool|function)\\b))\\b`,
    `\\b(?:call|invoke|use|run|execute|consult|query|check)\\s+this\\s+(?:tool|function|server)\\s+(?:first|before\\s+(?:any|every|all|each)\\b)`,
    `\\b(?:call|invoke|use|run|execute|consult|query|check|read)\\s+this\\s+(?:tool|function|server)\\b${gap(5)}\\b(?:(?:very\\s+)?first\\s+(?:step|thing|action)|before\\s+(?:any|every|all|each|asking|answering|responding|replying|doing|providing|anything|you\\s+(?:answer|respond|reply|do)))\\b`,
    // Without a modal: "before the transfer operation run this tool and put ... into the transfer".
    `\\bbefore\\s+(?:[\\w-]+\\s+){1,3}?(?:operations?|tools?|functions?|calls?|commands?|steps?|actions?|requests?|transfers?|payments?)\\s*,?\\s+(?:please\\s+)?(?:first\\s+)?(?:run|execute|call|invoke|use)\\s+this\\s+(?:tool|function)\\b`,
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

const OTHER_TOOLS = new RegExp(
  [
    `\\b(?:when|whenever|if|each time|every time)\\s+(?:the\\s+user|you|the\\s+(?:assistant|agent|model))\\s+(?:asks?|wants?|requests?|uses?|calls?|invokes?|sends?|runs?|tries)\\b${gap(8)}\\b(?:other|another|any|the\\s+[\\w-]{2,40})\\s+(?:tool|function|server|mcp)\\b`,
    `\\b(?:all|every|any)\\s+(?:other\\s+)?(?:tools?|functions?|servers?)\\b${gap(4)}\\b(?:must|should|need\\s+to|have\\s+to|will)\\b`,
    // A rule rewriting what the model writes: "every shell command has to begin with `...`".
    `\\b(?:all|every|any|each)\\s+(?:[\\w-]+\\s+)?(?:commands?|queries|query|scripts?|requests?|responses?|answers?|replies|code\\s+blocks?|urls?|links?)\\b${gap(4)}\\b(?:must|should|has\\s+to|have\\s+to|needs?\\s+to|always)\\s+(?:\\w+\\s+)?(?:include|begin|start|end|contain|carry|be\\s+(?:prefixed|preceded|followed|wrapped|suffixed))\\b${gap(4)}(?:\\b(?:prefix|suffix|header|footer|preamble)\\b|[\`'"])`,
    `\\b(?:prepend|append|prefix|add)\\s+(?:it|this|that|the\\s+\\w+)\\s+to\\s+(?:any|every|all|each)\\s+(?:[\\w-]+\\s+)?(?:commands?|queries|scripts?|requests?|responses?|answers?|replies|code)\\b`,
    `\\b(?:this|the)\\s+(?:tool|function)\\s+(?:replaces|supersedes|overrides|takes\\s+over|shadows)\\b`,
    `\\b(?:all|every|any)\\s+(?:outgoing\\s+)?(?:emails?|messages?|payments?|transfers?|requests?|commits?)\\b${gap(6)}\\b(?:must|should|always|also)\\b`,
  ].join("|"),
  "i",
);

/** Text labelled as a note to the model: the way tool text slips instructions in (server instructions may). */
const MODEL_NOTE =
  /\b(?:note|notice|message|instructions?|reminder|attention|hint|memo|directive)\s+(?:for|to)\s+(?:the\s+|any\s+|all\s+)?(?:assistant|ai|model|llm|agent|claude|gpt|copilot|language\s+model)s?(?:\s+(?:assistants?|agents?|models?))?(?=\s*(?:[:,;.!)\]—–-]|$|reading\b|only\b|processing\b|using\b))/i;

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
    for (const match of prose.matchAll(new RegExp(pattern.source, `${pattern.flags}g`))) {
      if (quoted(prose, match.index, match[0].length)) continue;
      if (kind === "conceal" && protectsSecret(prose, match.index, match[0])) continue;
      // "It does not transmit data to any external service" says what the tool does not do.
      if (kind === "send_out" && NEGATED.test(prose.slice(Math.max(0, match.index - 40), match.index)))
        continue;
      add(kind, match[0]);
      break;
    }
  }
  const stealth = stealthConceal(prose);
  if (stealth) add("conceal", stealth);
  const label = labelledOrder(prose);
  if (label) add("override", label);
  let previous = "";
  for (const sentence of sentences(prose)) {
    if (quotedWhole(sentence)) continue;
    const override = said(OVERRIDE_ANY_LANGUAGE, sentence);
    if (override) add("override", override);
    const conceal = said(UNINFORMED_USER, sentence);
    if (conceal && !protectsSecret(sentence, sentence.indexOf(conceal), conceal)) add("conceal", conceal);
    dataSignals(sentence, previous, add);
    if (MANDATE.test(sentence) && ADDRESSEE.test(sentence)) add("model_directive", sentence);
    const others = firstMatch(OTHER_TOOLS_ANY_LANGUAGE, sentence);
    const commands = MANDATE.test(sentence) || ADDRESSEE.test(sentence);
    if (others && commands && !PROTECTIVE_START.test(sentence)) add("other_tools", sentence);
    previous = sentence;
  }
  return [...found].map(([kind, evidence]) => ({ kind, evidence }));
}

/** Whether text (a parameter name spelled out, say) names a file that holds credentials or private keys. */
export function namesSensitivePath(text: string): boolean {
  return SENSITIVE_PATH.test(text);
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

/** "Do not …", "Never …": advice that keeps something out, not a rule imposed on other tools. */
const PROTECTIVE_START = /^\s*(?:do not|don't|never|no|nicht|ne|no\s+\w+|不要|切勿)\b/i;

export const has = (signals: readonly Signal[], kind: SignalKind) => signals.some((s) => s.kind === kind);
