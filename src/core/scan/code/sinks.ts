// What the code analyzer looks for: the calls where tool input does harm (sinks, by family), the calls that make
// input harmless for a family (sanitisers), and the checks that guard a value (guards). Callees are written as
// qualified dotted names: imports are resolved first, so `cp.exec` with cp bound to the child_process module is
// `child_process.exec`, and `from subprocess import run` makes `run` `subprocess.run`.
import type { Expr, Language } from "./code-ir.ts";

export const FAMILIES = [
  "command-injection",
  "code-injection",
  "path-traversal",
  "ssrf",
  "privilege-escalation",
  "input-validation",
] as const;
export type Family = (typeof FAMILIES)[number];

export type CallExpr = Extract<Expr, { kind: "call" }>;

export interface SinkSpec {
  family: Family;
  language: Language;
  /** Qualified callee names; `a.*` matches any method of a, `*.m` method m of anything. */
  callees: readonly string[];
  /** Positional arguments that carry the danger; "receiver" for the object a method is called on. */
  args: ReadonlyArray<number | "receiver">;
  /** Keyword arguments (Python) that carry it. */
  named?: readonly string[];
  /** The call is a sink only when this holds (a shell option set, no safe loader). */
  when?: (call: CallExpr) => boolean;
  /** What the finding calls the sink. */
  label: string;
  /** Reached only by files whose content is the input (an interpreter run on a script the input wrote). */
  scripts?: boolean;
}

const SHELLS =
  /^(?:\/(?:usr\/)?bin\/)?(?:sh|bash|zsh|dash|ksh|fish|cmd(?:\.exe)?|powershell(?:\.exe)?|pwsh)$/;

/** A JavaScript options object with `shell` set to anything but false. */
function shellOption(call: CallExpr): boolean {
  return call.args.some(
    (arg) =>
      arg.kind === "object" &&
      arg.entries.some(
        (entry) => entry.key === "shell" && !(entry.value.kind === "literal" && entry.value.text === "false"),
      ),
  );
}

/** `spawn("sh", ["-c", cmd])`: a shell given a command line. */
function shellCommandArray(call: CallExpr): boolean {
  const [command, args] = call.args;
  if (command?.kind === "string" && SHELLS.test(command.value)) return true;
  if (command?.kind === "array") {
    const first = command.items[0];
    return first?.kind === "string" && SHELLS.test(first.value);
  }
  return (
    args?.kind === "array" &&
    args.items[0]?.kind === "string" &&
    /^(?:-c|\/c|-Command)$/.test(args.items[0].value)
  );
}

/** Interpreters that run code given on their command line (`-c`, `-e`, `--eval`). */
const INTERPRETERS =
  /^(?:\/(?:usr\/)?(?:local\/)?bin\/)?(?:node|nodejs|deno|bun|python[0-9.]*|ruby|perl|php|Rscript)$/;
const INLINE_CODE_FLAG = /^(?:-c|-e|-p|--eval|--print|-r)$/;

/** An interpreter named as a string, or the running one (Python's `sys.executable`, Node's `execPath`). */
function isInterpreter(expr: Expr | undefined): boolean {
  if (expr?.kind === "string") return INTERPRETERS.test(expr.value);
  return expr?.kind === "member" && /^(?:executable|execPath)$/.test(expr.property ?? "");
}

/**
 * `spawn("node", ["-e", code])`, `subprocess.run([sys.executable, "-c", code])`,
 * `create_subprocess_exec(sys.executable, "-c", code)`: code handed to an interpreter, no shell needed.
 */
function interpreterCode(call: CallExpr): boolean {
  const [first, second] = call.args;
  const argv =
    first?.kind === "array"
      ? first.items
      : [first, ...(second?.kind === "array" ? second.items : call.args.slice(1))];
  return (
    isInterpreter(argv[0]) &&
    argv.slice(1).some((item) => item?.kind === "string" && INLINE_CODE_FLAG.test(item.value))
  );
}

