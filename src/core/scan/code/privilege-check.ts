// Privilege escalation in a server's code (CWE-250, CWE-269, CWE-732): becoming root, giving files to everyone,
// refusing to run unless root, and commands that raise privileges (sudo, docker --privileged). These are findings
// whatever input reaches them: the server runs with more power than its tools need.
import { dottedName, type Expr, type ModuleIR, type Stmt } from "./code-ir.ts";
import { type CallExpr, matchesCallee, SINKS } from "./sinks.ts";
import { visitExpressions } from "./tool-entries.ts";

export interface PrivilegeHit {
  line: number;
  /** What was seen, in a sentence fragment: "sets its user id to 0 (root)". */
  what: string;
  severity: "high" | "medium";
}

const SET_IDS = /(?:^|\.)(?:setuid|setgid|seteuid|setegid|setreuid|setregid|setresuid|setresgid)$/;
const CHMOD = /(?:^|\.)(?:chmod|chmodSync|fchmod|fchmodSync|lchmod|lchmodSync)$/;
const GET_IDS = /(?:^|\.)(?:geteuid|getuid|getgid|getegid)$/;
const CHOWN = /(?:^|\.)(?:chown|chownSync|lchown|lchownSync|fchown|fchownSync)$/;
const RAISING_COMMAND =
  /(?:^|[\s;&|`'"(])sudo\s|\bsu\s+-c\b|\bsu\s+root\b|--privileged\b|\bchmod\s+(?:-R\s+)?(?:[0-7]?[0-7][0-7][2367]|[ao]\+w)\b|\bsetcap\s/;

/** Calls that look a key up rather than run anything. */
const LOOKUP =
  /(?:^|\.)(?:get|getattr|getenv|pop|setdefault|has|hasattr|includes|index|count|startswith|endswith|startsWith|endsWith)$/;

function literalNumber(expr: Expr | undefined): number | null {
  if (expr?.kind !== "literal") return null;
  const text = expr.text.replace(/_/g, "");
  const value = /^0o[0-7]+$/i.test(text)
    ? Number.parseInt(text.slice(2), 8)
    : /^0[0-7]+$/.test(text)
      ? Number.parseInt(text, 8)
      : Number(text);
  return Number.isFinite(value) ? value : null;
}

/** A mode anyone may write: the "other" write bit, as a number or `stat.S_IWOTH`/`S_IRWXO` in the expression. */
function worldWritable(expr: Expr | undefined): boolean {
  if (!expr) return false;
  const value = literalNumber(expr);
  if (value !== null) return (value & 0o002) !== 0;
  if (expr.kind === "string") return /^[0-7]?[0-7][0-7][2367]$/.test(expr.value);
  let found = false;
  const visit = (e: Expr) => {
    const name = dottedName(e);
    if (name && /(?:^|\.)(?:S_IWOTH|S_IRWXO)$/.test(name)) found = true;
    // `mode & ~S_IRWXO` takes the bits away.
    if (e.kind === "compose" && e.op !== "~") e.parts.forEach(visit);
  };
  visit(expr);
  return found;
}

/** The literal text of a command argument: strings, templates' literal parts, arrays joined with spaces. */
function commandText(expr: Expr | undefined): string {
  if (!expr) return "";
  if (expr.kind === "string") return expr.value;
  if (expr.kind === "array" || expr.kind === "compose")
    return (expr.kind === "array" ? expr.items : expr.parts).map(commandText).join(" ");
  return "";
}

/** Calls that run a command: every command-injection sink, whether or not a shell is involved. */
function runsCommand(qualified: string): boolean {
  return SINKS.some((sink) => sink.family === "command-injection" && matchesCallee(sink.callees, qualified));
}

/** The module's top-level constants by dotted name (`PERMS.file` from `const PERMS = { file: 0o666 }`). */
function moduleConstants(module: ModuleIR): Map<string, Expr> {
  const constants = new Map<string, Expr>();
  const add = (name: string, value: Expr) => {
    constants.set(name, value);
    if (value.kind === "object")
      for (const entry of value.entries) if (entry.key) add(`${name}.${entry.key}`, entry.value);
  };
  for (const stmt of module.body) {
    const target = stmt.kind === "assign" ? stmt.targets[0] : undefined;
    if (stmt.kind === "assign" && target?.kind === "name") add(target.name, stmt.value);
  }
  return constants;
}

export function privilegeHits(module: ModuleIR, qualify: (callee: Expr) => string): PrivilegeHit[] {
  const hits: PrivilegeHit[] = [];
  const constants = moduleConstants(module);
  const resolve = (expr: Expr): Expr => {
    const name = expr.kind === "name" || expr.kind === "member" ? dottedName(expr) : null;
    return (name ? constants.get(name) : undefined) ?? expr;
  };
  visitExpressions(module.body, (expr) => {
    // `["sudo", …]`, `spawn("sudo", …)`, `["run", "--privileged", …]`: raising privileges, however the command is run.
    // Not a lookup by that name: `options.get("sudo")` reads a setting.
    const items =
      expr.kind === "array"
        ? expr.items
        : expr.kind === "call" && !LOOKUP.test(dottedName(expr.callee) ?? "")
          ? expr.args
          : [];
    const first = items[0];
    if (first?.kind === "string" && /^(?:sudo|doas|pkexec)$/.test(first.value)) {
      hits.push({ line: expr.line, what: `runs a command as root (${first.value})`, severity: "high" });
      return;
    }
    if (
      expr.kind === "array" &&
      items.some((item) => item.kind === "string" && item.value === "--privileged")
    ) {
      hits.push({ line: expr.line, what: "starts a privileged container (--privileged)", severity: "high" });
      return;
    }
    if (expr.kind !== "call") return;
    const call: CallExpr = expr;
    const name = qualify(call.callee);
    if (SET_IDS.test(name) && call.args.some((arg) => literalNumber(resolve(arg)) === 0)) {
      hits.push({
        line: call.line,
        what: `sets its user or group id to 0 (root) with ${name}()`,
        severity: "high",
      });
    } else if (
      CHOWN.test(name) &&
      call.args
        .slice(1)
        .some((arg) => literalNumber(resolve(arg)) === 0 || (arg.kind === "string" && arg.value === "root"))
    ) {
      hits.push({ line: call.line, what: `gives a file to root with ${name}()`, severity: "high" });
    } else if (CHMOD.test(name) && modesOf(call, name).map(resolve).some(worldWritable)) {
      hits.push({
        line: call.line,
        what: `makes a file writable by every user with ${name}()`,
        severity: "medium",
      });
    } else if (runsCommand(name)) {
      const text = [...call.args, ...Object.values(call.named)].map(commandText).join(" ");
      if (RAISING_COMMAND.test(` ${text}`)) {
        const what = /sudo|su\s/.test(text)
          ? "runs a command as root (sudo)"
          : /--privileged/.test(text)
            ? "starts a privileged container"
            : "grants broad permissions from a command";
        hits.push({ line: call.line, what: `${what} with ${name}()`, severity: "high" });
      }
    }
  });
  // `if os.geteuid() != 0: sys.exit(…)`: the server insists on running as root.
  const visitIfs = (stmts: readonly Stmt[]) => {
    for (const stmt of stmts) {
      if (
        stmt.kind === "if" &&
        comparesIdToZero(stmt.test, qualify) &&
        (endsWithExit(stmt.consequent) || endsWithExit(stmt.alternate))
      )
        hits.push({ line: stmt.line, what: "refuses to run unless it is root", severity: "high" });
      if (stmt.kind === "if") {
        visitIfs(stmt.consequent);
        visitIfs(stmt.alternate);
      } else if (stmt.kind === "function") visitIfs(stmt.fn.body);
      else if (stmt.kind === "block" || stmt.kind === "class" || stmt.kind === "loop") visitIfs(stmt.body);
    }
  };
  visitIfs(module.body);
  // One finding a line: `run(["sudo", …])` is both a command call and an array starting with sudo.
  const seen = new Set<number>();
  return hits.filter((hit) => !seen.has(hit.line) && seen.add(hit.line));
}

/** The mode arguments of a chmod: after the path, or the first for a path object's method. */
function modesOf(call: CallExpr, name: string): Expr[] {
  const positional = /^(?:pathlib|anyio|aiopath)\./.test(name) ? call.args : call.args.slice(1);
  return call.named.mode ? [...positional, call.named.mode] : positional;
}

function comparesIdToZero(test: Expr, qualify: (callee: Expr) => string): boolean {
  if (test.kind !== "compose" || test.op === null || !/^(?:===|!==|==|!=)$/.test(test.op)) return false;
  const [left, right] = test.parts;
  const isIdCall = (e: Expr | undefined) => e?.kind === "call" && GET_IDS.test(qualify(e.callee));
  return (isIdCall(left) && literalNumber(right) === 0) || (isIdCall(right) && literalNumber(left) === 0);
}

function endsWithExit(stmts: readonly Stmt[]): boolean {
  return stmts.some((stmt) => stmt.kind === "exit");
}
