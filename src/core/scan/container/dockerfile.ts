// Dockerfiles: the instructions as Docker reads them (continuations, comments, the escape directive, heredocs,
// stages), then the rules: the final stage running as root, unpinned or `latest` base images, secrets in ENV and
// ARG, ADD from a URL, piping a download into a shell, unpinned package installs, sudo, SSH exposed, and no
// HEALTHCHECK. Findings point at the instruction's first line.
import { detectSecrets } from "../../detectors/detect.ts";
import type { Detected } from "../finding.ts";
import { ruleInfo } from "../rule-catalog.ts";
import { maskSecret } from "../secret-scan.ts";
import { ignoredRules } from "../suppression.ts";

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, ENV... */
  keyword: string;
  /** The arguments, continuation lines joined with a space; a heredoc's body follows after a newline. */
  args: string;
  /** 1-based line where it starts. */
  line: number;
  /** Index of the build stage it belongs to (0 for instructions before the first FROM, which are ARGs). */
  stage: number;
}

/** Whether a file is a Dockerfile by its name: Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*. */
export function isDockerfile(path: string): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  // Dockerfile.prod is one; Dockerfile.md documents one.
  if (/\.(?:md|txt|rst|adoc|json|ya?ml|bak|orig|swp)$/.test(name)) return false;
  return (
    /^(?:dockerfile|containerfile)(?:\.[\w.-]+)?$/.test(name) || /\.(?:dockerfile|containerfile)$/.test(name)
  );
}