/** `spawn("node", [script])`, `subprocess.run([sys.executable, path])`: an interpreter run on a file. */
function interpreterScript(call: CallExpr): boolean {
  const [first, second] = call.args;
  const argv =
    first?.kind === "array"
      ? first.items
      : [first, ...(second?.kind === "array" ? second.items : call.args.slice(1))];
  return isInterpreter(argv[0]) && argv.length > 1;
}

/** Python's `shell=True`. */
function pythonShell(call: CallExpr): boolean {
  const shell = call.named.shell;
  return shell !== undefined && !(shell.kind === "literal" && /^(?:False|None|0)$/.test(shell.text));
}

/** `yaml.load(x)` without a safe loader. */
function unsafeYamlLoader(call: CallExpr): boolean {
  const loader = call.named.Loader ?? call.args[1];
  if (!loader) return true;
  const text = loader.kind === "name" ? loader.name : loader.kind === "member" ? (loader.property ?? "") : "";
  return !/^(?:SafeLoader|CSafeLoader|BaseLoader)$/.test(text);
}

/** `setTimeout("code", …)`: a string to evaluate, not a function. */
function stringTimer(call: CallExpr): boolean {
  const first = call.args[0];
  return first !== undefined && first.kind !== "function";
}

/** fs methods whose first argument is a path (the second, where there is one, is data or options). */
const JS_FS_ONE_PATH = [
  "readFile",
  "readFileSync",
  "writeFile",
  "writeFileSync",
  "appendFile",
  "appendFileSync",
  "createReadStream",
  "createWriteStream",
  "unlink",
  "unlinkSync",
  "rm",
  "rmSync",
  "rmdir",
  "rmdirSync",
  "mkdir",
  "mkdirSync",
  "readdir",
  "readdirSync",
  "open",
  "openSync",
  "truncate",
  "truncateSync",
  "opendir",
  "opendirSync",
];
/** fs methods taking two paths. */
const JS_FS_TWO_PATHS = [
  "copyFile",
  "copyFileSync",
  "cp",
  "cpSync",
  "rename",
  "renameSync",
  "symlink",
  "symlinkSync",
  "link",
  "linkSync",
];
/** Methods of a path object that read, write or remove what it names. */
const PATH_METHODS = [
  "read_text",
  "read_bytes",
  "write_text",
  "write_bytes",
  "open",
  "unlink",
  "rmdir",
  "mkdir",
  "touch",
  "rename",
  "replace",
  "iterdir",
  "symlink_to",
  "hardlink_to",
];
const FS_MODULES = ["fs", "fs.promises", "fs-extra", "graceful-fs"];
const fsCallees = (methods: readonly string[]) =>
  FS_MODULES.flatMap((module) => methods.map((method) => `${module}.${method}`));

/** Calls that start a process from an argument list: a shell only when asked for one. */
const JS_PROCESS_CALLS = [
  "child_process.spawn",
  "child_process.spawnSync",
  "child_process.execFile",
  "child_process.execFileSync",
  "execa.execa",
  "execa",
  "execa.execaSync",
];
const PY_PROCESS_CALLS = [
  "subprocess.run",
  "subprocess.call",
  "subprocess.check_call",
  "subprocess.check_output",
  "subprocess.Popen",
  "asyncio.create_subprocess_exec",
];

