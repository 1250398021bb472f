// Every rule a scan can report, described once: title, why it matters, how it is detected, its OWASP categories
// and CWE, and how to fix it. Analyzers name a rule and say what they saw; reports, SARIF and docs read the rest here.
import { SECRET_RULES } from "../detectors/secret-rules.ts";
import { CODE_RULES } from "./code/code-rules.ts";
import { CONTAINER_RULES } from "./container/container-rules.ts";
import { DEPENDENCY_RULES } from "./deps/dependency-rules.ts";
import type { DetectionMethod, OwaspId, Remediation, Severity } from "./finding.ts";
import { PACKAGE_RULES } from "./package-rules.ts";

export interface RuleInfo {
  id: string;
  title: string;
  /** Why it matters: the general risk; a finding adds what was seen where. */
  summary: string;
  severity: Severity;
  detection: DetectionMethod;
  owasp: readonly OwaspId[];
  cwe: readonly string[];
  remediation: Remediation;
}

const TOOL_RULES: readonly RuleInfo[] = [
  {
    id: "tool-explicit-instruction",
    title: "Instructions to the model in a definition",
    summary:
      "The text tells the model to do something outside the tool's job: ignore its instructions, keep the user uninformed, call or read something first. Models follow such text as if the user had written it (tool poisoning).",
    severity: "critical",
    detection: "heuristic",
    owasp: ["LLM01", "MCP03", "MCP06"],
    cwe: ["CWE-1427"],
    remediation: {
      steps: [
        "Remove the instruction from the definition; describe only what the tool does and what it accepts.",
        "If the server is third-party, do not connect it until the publisher explains the text; pin the reviewed definition.",
      ],
      bestPractice:
        "Tool descriptions are documentation for the model, not commands to it. Keep them factual and let the client's policies decide what runs.",
      example: 'description: "Returns the open issues of a repository, newest first."',
    },
  },
  {
    id: "tool-hidden-instruction",
    title: "Instructions hidden from the reviewer",
    summary:
      "Text a person reviewing the definition does not see (a comment, a markup block, invisible characters, text pushed below many blank lines, an encoded blob) tells the model what to do. Hiding it is the mark of an attack.",
    severity: "critical",
    detection: "heuristic",
    owasp: ["LLM01", "MCP03"],
    cwe: ["CWE-1427", "CWE-451"],
    remediation: {
      steps: [
        "Treat the server as compromised: disconnect it and rotate any credential the model could reach while it was connected.",
        "Report the definition to the publisher; use a version whose definitions scan clean, and pin it.",
      ],
      bestPractice: "Review definitions as the model sees them (raw JSON), not as a client renders them.",
    },
  },
  {
    id: "tool-exfiltration",
    title: "Request to send data out",
    summary:
      "The definition asks the model to gather data (conversation, files, keys, other tools' results) and send it to an address, a URL or through a parameter. That is data exfiltration through the model.",
    severity: "critical",
    detection: "heuristic",
    owasp: ["LLM02", "MCP03", "MCP10"],
    cwe: ["CWE-200", "CWE-1427"],
    remediation: {
      steps: [
        "Disconnect the server and review the logs of its sessions (/api/v1/logs?server=...) for data it received.",
        "Rotate credentials that were in the model's context or on the machine while the server was connected.",
      ],
      bestPractice:
        "A tool receives only the arguments its job needs; nothing in a definition should ask for more.",
    },
  },
  {
    id: "tool-sensitive-file-reference",
    title: "Credentials or private files asked for",
    summary:
      "The definition points the model at credentials or files that hold them (SSH keys, cloud credentials, .env files, MCP client configs, browser password stores), or asks for them as arguments. Combined with a request to read or pass them, it is a way to steal them.",
    severity: "high",
    detection: "heuristic",
    owasp: ["LLM02", "MCP01", "MCP03"],
    cwe: ["CWE-522", "CWE-200"],
    remediation: {
      steps: [
        "Remove the reference unless the tool's own job is to manage those files, and then say so plainly.",
        "Restrict the server's file access to the directories it needs (roots, container mounts).",
      ],
      bestPractice: "Credentials reach a server through its configuration, never through the model.",
    },
  },
  {
    id: "tool-invisible-characters",
    title: "Invisible or reordering characters",
    summary:
      "The text holds characters a person cannot see (zero-width, Unicode tag characters, runs of variation selectors) or that reorder what is displayed (bidirectional controls). The model reads what the reviewer does not.",
    severity: "high",
    detection: "unicode_check",
    owasp: ["LLM01", "MCP03"],
    cwe: ["CWE-451", "CWE-116"],
    remediation: {
      steps: [
        "Remove the characters; if the server is third-party, ask the publisher why they are there.",
        "Decode them (tag characters map to ASCII) to see what they said, and check the session logs for their effect.",
      ],
      bestPractice: "Definitions should be plain text; reject invisible code points at review time.",
    },
  },
  {
    id: "tool-homoglyph-name",
    title: "Look-alike name",
    summary:
      "A name mixes scripts (Latin with Cyrillic or Greek look-alikes) or uses non-ASCII letters, so it reads like a familiar tool or server but is not. Models and people pick it for the one it imitates.",
    severity: "high",
    detection: "unicode_check",
    owasp: ["MCP03", "MCP09"],
    cwe: ["CWE-1007"],
    remediation: {
      steps: [
        "Rename to ASCII letters, digits, '_' and '-' (what the MCP spec recommends for tool names).",
        "Find which tool it imitates and which server really provides it; connect that one.",
      ],
      bestPractice: "Allow only [A-Za-z0-9_.-] in tool and server names.",
    },
  },
  {
    id: "tool-hidden-content",
    title: "Hidden content in a definition",
    summary:
      "The definition holds text the reviewer does not see (a comment, a collapsed block, text pushed out of sight). It gives no instruction we recognise, but hidden text has no business in a definition.",
    severity: "medium",
    detection: "heuristic",
    owasp: ["LLM01", "MCP03"],
    cwe: ["CWE-451"],
    remediation: {
      steps: ["Remove the hidden text or make it visible documentation."],
      bestPractice: "What the model reads and what the reviewer reads should be the same text.",
    },
  },
  {
    id: "tool-shadowing",
    title: "Instructions about other tools",
    summary:
      "The definition tries to change how the model uses other tools or servers (redirect a recipient, add a copy, use this tool instead). One malicious server can thus subvert trusted ones connected beside it.",
    severity: "high",
    detection: "heuristic",
    owasp: ["LLM01", "MCP06", "MCP03"],
    cwe: ["CWE-1427", "CWE-441"],
    remediation: {
      steps: [
        "Remove the text; a tool describes itself only.",
        "Until fixed, do not connect the server in the same session as the servers it mentions.",
      ],
      bestPractice:
        "Isolate untrusted servers in their own client sessions; pin definitions and review changes.",
    },
  },
  {
    id: "tool-name-collision",
    title: "Tool name taken from another server",
    summary:
      "Another connected server already provides a tool of this name. Clients that do not namespace tools may call the wrong one.",
    severity: "medium",
    detection: "comparison",
    owasp: ["MCP09", "MCP03"],
    cwe: ["CWE-694"],
    remediation: {
      steps: ["Rename one of the tools, or prefix tool names with the server's name."],
      bestPractice: "Namespace tools per server in the client or the gateway.",
    },
  },
  {
    id: "tool-definition-changed",
    title: "Definition changed since the last scan",
    summary:
      "What the server shows the model changed since its previous scan. Changes are how a trusted server turns hostile after review (a rug pull); the new text was scanned like the rest, but a person should read it.",
    severity: "medium",
    detection: "comparison",
    owasp: ["MCP03", "MCP04"],
    cwe: ["CWE-494"],
    remediation: {
      steps: [
        "Read the changed definition (the finding's location) and compare it with what you approved.",
        "If the change is expected, mark the finding reviewed; if not, remove the server and ask its publisher.",
      ],
      bestPractice:
        "Pin tool definitions at the gateway (hide changed tools until approved) for servers you do not control.",
    },
  },
  {
    id: "tool-dangerous-capability",
    title: "Powerful capability without honest annotations",
    summary:
      "The tool runs commands or code, changes files, or reaches the network, but its annotations say otherwise or say nothing, or its description hides the power. Clients use annotations to decide what to confirm with the user.",
    severity: "medium",
    detection: "heuristic",
    owasp: ["LLM06", "MCP05", "MCP02"],
    cwe: ["CWE-78", "CWE-94", "CWE-250"],
    remediation: {
      steps: [
        "Set annotations that tell the truth: readOnlyHint false, destructiveHint true for tools that change or delete, openWorldHint true for tools that reach the network.",
        "Say in the description what the tool can do, and require confirmation for it in the client or with a Helmet policy.",
      ],
      bestPractice:
        "Narrow tools (read_file in a root, run one allow-listed command) instead of general power.",
      example: 'annotations: { "readOnlyHint": false, "destructiveHint": true, "openWorldHint": false }',
    },
  },
  {
    id: "tool-weak-input-schema",
    title: "Unbounded input where bounds matter",
    summary:
      "A parameter that names a path, command, URL or query accepts any string: no pattern, enum, format or length bound. The server then has to validate everything itself, and injection reaches it unchecked.",
    severity: "low",
    detection: "schema_check",
    owasp: ["MCP05", "LLM05"],
    cwe: ["CWE-20"],
    remediation: {
      steps: [
        "Bound the parameter in the input schema: an enum of allowed values, a pattern, a format (uri), a maxLength.",
        "Validate it again in the handler (a path inside the allowed root, a URL on an allow-list).",
      ],
      bestPractice: "Describe inputs as narrowly as the tool allows; the schema is the first filter.",
      example: '"path": { "type": "string", "pattern": "^[\\\\w./-]{1,256}$", "maxLength": 256 }',
    },
  },
  {
    id: "tool-oversized-description",
    title: "Oversized description",
    summary:
      "The description is far longer than a description needs to be. Long text costs context on every request and is a place to bury instructions.",
    severity: "low",
    detection: "heuristic",
    owasp: ["LLM10", "MCP10"],
    cwe: ["CWE-400"],
    remediation: {
      steps: [
        "Shorten the description to what the tool does, its inputs and its limits; move the rest to docs.",
      ],
      bestPractice: "A few sentences per tool; a few hundred characters is plenty for most.",
    },
  },
];

