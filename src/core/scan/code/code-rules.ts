// The code analyzer's rules in the scan's rule catalogue: one per sink family, each with its CWE, OWASP categories
// and how to fix it. A finding's description says which tool parameter reached which sink, through which lines.
import type { RuleInfo } from "../rule-catalog.ts";
import type { Family } from "./sinks.ts";

export const CODE_RULE_IDS: Record<Family, string> = {
  "command-injection": "code-command-injection",
  "code-injection": "code-code-injection",
  "path-traversal": "code-path-traversal",
  ssrf: "code-ssrf",
  "privilege-escalation": "code-privilege-escalation",
  "input-validation": "code-input-validation",
};

export const CODE_RULES: readonly RuleInfo[] = [
  {
    id: "code-command-injection",
    title: "Tool input reaches a shell command",
    summary:
      "A tool's argument becomes part of a command a shell runs. The model (or whoever steers it through a prompt injection) can run any command with the server's rights.",
    severity: "critical",
    detection: "dataflow",
    owasp: ["MCP05", "LLM05", "LLM06"],
    cwe: ["CWE-78"],
    remediation: {
      steps: [
        "Run the program directly with an argument array (execFile/spawn without a shell; subprocess.run([...]) without shell=True).",
        "Check the argument against an allow-list or a strict pattern before use; put `--` before positional arguments.",
      ],
      bestPractice: "Never build shell command lines from tool input.",
      example: 'execFile("git", ["log", "--oneline", "--", ref]) after /^[\\w.\\/-]{1,100}$/.test(ref)',
    },
  },
  {
    id: "code-code-injection",
    title: "Tool input is evaluated as code or deserialised unsafely",
    summary:
      "A tool's argument is evaluated (eval, new Function, vm, exec) or deserialised by a format that can construct objects (pickle, unsafe YAML). Whoever controls the argument runs code in the server.",
    severity: "critical",
    detection: "dataflow",
    owasp: ["MCP05", "LLM05"],
    cwe: ["CWE-94", "CWE-95", "CWE-502"],
    remediation: {
      steps: [
        "Parse data with a data-only parser (JSON.parse, json.loads, yaml.safe_load, ast.literal_eval).",
        "If expressions must be evaluated, use a sandboxed evaluator for that grammar, not the language's eval.",
      ],
      bestPractice: "Tool input is data; nothing a model sends should become code.",
    },
  },
  {
    id: "code-path-traversal",
    title: "Tool input chooses a file path without a containment check",
    summary:
      "A tool's argument names a file to read, write or delete, and nothing checks that the resolved path stays inside the directory the tool is for. `../` or an absolute path reaches any file the server can.",
    severity: "high",
    detection: "dataflow",
    owasp: ["MCP02", "LLM06"],
    cwe: ["CWE-22"],
    remediation: {
      steps: [
        "Resolve the path against the allowed root, then refuse it unless it is inside: path.relative(root, resolved) must not start with `..` and must not be absolute; in Python, Path(root, p).resolve().is_relative_to(root).",
        "Resolve symbolic links (realpath) before the check when the directory may hold links.",
      ],
      bestPractice: "Give file tools one root and check every path against it after resolving.",
      example:
        "const target = path.resolve(ROOT, input); if (path.relative(ROOT, target).startsWith('..')) throw new Error('outside')",
    },
  },
  {
    id: "code-ssrf",
    title: "Tool input chooses where the server sends a request",
    summary:
      "A tool's argument becomes the URL (or host) of a request the server makes. The model can make it call internal services, cloud metadata endpoints or any host, with the server's network position.",
    severity: "high",
    detection: "dataflow",
    owasp: ["MCP02", "LLM06"],
    cwe: ["CWE-918"],
    remediation: {
      steps: [
        "Parse the URL and check its scheme and host against an allow-list before sending.",
        "Where the tool needs only a value in a request, keep the base URL fixed and pass the value encoded as a parameter.",
      ],
      bestPractice: "Outbound requests from tools go to a fixed set of hosts.",
    },
  },
  {
    id: "code-privilege-escalation",
    title: "The server raises or needs privileges",
    summary:
      "The code becomes root, runs commands with sudo or a privileged container, insists on running as root, or makes files writable by every user. A tool that is tricked into misbehaving then does so with those rights.",
    severity: "high",
    detection: "rule",
    owasp: ["MCP02", "LLM06"],
    cwe: ["CWE-250", "CWE-269", "CWE-732"],
    remediation: {
      steps: [
        "Run the server as an unprivileged user; grant the one capability a tool needs instead of root.",
        "Create files with restrictive modes (0o600, 0o640).",
      ],
      bestPractice: "Least privilege: the server gets no more rights than its tools need.",
    },
  },
  {
    id: "code-input-validation",
    title: "A tool parameter has no bounds and reaches an operation",
    summary:
      "A string parameter is declared with no maximum length, pattern or set of values, and it reaches a command, a query, a file or a request. The schema is the first check a client and the server can enforce; without it anything the model sends is passed on.",
    severity: "medium",
    detection: "schema_check",
    owasp: ["MCP05", "LLM05"],
    cwe: ["CWE-20"],
    remediation: {
      steps: [
        "Bound the parameter in the tool's schema: a maximum length and a pattern, or an enum of the values it takes.",
      ],
      bestPractice: "Every string a tool takes has a maxLength and a pattern or enum.",
      example:
        'z.string().max(64).regex(/^[a-z0-9-]+$/)  /  Annotated[str, Field(max_length=64, pattern=r"^[a-z0-9-]+$")]',
    },
  },
];