export const SINKS: readonly SinkSpec[] = [
  // Command injection.
  {
    family: "command-injection",
    language: "javascript",
    callees: [
      "child_process.exec",
      "child_process.execSync",
      "execa.execaCommand",
      "execa.execaCommandSync",
      "shelljs.exec",
    ],
    args: [0],
    label: "a shell command",
  },
  {
    family: "command-injection",
    language: "javascript",
    callees: JS_PROCESS_CALLS,
    args: [0, 1],
    when: (call) => shellOption(call) || shellCommandArray(call),
    label: "a command run through a shell",
  },
  {
    family: "command-injection",
    language: "python",
    callees: [
      "os.system",
      "os.popen",
      "subprocess.getoutput",
      "subprocess.getstatusoutput",
      "asyncio.create_subprocess_shell",
      "commands.getoutput",
    ],
    args: [0],
    named: ["cmd", "command"],
    label: "a shell command",
  },
  {
    family: "command-injection",
    language: "python",
    callees: PY_PROCESS_CALLS,
    args: [0],
    named: ["args"],
    when: (call) => pythonShell(call) || shellCommandArray(call),
    label: "a command run through a shell",
  },
  // Code injection and unsafe deserialisation.
  {
    family: "code-injection",
    language: "javascript",
    callees: JS_PROCESS_CALLS,
    args: [1],
    when: interpreterCode,
    label: "an interpreter given code to run",
  },
  {
    family: "code-injection",
    language: "python",
    callees: PY_PROCESS_CALLS,
    args: [0, 1, 2, 3, 4],
    named: ["args"],
    when: interpreterCode,
    label: "an interpreter given code to run",
  },
  {
    family: "code-injection",
    language: "javascript",
    callees: JS_PROCESS_CALLS,
    args: [0, 1],
    when: interpreterScript,
    label: "an interpreter run on a script the input wrote",
    scripts: true,
  },
  {
    family: "code-injection",
    language: "python",
    callees: PY_PROCESS_CALLS,
    args: [0, 1, 2, 3, 4],
    named: ["args"],
    when: interpreterScript,
    label: "an interpreter run on a script the input wrote",
    scripts: true,
  },
  {
    family: "code-injection",
    language: "python",
    // Server-side template injection: a template made from input runs what it contains.
    callees: ["jinja2.Template", "jinja2.Environment.from_string", "*.from_string", "mako.template.Template"],
    args: [0],
    named: ["source", "text"],
    label: "a template compiled from input (server-side template injection)",
  },
  {
    family: "code-injection",
    language: "javascript",
    callees: [
      "ejs.render",
      "ejs.compile",
      "handlebars.compile",
      "pug.compile",
      "pug.render",
      "nunjucks.renderString",
      "lodash.template",
    ],
    args: [0],
    label: "a template compiled from input (server-side template injection)",
  },
  {
    family: "code-injection",
    language: "javascript",
    callees: [
      "eval",
      "vm.runInNewContext",
      "vm.runInThisContext",
      "vm.runInContext",
      "vm.Script",
      "vm.compileFunction",
      "node-serialize.unserialize",
      "serialize.unserialize",
    ],
    args: [0],
    label: "code evaluation",
  },
  {
    family: "code-injection",
    language: "javascript",
    // `new Function("a", "b", body)`: every argument is compiled (the last is the body).
    callees: ["Function"],
    args: [0, 1, 2, 3, 4, 5],
    label: "code evaluation",
  },
  {
    family: "code-injection",
    language: "javascript",
    callees: ["setTimeout", "setInterval"],
    args: [0],
    when: stringTimer,
    label: "a timer given code as a string",
  },
  {
    family: "code-injection",
    language: "python",
    callees: [
      "eval",
      "exec",
      "compile",
      "__import__",
      "importlib.import_module",
      "pickle.loads",
      "pickle.load",
      "cPickle.loads",
      "dill.loads",
      "marshal.loads",
      "jsonpickle.decode",
      "yaml.unsafe_load",
      "yaml.full_load",
      "shelve.open",
    ],
    args: [0],
    label: "code evaluation or unsafe deserialisation",
  },
  {
    family: "code-injection",
    language: "python",
    callees: ["yaml.load", "yaml.load_all"],
    args: [0],
    named: ["stream"],
    when: unsafeYamlLoader,
    label: "YAML loading without a safe loader",
  },
  // Path traversal.
  {
    family: "path-traversal",
    language: "javascript",
    callees: [...fsCallees(JS_FS_ONE_PATH), "res.sendFile", "res.download"],
    args: [0],
    label: "a file operation",
  },
  {
    family: "path-traversal",
    language: "javascript",
    callees: fsCallees(JS_FS_TWO_PATHS),
    args: [0, 1],
    label: "a file operation",
  },
  {
    family: "path-traversal",
    language: "python",
    callees: [
      "open",
      "io.open",
      "codecs.open",
      "os.open",
      "os.remove",
      "os.unlink",
      "os.rmdir",
      "os.removedirs",
      "os.makedirs",
      "os.mkdir",
      "os.listdir",
      "os.scandir",
      "shutil.rmtree",
      "aiofiles.open",
      "flask.send_file",
      "send_file",
      "starlette.responses.FileResponse",
      "fastapi.responses.FileResponse",
    ],
    args: [0],
    named: ["file", "path"],
    label: "a file operation",
  },
  {
    family: "path-traversal",
    language: "python",
    callees: [
      "os.rename",
      "os.replace",
      "os.symlink",
      "os.link",
      "shutil.copy",
      "shutil.copyfile",
      "shutil.copy2",
      "shutil.copytree",
      "shutil.move",
    ],
    args: [0, 1],
    named: ["src", "dst"],
    label: "a file operation",
  },
  {
    family: "path-traversal",
    language: "python",
    callees: PATH_METHODS.flatMap((method) =>
      ["pathlib.Path", "pathlib.PurePath", "anyio.Path", "aiopath.AsyncPath"].map(
        (type) => `${type}.${method}`,
      ),
    ),
    args: ["receiver"],
    label: "a file operation",
  },
  {
    family: "path-traversal",
    language: "python",
    // Methods only path objects have, on a path whose type the module does not show (`DATA_DIR / name`, with
    // DATA_DIR imported from elsewhere).
    callees: ["*.read_text", "*.read_bytes", "*.write_text", "*.write_bytes"],
    args: ["receiver"],
    label: "a file operation",
  },
  // Server-side request forgery.
  {
    family: "ssrf",
    language: "javascript",
    callees: [
      "fetch",
      "node-fetch",
      "undici.fetch",
      "undici.request",
      "axios",
      "axios.get",
      "axios.post",
      "axios.put",
      "axios.patch",
      "axios.delete",
      "axios.head",
      "axios.request",
      "got",
      "got.get",
      "got.post",
      "http.get",
      "http.request",
      "https.get",
      "https.request",
      "needle",
      "superagent.get",
      "ky",
      "ky.get",
    ],
    args: [0],
    label: "an outbound request",
  },
  {
    family: "ssrf",
    language: "python",
    callees: [
      "requests.get",
      "requests.post",
      "requests.put",
      "requests.patch",
      "requests.delete",
      "requests.head",
      "requests.request",
      "requests.Session.*",
      "httpx.get",
      "httpx.post",
      "httpx.put",
      "httpx.delete",
      "httpx.request",
      "httpx.stream",
      "httpx.Client.*",
      "httpx.AsyncClient.*",
      "urllib.request.urlopen",
      "urllib.request.Request",
      "urllib.request.urlretrieve",
      "aiohttp.ClientSession.*",
      "urllib3.PoolManager.*",
    ],
    args: [0],
    named: ["url"],
    label: "an outbound request",
  },
  // Where an unbounded parameter ends up: not a vulnerability on its own (input-validation findings need one).
  {
    family: "input-validation",
    language: "javascript",
    callees: [
      "child_process.execFile",
      "child_process.execFileSync",
      "child_process.spawn",
      "child_process.spawnSync",
      "execa.execa",
      "execa",
      "*.query",
      "*.execute",
      "*.prepare",
      "*.prepare.get",
      "*.prepare.all",
      "*.prepare.run",
      "*.prepare.iterate",
      "dns.*",
      "*.raw",
      "*.exec",
      "*.sendFile",
      "*.redirect",
    ],
    args: [0, 1],
    label: "a command, query or response",
  },
  {
    family: "input-validation",
    language: "python",
    callees: [
      "subprocess.run",
      "subprocess.call",
      "subprocess.check_call",
      "subprocess.check_output",
      "subprocess.Popen",
      "asyncio.create_subprocess_exec",
      "*.execute",
      "*.executemany",
      "*.executescript",
      "*.query",
      "*.raw",
      "*.fetch",
      "*.fetchrow",
      "*.fetchval",
    ],
    args: [0, 1],
    label: "a command or query",
  },
];

