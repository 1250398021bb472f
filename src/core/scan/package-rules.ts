// The package checks' rules (package-check.ts) in the scan's rule catalogue.
import type { RuleInfo } from "./rule-catalog.ts";

export const PACKAGE_RULES: readonly RuleInfo[] = [
  {
    id: "package-manifest-invalid",
    title: "Package manifest broken or inconsistent",
    summary:
      "A manifest that does not parse, or names entry points the package does not ship, means what gets installed and run is not what was reviewed.",
    severity: "medium",
    detection: "rule",
    owasp: ["MCP04", "LLM03"],
    cwe: ["CWE-1104"],
    remediation: {
      steps: ["Fix the manifest so it parses and every entry point it names is in the package."],
      bestPractice: "Publish from CI, from a clean checkout, after the manifest is validated.",
    },
  },
  {
    id: "package-manifest-mismatch",
    title: "MCP registry entry does not match the package",
    summary:
      "server.json publishes a package name or version other than the one this package's manifest declares: a registry entry pointing somewhere else is how a server gets swapped under its users.",
    severity: "high",
    detection: "comparison",
    owasp: ["MCP04", "MCP09"],
    cwe: ["CWE-345"],
    remediation: {
      steps: [
        "Make server.json's packages[].identifier and version match package.json or pyproject.toml, and publish both together.",
      ],
      bestPractice: "Generate server.json from the package manifest in the release job.",
    },
  },
  {
    id: "package-install-script",
    title: "Install step fetches or decodes code and runs it",
    summary:
      "Code runs on every machine that installs the package, before anyone uses it. Downloading or decoding something and running it there is what malicious packages do.",
    severity: "critical",
    detection: "heuristic",
    owasp: ["MCP04", "LLM03"],
    cwe: ["CWE-506", "CWE-494"],
    remediation: {
      steps: [
        "Do not install the package; if it is yours, remove the install hook and ship what it fetched inside the package.",
        "Install dependencies with scripts disabled (npm --ignore-scripts, pip --only-binary) until reviewed.",
      ],
      bestPractice: "Packages do not run code at install time; builds happen before publishing.",
    },
  },
  {
    id: "package-obfuscated-code",
    title: "Obfuscated code in the package",
    summary:
      "A long encoded blob fed to an evaluator, or names made by an obfuscator, hide what the code does from review: the mark of a payload.",
    severity: "high",
    detection: "heuristic",
    owasp: ["MCP04", "LLM03"],
    cwe: ["CWE-506"],
    remediation: {
      steps: ["Decode and review the file before installing; ask the publisher for the unobfuscated source."],
      bestPractice: "Source packages ship readable source.",
    },
  },
  {
    id: "package-unexpected-binary",
    title: "Executable in a source package",
    summary:
      "A compiled executable sits where a JavaScript or Python package keeps source. It cannot be reviewed and can run anything.",
    severity: "medium",
    detection: "rule",
    owasp: ["MCP04", "LLM03"],
    cwe: ["CWE-506"],
    remediation: {
      steps: ["Find out what the binary is and who built it; rebuild it from source in CI or remove it."],
      bestPractice: "Native code is built from source or shipped as signed platform packages (prebuilds/).",
    },
  },
];