/** The instructions of a Dockerfile, in order. */
export function parseDockerfile(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  // `# escape=`` ` as a parser directive (before any instruction) changes the continuation character.
  let escapeChar = "\\";
  for (const line of lines) {
    const directive = /^#\s*escape\s*=\s*(\S)\s*$/i.exec(line);
    if (directive) escapeChar = directive[1] as string;
    else if (!/^#\s*\w+\s*=/.test(line)) break;
  }
  const out: Instruction[] = [];
  let stage = 0;
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i] as string;
    if (/^\s*(?:#|$)/.test(first)) continue;
    const start = i;
    let joined = first.trimEnd();
    // Continuations: comment lines inside a continued instruction are dropped, as Docker does.
    while (joined.endsWith(escapeChar) && i + 1 < lines.length) {
      joined = joined.slice(0, -1);
      i++;
      const next = lines[i] as string;
      if (/^\s*#/.test(next)) {
        joined += escapeChar;
        continue;
      }
      joined += ` ${next.trim()}`;
    }
    const match = /^\s*(\w+)\s*(.*)$/s.exec(joined);
    if (!match) continue;
    const keyword = (match[1] as string).toUpperCase();
    let args = (match[2] as string).trim();
    // Heredocs: `RUN <<EOF` … `EOF` (and `<<-EOF`, quoted delimiters).
    for (const heredoc of args.matchAll(/<<-?\s*["']?(\w+)["']?/g)) {
      const delimiter = heredoc[1] as string;
      const body: string[] = [];
      while (i + 1 < lines.length && (lines[i + 1] as string).trim() !== delimiter)
        body.push(lines[++i] as string);
      i++;
      args += `\n${body.join("\n")}`;
    }
    if (keyword === "FROM") stage++;
    out.push({ keyword, args, line: start + 1, stage });
  }
  return out;
}

const SECRET_NAME =
  /(?:pass(?:word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth[_-]?key)/i;
const PIPE_TO_SHELL =
  /\b(?:curl|wget)\b[^|;&]*\|\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b|\b(?:curl|wget)\b[^|;&]*\|\s*(?:sudo\s+)?(?:python3?|perl|ruby|node)\b/;
const SHELL_WORD = /"[^"]*"|'[^']*'|\S+/g;

/** The key/value pairs of `ENV a=1 b="two words"` or the legacy `ENV a 1`. */
function assignments(args: string): Array<{ name: string; value: string | null }> {
  const words = args.match(SHELL_WORD) ?? [];
  if (words.length > 0 && !words[0]?.includes("=")) {
    return [{ name: words[0] as string, value: words.length > 1 ? unquote(words.slice(1).join(" ")) : null }];
  }
  return words.map((word) => {
    const eq = word.indexOf("=");
    return eq === -1
      ? { name: word, value: null }
      : { name: word.slice(0, eq), value: unquote(word.slice(eq + 1)) };
  });
}

function unquote(value: string): string {
  return /^(["']).*\1$/s.test(value) ? value.slice(1, -1) : value;
}

/** Packages an install command names without a version, by installer. */
function unpinnedInstalls(command: string): string[] {
  const out: string[] = [];
  for (const segment of command.split(/&&|\|\||;|\n/)) {
    const words = segment.trim().split(/\s+/);
    const at = (re: RegExp) => words.findIndex((word) => re.test(word));
    let packages: string[] = [];
    let pinned: (name: string) => boolean = () => true;
    const apt = at(/^(?:apt-get|apt)$/);
    const apk = at(/^apk$/);
    const pip = at(/^(?:pip3?|python3?)$/);
    const npm = at(/^(?:npm|pnpm|yarn)$/);
    if (apt !== -1 && words[apt + 1] === "install") {
      packages = words.slice(apt + 2);
      pinned = (name) => name.includes("=");
    } else if (apk !== -1 && words[apk + 1] === "add") {
      packages = words.slice(apk + 2);
      pinned = (name) => name.includes("=");
    } else if (pip !== -1 && words.includes("install")) {
      packages = words.slice(words.indexOf("install") + 1);
      // A requirements file, a local path or a wheel carries its own pins.
      if (packages.some((word) => /^-(?:r|c|e)$|^--(?:requirement|constraint|editable)/.test(word)))
        packages = [];
      pinned = (name) => /===?|@|^\.|\/|\.whl$/.test(name);
    } else if (
      npm !== -1 &&
      /^(?:install|i|add)$/.test(words[npm + 1] ?? "") &&
      words.some((w) => /^(?:-g|--global)$/.test(w))
    ) {
      packages = words.slice(npm + 2);
      pinned = (name) => /.@\S/.test(name);
    }
    for (const word of packages) {
      if (word.startsWith("-") || word.startsWith("$") || word === "" || word === "\\") continue;
      if (!pinned(word)) out.push(word);
    }
  }
  return out;
}

/** The findings in one Dockerfile. `path` is as the report shows it. */
export function analyzeDockerfile(path: string, text: string): Detected[] {
  const instructions = parseDockerfile(text);
  const lines = text.split(/\r?\n/);
  const out: Detected[] = [];
  const report = (
    ruleId: string,
    instruction: Instruction,
    what: string,
    identity: string,
    severity?: Detected["severity"],
    shown?: string,
  ) => {
    const rule = ruleInfo(ruleId);
    const source = lines[instruction.line - 1] ?? "";
    const suppressed = ignoredRules(lines[instruction.line - 2], source).matches(ruleId);
    // The evidence never carries a credential: a line with one shows only its instruction.
    const evidence = shown ?? (detectSecrets(source).length > 0 ? `${instruction.keyword} …` : source.trim());
    out.push({
      ruleId,
      severity: severity ?? rule.severity,
      title: rule.title,
      description: `${what} ${rule.summary}`,
      detection: rule.detection,
      owasp: [...rule.owasp],
      cwe: [...rule.cwe],
      location: { type: "file", path, line: instruction.line, column: 1 },
      match: evidence.length > 200 ? `${evidence.slice(0, 200)}…` : evidence,
      remediation: rule.remediation,
      identity,
      ...(suppressed ? { suppressed } : {}),
    });
  };

  const stages = new Set<string>();
  const finalStage = instructions.reduce((max, instruction) => Math.max(max, instruction.stage), 0);
  let lastUser: Instruction | null = null;
  let healthcheck = false;
  let lastFrom: Instruction | null = null;
  for (const instruction of instructions) {
    const { keyword, args } = instruction;
    const final = instruction.stage === finalStage;
    switch (keyword) {
      case "FROM": {
        lastFrom = instruction;
        const words = args.split(/\s+/).filter((word) => !word.startsWith("--"));
        const image = words[0] ?? "";
        const alias = /^as$/i.test(words[1] ?? "") ? words[2] : undefined;
        if (image && image !== "scratch" && !stages.has(image.toLowerCase()) && !image.includes("$")) {
          const name = image.split("@")[0] as string;
          const tag = /:([^/:]+)$/.exec(name)?.[1];
          if (!image.includes("@") && (tag === undefined || tag === "latest")) {
            report(
              "container-unpinned-base",
              instruction,
              `The base image ${image} is ${tag === "latest" ? "the moving `latest` tag" : "untagged (that means `latest`)"}.`,
              `base:${image}`,
            );
          }
        }
        if (alias) stages.add(alias.toLowerCase());
        break;
      }
      case "USER":
        if (final) lastUser = instruction;
        break;
      case "HEALTHCHECK":
        if (final) healthcheck = true;
        break;
      case "ENV":
      case "ARG":
        for (const { name, value } of assignments(args)) {
          const literal = value !== null && value !== "" && !/^\$\{?\w+\}?$/.test(value);
          const token = value !== null && detectSecrets(value).length > 0;
          if (token || (SECRET_NAME.test(name) && literal)) {
            report(
              "container-secret-in-env",
              instruction,
              `${keyword} ${name} sets a credential in the image${token ? " (a provider token)" : ""}.`,
              `${keyword}:${name}`,
              "high",
              `${keyword} ${name}=${maskSecret(value ?? "")}`,
            );
          } else if (SECRET_NAME.test(name)) {
            report(
              "container-secret-in-env",
              instruction,
              `${keyword} ${name} passes a credential as a ${keyword === "ARG" ? "build argument" : "variable"}.`,
              `${keyword}:${name}`,
              "medium",
            );
          }
        }
        break;
      case "ADD": {
        const words = args.split(/\s+/);
        const url = words.find((word) => /^https?:\/\//i.test(word));
        if (url && !words.some((word) => word.startsWith("--checksum="))) {
          report(
            "container-add-url",
            instruction,
            `ADD fetches ${url} with nothing checking what arrives.`,
            `add:${url}`,
          );
        }
        break;
      }
      case "RUN": {
        if (PIPE_TO_SHELL.test(args)) {
          report(
            "container-pipe-to-shell",
            instruction,
            "A downloaded script is piped straight into an interpreter.",
            `pipe:${args.slice(0, 120)}`,
          );
        }
        const unpinned = unpinnedInstalls(args);
        if (unpinned.length > 0) {
          report(
            "container-unpinned-packages",
            instruction,
            `Installed without a version: ${unpinned.slice(0, 8).join(", ")}${unpinned.length > 8 ? `, and ${unpinned.length - 8} more` : ""}.`,
            `install:${unpinned.join(",")}`,
          );
        }
        if (/(?:^|[\s;&|(])sudo\s/.test(args))
          report("container-sudo", instruction, "RUN uses sudo.", `sudo:${instruction.line}`);
        break;
      }
      case "EXPOSE":
        if (/(?:^|\s)22(?:\/tcp)?(?:\s|$)/.test(args))
          report("container-ssh-port", instruction, "The image exposes port 22 (SSH).", "expose:22");
        break;
      default:
        break;
    }
  }
  if (lastFrom) {
    const user = lastUser?.args.trim().split(":")[0];
    if (!lastUser) {
      report(
        "container-root-user",
        lastFrom,
        "The final stage sets no USER, so the container runs as root.",
        "user:none",
        "medium",
      );
    } else if (user === "root" || user === "0") {
      report("container-root-user", lastUser, "The final stage switches to root last.", "user:root", "high");
    }
    if (!healthcheck)
      report("container-no-healthcheck", lastFrom, "The final stage has no HEALTHCHECK.", "healthcheck");
  }
  return out.sort((a, b) =>
    a.location.type === "file" && b.location.type === "file" ? a.location.line - b.location.line : 0,
  );
}
