// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the sources under test interpolate their own variables
// The code analyzer (src/core/scan/code): tool input traced to sinks in TypeScript and Python, guards and typed
// parameters, privilege escalation, unbounded parameters, the findings' shape, and the labelled twins corpus.
import { describe, expect, it } from "vitest";
import {
  analyzeProject,
  analyzeSourceFile,
  analyzeSources,
  isSourceFile,
  mayHaveFindings,
} from "../../src/core/scan/code/code-analyzer.ts";
import type { Detected } from "../../src/core/scan/finding.ts";
import { type CodeCase, overall, scoreCodeCases } from "./code-vuln-score.ts";

const fixtures = import.meta.glob("../fixtures/code-vulns/**/*", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;
const read = (file: string) => {
  const text = fixtures[`../fixtures/code-vulns/${file}`];
  if (text === undefined) throw new Error(`no fixture ${file}`);
  return text;
};

const rulesOf = (found: Detected[], rule?: string) =>
  found.filter((f) => rule === undefined || f.ruleId === rule).map((f) => `${f.ruleId}:${f.severity}`);
const lineOf = (f: Detected) => (f.location.type === "file" ? f.location.line : 0);

const REF = "${ref}";

const TS_SERVER = (handlerBody: string, shape = "{ ref: z.string() }") =>
  [
    'import { execSync } from "node:child_process";',
    'import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";',
    'import { z } from "zod";',
    'const server = new McpServer({ name: "git", version: "1.0.0" });',
    `server.tool("git_log", "Shows the log", ${shape}, async ({ ref }) => {`,
    handlerBody,
    '  return { content: [{ type: "text", text: "ok" }] };',
    "});",
  ].join("\n");

describe("analyzeSourceFile", () => {
  it("traces a tool parameter to a shell command and says through which lines", () => {
    const found = analyzeSourceFile(
      "src/git.ts",
      TS_SERVER(`  const cmd = \`git log ${REF}\`;\n  execSync(cmd);`),
    );
    const [finding] = found.filter((f) => f.ruleId === "code-command-injection");
    expect(finding?.severity).toBe("critical");
    expect(finding?.location).toEqual({ type: "file", path: "src/git.ts", line: 7, column: 3 });
    expect(finding?.match).toBe("execSync(cmd);");
    expect(finding?.description).toContain("Tool `git_log` passes its parameter `ref` (line 5)");
    expect(finding?.description).toContain("`cmd` (line 6)");
    expect(finding?.cwe).toEqual(["CWE-78"]);
    expect(finding?.detection).toBe("dataflow");
  });

  it("keeps a finding's identity when lines move", () => {
    const before = analyzeSourceFile("a.ts", TS_SERVER(`  execSync(\`git log ${REF}\`);`));
    const after = analyzeSourceFile(
      "a.ts",
      `// a new first line\n\n${TS_SERVER(`  execSync(\`git log ${REF}\`);`)}`,
    );
    expect(after.map((f) => f.identity)).toEqual(before.map((f) => f.identity));
    expect(after.map(lineOf)).toEqual(before.map((f) => lineOf(f) + 2));
  });

  it("reports a flow behind an allow-list low, and nothing for a constant or a number", () => {
    const guarded = analyzeSourceFile(
      "a.ts",
      TS_SERVER(
        `  if (!["main", "dev"].includes(ref)) throw new Error("unknown branch");\n  execSync(\`git log ${REF}\`);`,
      ),
    );
    expect(rulesOf(guarded, "code-command-injection")).toEqual(["code-command-injection:low"]);
    expect(analyzeSourceFile("a.ts", TS_SERVER('  execSync("git log main");'))).toEqual([]);
    const numeric = analyzeSourceFile(
      "a.ts",
      TS_SERVER(`  execSync(\`git log -n ${REF}\`);`, "{ ref: z.number().int() }"),
    );
    expect(numeric).toEqual([]);
  });

  it("follows input into a helper function and a Python class method", () => {
    const python = [
      "import subprocess",
      "from mcp.server.fastmcp import FastMCP",
      'mcp = FastMCP("archive")',
      "class Archiver:",
      "    def pack(self, name: str) -> str:",
      '        return self._run("tar czf out.tgz %s" % name)',
      "    def _run(self, command: str) -> str:",
      "        return subprocess.check_output(command, shell=True, text=True)",
      "@mcp.tool()",
      "def pack(name: str) -> str:",
      "    return Archiver().pack(name)",
    ].join("\n");
    const [finding] = analyzeSourceFile("server.py", python).filter(
      (f) => f.ruleId === "code-command-injection",
    );
    expect(lineOf(finding as Detected)).toBe(8);
    expect(finding?.description).toContain("Tool `pack` passes its parameter `name` (line 10)");
  });

  it("tells a resolved containment check from a prefix check on an unresolved path", () => {
    const server = (check: string) =>
      [
        "import os",
        "from mcp.server.fastmcp import FastMCP",
        'mcp = FastMCP("docs")',
        'ROOT = "/srv/docs"',
        "@mcp.tool()",
        "def read_doc(name: str) -> str:",
        `    target = ${check}`,
        "    if not target.startswith(ROOT + os.sep):",
        '        raise ValueError("outside the docs")',
        "    with open(target) as handle:",
        "        return handle.read()",
      ].join("\n");
    const rule = "code-path-traversal";
    const resolved = analyzeSourceFile("s.py", server("os.path.realpath(os.path.join(ROOT, name))"));
    expect(rulesOf(resolved, rule)).toEqual(["code-path-traversal:low"]);
    const unresolved = analyzeSourceFile("s.py", server("os.path.join(ROOT, name)"));
    expect(rulesOf(unresolved, rule)).toEqual(["code-path-traversal:high"]);
  });

  it("reports privilege escalation and unbounded parameters that reach an operation", () => {
    const python = [
      "import os, subprocess",
      "from mcp.server.fastmcp import FastMCP",
      'mcp = FastMCP("ops")',
      "@mcp.tool()",
      "def restart(service: str) -> str:",
      '    subprocess.run(["sudo", "systemctl", "restart", service], check=True)',
      "    os.chmod('/var/run/ops.sock', 0o777)",
      '    return "ok"',
    ].join("\n");
    expect(rulesOf(analyzeSourceFile("ops.py", python)).sort()).toEqual([
      "code-input-validation:medium",
      "code-privilege-escalation:high",
      "code-privilege-escalation:medium",
    ]);
  });

  it("masks a credential on the evidence line and survives files that do not parse", () => {
    const found = analyzeSourceFile(
      "a.ts",
      TS_SERVER(
        `  execSync(\`curl -H "Authorization: Bearer ghp_0123456789abcdefghijABCDEFGHIJ012345" ${REF}\`);`,
      ),
    );
    const sink = found.find((f) => f.ruleId === "code-command-injection");
    expect(sink?.match).not.toContain("ghp_0123456789");
    expect(sink?.match).toContain("[REDACTED:");
    expect(() => analyzeSourceFile("broken.py", "def (:\n  ))) [[[")).not.toThrow();
    expect(() => analyzeSourceFile("broken.ts", "server.tool(('x', ({a}) => { execSync(a ")).not.toThrow();
  });

  it("reads JavaScript, TypeScript and Python sources and nothing else", () => {
    expect(["a.ts", "b.mjs", "c.cjs", "d.jsx", "e.py", "f.tsx"].every(isSourceFile)).toBe(true);
    expect(["a.d.ts", "b.json", "c.md", "d.pyc"].some(isSourceFile)).toBe(false);
  });
});