/**
 * Calls whose result no longer carries what reached them, for the families named ("all": any). Conversions to
 * numbers end every family; quoting ends the one it quotes for.
 */
export const SANITIZERS: ReadonlyArray<{
  callees: readonly string[];
  families: ReadonlyArray<Family> | "all";
}> = [
  {
    callees: [
      "parseInt",
      "parseFloat",
      "Number.parseInt",
      "Number.parseFloat",
      "Math.trunc",
      "Math.ceil",
      "Math.min",
      "Math.max",
      "hashlib.md5",
      "crypto.randomUUID",
      "Number",
      "Math.floor",
      "Math.round",
      "Boolean",
      "int",
      "float",
      "bool",
      "len",
      "uuid.UUID",
      "hashlib.sha256",
      "crypto.createHash",
    ],
    families: "all",
  },
  {
    callees: [
      "shlex.quote",
      "pipes.quote",
      "shell-quote.quote",
      "shellEscape",
      "shell-escape",
      "escapeShellArg",
    ],
    families: ["command-injection"],
  },
  {
    callees: [
      "encodeURIComponent",
      "urllib.parse.quote",
      "urllib.parse.quote_plus",
      "urllib.parse.urlencode",
      "querystring.escape",
    ],
    families: ["ssrf", "path-traversal", "command-injection"],
  },
  {
    callees: [
      "path.basename",
      "os.path.basename",
      "werkzeug.utils.secure_filename",
      "secure_filename",
      "sanitize-filename",
    ],
    families: ["path-traversal"],
  },
  {
    callees: ["JSON.parse", "json.loads", "json.load", "ast.literal_eval", "yaml.safe_load"],
    families: ["code-injection"],
  },
];