/** Credentials that give an account or a machine away whole: private keys and cloud root credentials. */
const CRITICAL_SECRETS = new Set([
  "private_key",
  "private_key_base64",
  "pgp_private_key",
  "putty_private_key",
  "age_secret_key",
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "gcp_service_account_key_id",
  "azure_storage_key",
  "azure_ad_client_secret",
  "cloudflare_global_api_key",
  "hashicorp_vault_token",
  "stripe_key",
]);

const SECRET_REMEDIATION: Remediation = {
  steps: [
    "Revoke the credential at its provider now: it is exposed to everyone who can read this file or its history.",
    "Remove it from the file and from version control history (git filter-repo, or rotate and accept the history).",
    "Load credentials at run time from the environment or a secrets manager.",
  ],
  bestPractice: "Keep credentials out of source: .env files in .gitignore, CI secrets, a vault.",
  example:
    "GITHUB_TOKEN is read from the environment at run time (a CI secret, a .env file kept out of git).",
};

/** Catalogue entries for the provider rules of the shared detectors, plus the scanner's own secret rules. */
function secretRules(): RuleInfo[] {
  const providers = SECRET_RULES.map(
    (rule): RuleInfo => ({
      id: `secret-${rule.id.replaceAll("_", "-")}`,
      title: `Secret: ${rule.description}`,
      summary: `Found: ${rule.description}. Anyone who reads the file, a package built from it or its history can use it.`,
      severity: CRITICAL_SECRETS.has(rule.id) ? "critical" : "high",
      detection: rule.minEntropy === undefined ? "rule" : "entropy",
      owasp: ["MCP01", "LLM02"],
      cwe: rule.id === "private_key" ? ["CWE-321", "CWE-798"] : ["CWE-798"],
      remediation: SECRET_REMEDIATION,
    }),
  );
  return [
    ...providers,
    {
      id: "secret-generic-high-entropy",
      title: "Secret: high-entropy value assigned to a secret-like name",
      summary:
        "A random-looking value is assigned to a name such as password, secret, token or api_key. It is probably a credential in a format no provider rule knows.",
      severity: "medium",
      detection: "entropy",
      owasp: ["MCP01", "LLM02"],
      cwe: ["CWE-798"],
      remediation: SECRET_REMEDIATION,
    },
    {
      id: "secret-database-url",
      title: "Secret: database URL with a password",
      summary:
        "A connection string for a database or broker carries its password. Whoever reads it can connect with that account.",
      severity: "high",
      detection: "rule",
      owasp: ["MCP01", "LLM02"],
      cwe: ["CWE-798"],
      remediation: SECRET_REMEDIATION,
    },
    {
      id: "secret-internal-url",
      title: "Internal URL or endpoint",
      summary:
        "An address on a private network or an internal host name is written in the file. It maps your network for an attacker and often ships to places it should not.",
      severity: "low",
      detection: "rule",
      owasp: ["LLM02", "MCP10"],
      cwe: ["CWE-200"],
      remediation: {
        steps: [
          "Move the address to configuration read at run time.",
          "Check that the service it names requires authentication.",
        ],
        bestPractice: "Source and packages carry no environment-specific addresses.",
      },
    },
  ];
}

export const RULES: ReadonlyMap<string, RuleInfo> = new Map(
  [
    ...TOOL_RULES,
    ...secretRules(),
    ...CODE_RULES,
    ...DEPENDENCY_RULES,
    ...CONTAINER_RULES,
    ...PACKAGE_RULES,
  ].map((rule) => [rule.id, rule]),
);

export function ruleInfo(id: string): RuleInfo {
  const rule = RULES.get(id);
  if (!rule) throw new Error(`unknown scan rule ${id}`);
  return rule;
}

/** The rule id a provider secret rule reports under. */
export function secretRuleId(detector: string): string {
  return `secret-${detector.replaceAll("_", "-")}`;
}