describe("analyzeSources", () => {
  it("follows a tool's input into a helper another TypeScript module exports, and names both files", () => {
    const files = new Map([
      [
        "src/index.ts",
        [
          'import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";',
          'import { z } from "zod";',
          'import { gitLog } from "./tools/git.js";',
          'import * as files from "./tools/files.js";',
          'const server = new McpServer({ name: "repo", version: "1.0.0" });',
          'server.tool("log", { ref: z.string().max(64) }, async ({ ref }) => ({ content: [{ type: "text", text: gitLog(ref) }] }));',
          'server.tool("read", { path: z.string().max(256) }, async ({ path }) => ({ content: [{ type: "text", text: await files.read(path) }] }));',
        ].join("\n"),
      ],
      [
        "src/tools/git.ts",
        `import { execSync } from "node:child_process";\nexport function gitLog(ref: string) {\n  return execSync(\`git log ${REF}\`).toString();\n}\n`,
      ],
      [
        "src/tools/files.ts",
        'import { readFile } from "node:fs/promises";\nexport const read = (p: string) => readFile(p, "utf8");\n',
      ],
    ]);
    const found = analyzeSources(files);
    expect(
      found
        .map(
          (f) => `${f.ruleId} ${f.location.type === "file" ? `${f.location.path}:${f.location.line}` : ""}`,
        )
        .sort(),
    ).toEqual(["code-command-injection src/tools/git.ts:3", "code-path-traversal src/tools/files.ts:2"]);
    expect(found.find((f) => f.ruleId === "code-command-injection")?.description).toContain(
      "Tool `log` (src/index.ts) passes its parameter `ref` (line 6) through `gitLog()` (line 6)",
    );
    // One file alone cannot see the helper.
    expect(analyzeSourceFile("src/index.ts", files.get("src/index.ts") as string)).toEqual([]);
  });

  it("follows Python imports, relative and absolute, into the package's own modules", () => {
    const server = (line: string) =>
      [
        "from mcp.server.fastmcp import FastMCP",
        line,
        'mcp = FastMCP("ops")',
        "@mcp.tool()",
        "def restart(service: str) -> str:",
        "    return run(service)",
      ].join("\n");
    const helper = 'import os\n\ndef run(name):\n    return os.popen(f"systemctl restart {name}").read()\n';
    const cases: Array<[string, string]> = [
      ["from .shell import run", "ops/shell.py"],
      ["from ops.shell import run", "ops/shell.py"],
      ["from .shell import run", "ops/shell/__init__.py"],
    ];
    for (const [importLine, helperPath] of cases) {
      const found = analyzeSources(
        new Map([
          ["ops/server.py", server(importLine)],
          [helperPath, helper],
        ]),
      );
      expect(
        found
          .filter((f) => f.ruleId === "code-command-injection")
          .map((f) => f.location.type === "file" && f.location.path),
        importLine,
      ).toEqual([helperPath]);
    }
  });
});

