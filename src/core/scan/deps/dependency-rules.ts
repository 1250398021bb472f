// The dependency analyzer's rules in the scan's rule catalogue.
import type { RuleInfo } from "../rule-catalog.ts";

export const DEPENDENCY_RULES: readonly RuleInfo[] = [
  {
    id: "dep-known-vulnerability",
    title: "Dependency with a known vulnerability",
    summary:
      "A package the server installs is in a version a published advisory says is vulnerable. Attacks on known vulnerabilities are automated soon after publication.",
    severity: "high",
    detection: "rule",
    owasp: ["MCP04", "LLM03"],
    cwe: ["CWE-1395"],
    remediation: {
      steps: [
        "Upgrade to the fixed version and regenerate the lockfile.",
        "If no fix exists, check whether the vulnerable code is reachable and replace the package if it is.",
      ],
      bestPractice: "Scan dependencies in CI and on a schedule; advisories are published after release.",
    },
  },
  {
    id: "dep-outdated",
    title: "Dependency a major version or more behind",
    summary:
      "A direct dependency is pinned to an older major version than its latest release. Old majors stop receiving fixes, so its next advisory may have no fix for this line.",
    severity: "low",
    detection: "comparison",
    owasp: ["MCP04", "LLM03"],
    cwe: ["CWE-1104"],
    remediation: {
      steps: ["Plan the upgrade to the current major; read its migration notes and run the tests."],
      bestPractice:
        "Keep dependencies on supported majors with automated update pull requests (Renovate, Dependabot).",
    },
  },
  {
    id: "dep-unpinned",
    title: "Dependency version not pinned",
    summary:
      "A manifest allows a range of versions and no lockfile fixes one, so every install may take a newer release, including a compromised one published after review.",
    severity: "low",
    detection: "rule",
    owasp: ["MCP04", "LLM03"],
    cwe: ["CWE-1357"],
    remediation: {
      steps: [
        "Commit a lockfile (package-lock.json, pnpm-lock.yaml, yarn.lock, poetry.lock, uv.lock) or pin exact versions (name==1.2.3).",
      ],
      bestPractice: "Install from a lockfile with integrity hashes (npm ci, pip install --require-hashes).",
    },
  },
  {
    id: "dep-typosquat",
    title: "Dependency name close to a popular package",
    summary:
      "The name differs from a widely used package by one character or a separator. Typosquatted packages are published to be installed by mistake and usually carry malware.",
    severity: "medium",
    detection: "heuristic",
    owasp: ["MCP04", "LLM03"],
    cwe: ["CWE-1357"],
    remediation: {
      steps: [
        "Check the package on its registry page: publisher, age, downloads, repository.",
        "If you meant the popular package, fix the name and audit what the other one ran at install time.",
      ],
      bestPractice: "Add dependencies by copying names from the project's documentation, not by typing them.",
    },
  },
  {
    id: "dep-license",
    title: "Dependency licence not allowed",
    summary:
      "A package's declared licence is not on the allowed list; distributing the server with it may impose terms the organisation has not accepted.",
    severity: "low",
    detection: "rule",
    owasp: ["MCP04"],
    cwe: ["CWE-1357"],
    remediation: {
      steps: [
        "Review the licence, then replace the package or add the licence to the allowed list (scan config: licenses.allow).",
      ],
      bestPractice: "Keep an allowed-licence list and check it in CI.",
    },
  },
];