/** Calls that resolve `..` and links out of a path: after one, a prefix check means containment. */
export const RESOLVING_CALLS =
  /(?:^|\.)(?:resolve|realpath|realpathSync|abspath|normpath|normalize|relative|absolute|canonicalize|relpath)$/;
/** Methods that test containment of a resolved path: the heart of a path-traversal guard. */
export const CONTAINMENT_CALLS =
  /(?:^|\.)(?:startsWith|startswith|is_relative_to|relative_to|commonpath|commonprefix|isAbsolute)$/;
/** Methods that test membership in a fixed set: an allow-list. */
export const MEMBERSHIP_CALLS = /(?:^|\.)(?:has|includes|indexOf|some|hasOwnProperty|__contains__)$/;
/** Type and format checks that constrain a value to digits, identifiers or a parsed form. */
export const VALIDATION_CALLS =
  /(?:^|\.)(?:isInteger|isSafeInteger|isFinite|isdigit|isdecimal|isnumeric|isalnum|isalpha|isidentifier|isUUID|isValidName|validate_name|is_valid_(?:name|id|identifier))$/;
/** Functions that match a pattern against a value: a validation when the pattern is anchored. */
export const PATTERN_CALLS = /(?:^|\.)(?:test|match|fullmatch|search|exec)$/;

/** Whether `qualified` is one of `callees` (`a.*`: any method of a; `*.m`: method m of anything). */
export function matchesCallee(callees: readonly string[], qualified: string): boolean {
  for (const callee of callees) {
    if (callee === qualified) return true;
    if (callee.endsWith(".*") && qualified.startsWith(callee.slice(0, -1))) return true;
    if (callee.startsWith("*.") && qualified.endsWith(callee.slice(1))) return true;
  }
  return false;
}

/** Sinks by language and qualified callee, in SINKS order: a scan meets the same few thousand callees again and again. */
const sinksByCallee = new Map<string, readonly SinkSpec[]>();
const MAX_CACHED_CALLEES = 50_000;

/** The sinks a call of `qualified` may be, in the order SINKS lists them (the first is the call's own family). */
export function sinksFor(language: Language, qualified: string): readonly SinkSpec[] {
  const key = `${language}\u0000${qualified}`;
  let found = sinksByCallee.get(key);
  if (!found) {
    found = SINKS.filter((sink) => sink.language === language && matchesCallee(sink.callees, qualified));
    if (sinksByCallee.size >= MAX_CACHED_CALLEES) sinksByCallee.clear();
    sinksByCallee.set(key, found);
  }
  return found;
}