// Shapes real servers are written in, beyond the corpus: each one came from a public server the analyzer missed
// or misjudged (rewritten here in a few lines of our own).
describe("how real servers are written", () => {
  const findingsOf = (path: string, lines: string[]) => analyzeSourceFile(path, lines.join("\n"));
  const flows = (found: Detected[]) =>
    found
      .filter((f) => f.ruleId !== "code-input-validation")
      .map((f) => `${f.ruleId}:${f.severity}:${lineOf(f)}`);
  const TS_HEAD = [
    'import { exec } from "node:child_process";',
    'import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";',
    'import { z } from "zod";',
    'const server = new McpServer({ name: "s", version: "1.0.0" });',
  ];
  const PY_HEAD = ["import subprocess", "from mcp.server.fastmcp import FastMCP", 'mcp = FastMCP("s")'];

  it("follows what comes after a try whose catch or except clause throws or returns", () => {
    const ts = findingsOf("src/clone.ts", [
      ...TS_HEAD,
      'server.tool("clone", "Clones", { url: z.string() }, async ({ url }) => {',
      "  let target: string;",
      "  try {",
      "    target = url.trim();",
      "  } catch (error) {",
      '    throw new Error("bad url");',
      "  }",
      "  exec(`git clone ${target}`);",
      "  return { content: [] };",
      "});",
    ]);
    expect(flows(ts)).toEqual(["code-command-injection:critical:12"]);
    const py = findingsOf("ping.py", [
      ...PY_HEAD,
      "@mcp.tool()",
      "def ping(host: str) -> str:",
      "    try:",
      "        host = host.strip()",
      "    except AttributeError:",
      '        return "bad host"',
      '    return subprocess.run(f"ping -c1 {host}", shell=True).stdout',
    ]);
    expect(flows(py)).toEqual(["code-command-injection:critical:10"]);
  });

  it("finds handlers passed by reference, tools named by constants, and calls with type arguments", () => {
    const found = findingsOf("src/tools.ts", [
      ...TS_HEAD,
      'const LIST = "list_dir";',
      "async function listDir({ dir }: { dir: string }) {",
      "  exec(`ls ${dir}`);",
      "  return { content: [] };",
      "}",
      'server.tool(LIST, "Lists", { dir: z.string() }, listDir);',
      'server.tool<{ rev: z.ZodString }>("show", "Shows", { rev: z.string() }, async ({ rev }) => {',
      "  const out = await run<string>(`git show ${rev}`);",
      "  return { content: [] };",
      "});",
      "function run<T>(command: string) { exec(command); }",
    ]);
    expect(flows(found)).toEqual(["code-command-injection:critical:7", "code-command-injection:critical:15"]);
    expect(found.find((f) => lineOf(f) === 7)?.description).toContain("Tool `list_dir` passes its parameter");
  });

  it("reads `await f<T>(callback, options)` as the call it is, however long", () => {
    const filler = Array.from({ length: 30 }, (_, i) => `        note${i}: "${"x".repeat(20)}",`);
    const found = findingsOf("src/wrapped.ts", [
      ...TS_HEAD,
      'server.tool("commit", "Commits", { message: z.string() }, async ({ message }) => {',
      "  return await guard.tryCatch<Result>(",
      "    async () => {",
      "      exec(`git commit -m ${message}`);",
      "      return { content: [] };",
      "    },",
      "    {",
      ...filler,
      "    },",
      "  );",
      "});",
    ]);
    expect(flows(found)).toEqual(["code-command-injection:critical:8"]);
  });

  it("treats FastMCP add_tool and resource templates as entry points", () => {
    const py = findingsOf("server.py", [
      ...PY_HEAD,
      "def run_cmd(cmd: str) -> str:",
      "    return subprocess.run(cmd, shell=True).stdout",
      'mcp.add_tool(run_cmd, name="run_cmd")',
      '@mcp.resource("docs://{name}")',
      "def doc(name: str) -> str:",
      '    return open(f"/srv/docs/{name}").read()',
      '@mcp.resource("docs://index")',
      "def index() -> str:",
      '    return open("/srv/docs/index").read()',
    ]);
    expect(flows(py)).toEqual(["code-command-injection:critical:5", "code-path-traversal:high:9"]);
    const ts = findingsOf("src/docs.ts", [
      ...TS_HEAD,
      'import { readFileSync } from "node:fs";',
      'server.resource("doc", new ResourceTemplate("docs://{name}", { list: undefined }), async (uri, { name }) => ({',
      '  contents: [{ uri: uri.href, text: readFileSync(`/srv/docs/${name}`, "utf8") }],',
      "}));",
    ]);
    expect(flows(ts)).toEqual(["code-path-traversal:high:7"]);
  });

  it("follows a call through a table of handlers, and trusts a lookup in a table of constants", () => {
    const dispatch = findingsOf("server.py", [
      "import subprocess",
      "from mcp.server import Server",
      'server = Server("s")',
      "async def run_cmd(arguments: dict) -> str:",
      '    return subprocess.run(arguments["cmd"], shell=True).stdout',
      'HANDLERS = {"run_cmd": run_cmd}',
      "@server.call_tool()",
      "async def call_tool(name: str, arguments: dict):",
      "    handler = HANDLERS.get(name)",
      "    return await handler(arguments)",
    ]);
    expect(flows(dispatch)).toEqual(["code-command-injection:critical:5"]);
    const table = findingsOf("diag.py", [
      ...PY_HEAD,
      'COMMANDS = {"disk": "df -h", "memory": "free -h"}',
      "@mcp.tool()",
      "def diag(component: str) -> str:",
      '    return subprocess.run(COMMANDS.get(component, "uptime"), shell=True).stdout',
    ]);
    expect(flows(table)).toEqual([]);
  });

  it("gives an allow-list its direction: a cache hit that returns early guards nothing after it", () => {
    const server = (test: string, exit: string) =>
      findingsOf("src/fetch.ts", [
        ...TS_HEAD,
        "const cache = new Map<string, string>();",
        'const ALLOWED = new Set(["https://api.example.com/status"]);',
        'server.tool("get", "Fetches", { url: z.string() }, async ({ url }) => {',
        `  if (${test}) ${exit};`,
        "  const res = await fetch(url);",
        '  return { content: [{ type: "text", text: await res.text() }] };',
        "});",
      ]);
    expect(flows(server("cache.has(url)", "return { content: [] }"))).toEqual(["code-ssrf:high:9"]);
    expect(flows(server("!ALLOWED.has(url)", 'throw new Error("not allowed")'))).toEqual(["code-ssrf:low:9"]);
    // Python reads `not a or not b` as `(not a) or (not b)`: the pattern check still guards.
    const py = findingsOf("ns.py", [
      ...PY_HEAD,
      "import re",
      'NAME = re.compile(r"[a-z]+")',
      "@mcp.tool()",
      "def pods(namespace: str) -> str:",
      "    if not isinstance(namespace, str) or not NAME.fullmatch(namespace):",
      '        raise ValueError("bad namespace")',
      '    return subprocess.run(f"kubectl get pods -n {namespace}", shell=True).stdout',
    ]);
    expect(flows(py)).toEqual(["code-command-injection:low:10"]);
  });

  it("reports code handed to an interpreter and templates compiled from input as code injection", () => {
    const py = findingsOf("run.py", [
      ...PY_HEAD,
      "import sys",
      "from jinja2 import Template",
      "@mcp.tool()",
      "def run_python(code: str) -> str:",
      '    return subprocess.run([sys.executable, "-c", code], capture_output=True).stdout',
      "@mcp.tool()",
      "def render(template: str) -> str:",
      "    return Template(template).render()",
      "@mcp.tool()",
      "def version(code: str) -> str:",
      '    return subprocess.run([sys.executable, "--version"], capture_output=True).stdout',
    ]);
    expect(flows(py)).toEqual(["code-code-injection:critical:8", "code-code-injection:critical:11"]);
    const ts = findingsOf("src/run.ts", [
      ...TS_HEAD,
      'import { spawnSync } from "node:child_process";',
      'server.tool("run_js", "Runs", { code: z.string() }, async ({ code }) => {',
      '  spawnSync("node", ["-e", code]);',
      '  spawnSync("node", ["--check", code]);',
      "  return { content: [] };",
      "});",
    ]);
    expect(flows(ts)).toEqual(["code-code-injection:critical:7"]);
  });

  it("finds the tool calls of a server written without an SDK, and of a handler registered by method name", () => {
    const handWritten = findingsOf("server.py", [
      "import json, subprocess, sys",
      "class Server:",
      "    def handle(self, message: dict):",
      '        if message.get("method") == "tools/call":',
      "            return self.call_tool(message)",
      "    def call_tool(self, message: dict):",
      '        params = message.get("params", {})',
      '        name = params.get("name")',
      '        arguments = params.get("arguments", {})',
      '        if name == "run":',
      '            return subprocess.check_output(arguments.get("cmd"), shell=True)',
    ]);
    expect(flows(handWritten)).toEqual(["code-command-injection:critical:11"]);
    // The same reads in a module that never dispatches "tools/call" are not an entry point.
    const client = findingsOf("client.py", [
      "import subprocess",
      "def replay(message: dict):",
      '    arguments = message.get("params", {}).get("arguments", {})',
      '    return subprocess.check_output(arguments.get("cmd"), shell=True)',
    ]);
    expect(flows(client)).toEqual([]);
    const byName = findingsOf("src/low.ts", [
      ...TS_HEAD,
      'server.server.setRequestHandler("tools/call", async (request: any) => {',
      "  const { arguments: args } = request.params;",
      "  exec(args.command);",
      "  return { content: [] };",
      "});",
    ]);
    expect(flows(byName)).toEqual(["code-command-injection:critical:7"]);
  });

  it("reads calls with comments among their arguments, and does not trust an allow-list of first words", () => {
    const commented = findingsOf("src/stash.ts", [
      ...TS_HEAD,
      "server.tool<{ name: z.ZodString }>( // the shared shape",
      '  "stash", // tool name',
      '  "Stashes",',
      "  { name: z.string() },",
      "  async ({ name }) => {",
      "    exec(/* message */ `git stash push -m ${name}`);",
      "    return { content: [] };",
      "  },",
      ");",
    ]);
    expect(flows(commented)).toEqual(["code-command-injection:critical:10"]);
    const firstWord = findingsOf("run.py", [
      ...PY_HEAD,
      'SAFE = ["ls", "pwd", "date"]',
      "@mcp.tool()",
      "def run(command: str) -> str:",
      "    if command.split()[0] in SAFE:",
      "        return subprocess.check_output(command, shell=True, text=True)",
      '    return "not allowed"',
    ]);
    expect(flows(firstWord)).toEqual(["code-command-injection:critical:8"]);
  });

  it("follows a project's own tool registry and the closures its wrappers return", () => {
    const found = findingsOf("tools.py", [
      "import subprocess",
      "from .registry import register_tool",
      "from .settings import DATA_DIR",
      "def audited(handler):",
      "    def wrapped(args: dict):",
      "        return handler(args)",
      "    return wrapped",
      "def _raw_run(args: dict) -> str:",
      '    return subprocess.run(args.get("command"), shell=True).stdout',
      "async def run_admin(args: dict) -> str:",
      "    runner = audited(_raw_run)",
      "    return runner(args)",
      "async def read_doc(args: dict) -> str:",
      '    return (DATA_DIR / args.get("path", "")).read_text()',
      'register_tool(name="admin.run", input_schema={"type": "object"}, handler=run_admin)',
      'register_tool(name="docs.read", input_schema={"type": "object"}, handler=read_doc)',
    ]);
    expect(flows(found)).toEqual(["code-command-injection:critical:9", "code-path-traversal:high:14"]);
    expect(found.find((f) => lineOf(f) === 9)?.description).toContain("Tool `admin.run`");
  });

  it("trusts a containment check another module exports, also through a variable, and nothing weaker", () => {
    const project = (validator: string[]) =>
      analyzeSources(
        new Map([
          [
            "src/index.ts",
            [
              ...TS_HEAD,
              'import { readFileSync } from "node:fs";',
              'import { validatePath } from "./lib.js";',
              'server.tool("read", "Reads", { path: z.string() }, async ({ path }) => {',
              "  const valid = await validatePath(path);",
              '  return { content: [{ type: "text", text: readFileSync(valid, "utf8") }] };',
              "});",
            ].join("\n"),
          ],
          [
            "src/lib.ts",
            [
              'import path from "node:path";',
              'import { within } from "./checks.js";',
              "export async function validatePath(requested: string) {",
              "  const absolute = path.resolve(requested);",
              ...validator,
              "  return absolute;",
              "}",
            ].join("\n"),
          ],
          [
            "src/checks.ts",
            [
              'const ROOT = "/srv/data";',
              "export function within(candidate: string) {",
              "  return candidate.startsWith(`${ROOT}/`);",
              "}",
            ].join("\n"),
          ],
        ]),
      );
    const traversal = (found: Detected[]) => rulesOf(found, "code-path-traversal");
    expect(
      traversal(
        project(["  const allowed = within(absolute);", '  if (!allowed) throw new Error("outside");']),
      ),
    ).toEqual([]);
    // Looking at each character is not a containment check.
    expect(
      traversal(
        project([
          "  for (let i = 0; i < absolute.length; i++) {",
          '    if (absolute[i] === "\\0") throw new Error("nul");',
          "  }",
        ]),
      ),
    ).toEqual(["code-path-traversal:high"]);
  });

  it("keeps a URL's host fixed when input is appended to it (`url += …`), and not when input starts it", () => {
    const server = (start: string) =>
      findingsOf("src/gh.ts", [
        ...TS_HEAD,
        'server.tool("file", "Reads", { path: z.string(), branch: z.string() }, async ({ path, branch }) => {',
        `  let url = ${start};`,
        "  if (branch) url += `?ref=${branch}`;",
        "  const res = await fetch(url);",
        "  return { content: [] };",
        "});",
      ]);
    expect(flows(server("`https://api.github.com/repos/contents/${path}`"))).toEqual([]);
    // Both parameters reach a URL whose host the input chooses.
    expect(flows(server("path"))).toEqual(["code-ssrf:high:8", "code-ssrf:high:8"]);
  });

  it("follows input written to a script that an interpreter then runs, and to nothing else", () => {
    const found = findingsOf("run.py", [
      ...PY_HEAD,
      "import os, sys, tempfile",
      "@mcp.tool()",
      "def run_python(code: str) -> str:",
      '    with tempfile.NamedTemporaryFile(suffix=".py", delete=False) as script:',
      "        script_path = script.name",
      "        script.write(code.encode())",
      "    out = subprocess.check_output([sys.executable, script_path])",
      "    os.unlink(script_path)",
      "    return out.decode()",
    ]);
    // The run is code injection; removing the file, whose name the input did not choose, is not path traversal.
    expect(flows(found)).toEqual(["code-code-injection:critical:10"]);
    expect(found.find((f) => lineOf(f) === 10)?.description).toContain(
      "an interpreter run on a script the input wrote",
    );
  });

  it("does not take a check on what a command printed for a check on the input", () => {
    const found = findingsOf("src/docs.ts", [
      ...TS_HEAD,
      'import { promisify } from "node:util";',
      "const run = promisify(exec);",
      "async function installed(name: string) {",
      '  const { stdout } = await run(`python3 -c "import ${name}"`);',
      '  return stdout.trim() === "True";',
      "}",
      'server.tool("doc", "Docs", { name: z.string() }, async ({ name }) => {',
      "  const present = await installed(name);",
      '  if (present) await run(`python3 -c "help(${name})"`);',
      "  return { content: [] };",
      "});",
    ]);
    expect(flows(found)).toEqual(["code-command-injection:critical:8", "code-command-injection:critical:13"]);
  });

  it("does not take a setting named sudo for a command, and pins unbounded parameters on their own tool", () => {
    const settings = findingsOf("restart.py", [
      ...PY_HEAD,
      "@mcp.tool()",
      "def restart(name: str, options: dict) -> str:",
      '    wants_root = options.get("sudo", False)',
      '    return subprocess.run(["systemctl", "restart", name]).stdout + str(wants_root)',
    ]);
    expect(rulesOf(settings, "code-privilege-escalation")).toEqual([]);
    const twins = findingsOf("calc.py", [
      "import ast",
      "from mcp.server.fastmcp import FastMCP",
      'safe = FastMCP("safe")',
      'other = FastMCP("other")',
      "@safe.tool()",
      "def calc(expression: str) -> str:",
      "    return str(ast.literal_eval(expression))",
      "@other.tool()",
      "def calc(expression: str) -> str:",
      "    return str(eval(expression))",
    ]);
    expect(twins.map((f) => `${f.ruleId}:${lineOf(f)}`)).toEqual([
      "code-input-validation:9",
      "code-code-injection:10",
    ]);
    const registered = findingsOf("src/run.ts", [
      ...TS_HEAD,
      'server.registerTool("run", { description: "Runs", inputSchema: { cmd: z.string() } }, async ({ cmd }) => {',
      "  exec(`ls ${cmd}`);",
      "  return { content: [] };",
      "});",
    ]);
    expect(rulesOf(registered, "code-input-validation")).toEqual(["code-input-validation:medium"]);
  });
});

describe("the vulnerable/safe twins corpus (test/fixtures/code-vulns)", () => {
  const cases = JSON.parse(read("cases.json")) as CodeCase[];
  const scores = scoreCodeCases(cases, read);

  it("holds every family in both languages", () => {
    expect(new Set(cases.map((c) => c.family)).size).toBe(6);
    expect(cases.length).toBeGreaterThanOrEqual(72);
  });

  it("never hides a finding behind its prefilter: every file with findings passes mayHaveFindings", () => {
    const sources = Object.entries(fixtures).filter(([path]) => isSourceFile(path));
    expect(sources.length).toBeGreaterThan(140);
    for (const [path, text] of sources) {
      const unfiltered = analyzeProject([path], () => text, [path]);
      if (unfiltered.length > 0) expect(mayHaveFindings(text), path).toBe(true);
    }
  });

  it("meets issue 7's goals: precision and recall of at least 80 % overall", () => {
    const total = overall(scores);
    expect(total.precision).toBeGreaterThanOrEqual(0.8);
    expect(total.recall).toBeGreaterThanOrEqual(0.8);
  });

  it("tells apart every vulnerable/safe pair (issue 7's goal)", () => {
    for (const score of scores) {
      expect(score.missed, `${score.family}: missed`).toEqual([]);
      expect(score.flagged, `${score.family}: safe twins flagged`).toEqual([]);
    }
  });
});
