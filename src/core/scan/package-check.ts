// A package as a whole (an upload, or a project directory): manifests that agree with each other (package.json,
// pyproject.toml and the MCP registry's server.json: name, version, entry points that exist), and the marks malware
// leaves: install scripts that fetch and run remote code, obfuscated payloads, executables where none belong.
import { parse as parseToml } from "smol-toml";
import type { Detected } from "./finding.ts";
import { ruleInfo } from "./rule-catalog.ts";

export interface PackageFile {
  /** Relative to the package root, '/'-separated. */
  path: string;
  bytes: Uint8Array;
}

const decoder = new TextDecoder();
const INSTALL_HOOKS = ["preinstall", "install", "postinstall", "prepare", "prepublish"];
/** What an install step should never do: fetch something and run it, or decode and run it. */
const REMOTE_RUN =
  /\b(?:curl|wget|Invoke-WebRequest|iwr)\b[^;&|]*(?:\||;|&&)\s*(?:sudo\s+)?(?:ba|z)?sh\b|\b(?:curl|wget)\b.*\b(?:sh|bash|node|python3?)\b|https?:\/\/\S+.*\b(?:eval|exec|Function)\b|\bnode\s+-e\b.*\b(?:https?|require\(["']child_process)|\bbase64\s+(?:-d|--decode)\b|\beval\s*\(|\bFunction\s*\(\s*atob/;
const SETUP_NETWORK =
  /\b(?:urllib\.request|urlopen|requests\.(?:get|post)|http\.client|socket\.socket|subprocess\.\w+\([^)]*(?:curl|wget))/;
const EXECUTABLE_MAGIC: Array<{ name: string; bytes: number[] }> = [
  { name: "an ELF executable (Linux)", bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { name: "a PE executable (Windows)", bytes: [0x4d, 0x5a] },
  { name: "a Mach-O executable (macOS)", bytes: [0xcf, 0xfa, 0xed, 0xfe] },
  { name: "a Mach-O executable (macOS)", bytes: [0xce, 0xfa, 0xed, 0xfe] },
  { name: "a Mach-O universal binary (macOS)", bytes: [0xca, 0xfe, 0xba, 0xbe] },
];
/** Where compiled code legitimately lives in JS and Python packages. */
const NATIVE_PLACES =
  /(?:^|\/)(?:prebuilds|build\/Release|bin\/(?:linux|darwin|win32)|\.libs|lib\/native)\/|\.(?:node|so|pyd|dylib|dll)$/;

function finding(
  ruleId: string,
  path: string,
  line: number,
  what: string,
  match: string,
  identity: string,
): Detected {
  const rule = ruleInfo(ruleId);
  return {
    ruleId,
    severity: rule.severity,
    title: rule.title,
    description: `${what} ${rule.summary}`,
    detection: rule.detection,
    owasp: [...rule.owasp],
    cwe: [...rule.cwe],
    location: { type: "file", path, line, column: 1 },
    match: match.length > 200 ? `${match.slice(0, 200)}…` : match,
    remediation: rule.remediation,
    identity,
  };
}

function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  return at === -1 ? 1 : text.slice(0, at).split("\n").length;
}

interface Manifest {
  path: string;
  name?: string;
  version?: string;
  ecosystem: "npm" | "pypi";
}

/** The package's findings. Files are the package's, relative to its root (uploads may hold one top folder). */
export function checkPackage(files: readonly PackageFile[]): Detected[] {
  const out: Detected[] = [];
  const present = new Set(files.map((file) => file.path));
  const manifests: Manifest[] = [];

  for (const file of files) {
    const name = file.path.slice(file.path.lastIndexOf("/") + 1);
    const dir = file.path.slice(0, file.path.length - name.length);
    if (name === "package.json" && !file.path.includes("node_modules/")) {
      const text = decoder.decode(file.bytes);
      let manifest: Record<string, unknown>;
      try {
        manifest = JSON.parse(text) as Record<string, unknown>;
      } catch (error) {
        out.push(
          finding(
            "package-manifest-invalid",
            file.path,
            1,
            `${file.path} is not valid JSON (${(error as Error).message}).`,
            text.slice(0, 80),
            "json",
          ),
        );
        continue;
      }
      manifests.push({
        path: file.path,
        name: str(manifest.name),
        version: str(manifest.version),
        ecosystem: "npm",
      });
      const scripts = (manifest.scripts ?? {}) as Record<string, unknown>;
      for (const hook of INSTALL_HOOKS) {
        const command = str(scripts[hook]);
        if (command && REMOTE_RUN.test(command)) {
          out.push(
            finding(
              "package-install-script",
              file.path,
              lineOf(text, `"${hook}"`),
              `The ${hook} script fetches or decodes code and runs it at install time: \`${command}\`.`,
              `"${hook}": ${JSON.stringify(command)}`,
              `${hook}:${command}`,
            ),
          );
        }
      }
      // Built output (dist/, build/) is missing from a source package that builds it: only a package with no
      // build step must ship its entry points.
      const builds = Object.keys(scripts).some((script) =>
        /^(?:build|prepare|prepack|compile|tsc)$/.test(script),
      );
      for (const entry of builds ? [] : entryPoints(manifest)) {
        const resolved = normalise(`${dir}${entry}`);
        if (
          !present.has(resolved) &&
          !present.has(`${resolved}.js`) &&
          !present.has(`${resolved}/index.js`)
        ) {
          out.push(
            finding(
              "package-manifest-invalid",
              file.path,
              lineOf(text, entry),
              `${file.path} names ${entry} as an entry point, and the package has no such file.`,
              entry,
              `entry:${entry}`,
            ),
          );
        }
      }
    } else if (name === "pyproject.toml") {
      const text = decoder.decode(file.bytes);
      try {
        const project = (parseToml(text) as { project?: { name?: unknown; version?: unknown } }).project;
        manifests.push({
          path: file.path,
          name: str(project?.name),
          version: str(project?.version),
          ecosystem: "pypi",
        });
      } catch (error) {
        out.push(
          finding(
            "package-manifest-invalid",
            file.path,
            1,
            `${file.path} is not valid TOML (${(error as Error).message.split("\n")[0]}).`,
            text.slice(0, 80),
            "toml",
          ),
        );
      }
    } else if (name === "setup.py") {
      const text = decoder.decode(file.bytes);
      const network = SETUP_NETWORK.exec(text);
      if (network) {
        out.push(
          finding(
            "package-install-script",
            file.path,
            lineOf(text, network[0]),
            "setup.py reaches the network when the package is installed.",
            network[0],
            `setup:${network[0]}`,
          ),
        );
      }
    }
  }

  // The MCP registry's server.json must describe the package it ships with.
  for (const file of files.filter(
    (f) => f.path.endsWith("server.json") && !f.path.includes("node_modules/"),
  )) {
    const text = decoder.decode(file.bytes);
    let server: {
      name?: unknown;
      version?: unknown;
      packages?: Array<{
        registryType?: unknown;
        registry_name?: unknown;
        identifier?: unknown;
        name?: unknown;
        version?: unknown;
      }>;
    };
    try {
      server = JSON.parse(text);
    } catch {
      continue;
    }
    if (!Array.isArray(server.packages)) continue;
    for (const pkg of server.packages) {
      const registry = str(pkg.registryType) ?? str(pkg.registry_name);
      const identifier = str(pkg.identifier) ?? str(pkg.name);
      const ecosystem = registry === "npm" ? "npm" : registry === "pypi" ? "pypi" : null;
      const manifest = manifests.find((m) => m.ecosystem === ecosystem);
      if (!ecosystem || !manifest || !identifier) continue;
      if (manifest.name && normaliseName(manifest.name) !== normaliseName(identifier)) {
        out.push(
          finding(
            "package-manifest-mismatch",
            file.path,
            lineOf(text, `"${identifier}"`),
            `server.json publishes ${registry} package ${identifier}, but ${manifest.path} is ${manifest.name}.`,
            identifier,
            `name:${identifier}:${manifest.name}`,
          ),
        );
      }
      const version = str(pkg.version);
      if (version && manifest.version && version !== manifest.version) {
        out.push(
          finding(
            "package-manifest-mismatch",
            file.path,
            lineOf(text, `"${identifier}"`),
            `server.json says version ${version}, but ${manifest.path} says ${manifest.version}.`,
            version,
            `version:${version}:${manifest.version}`,
          ),
        );
      }
    }
  }

  for (const file of files) {
    const kind = EXECUTABLE_MAGIC.find((magic) => magic.bytes.every((byte, i) => file.bytes[i] === byte));
    if (kind && !NATIVE_PLACES.test(file.path) && !file.path.includes("node_modules/")) {
      out.push(
        finding(
          "package-unexpected-binary",
          file.path,
          1,
          `${file.path} is ${kind.name} in a source package.`,
          file.path,
          `binary:${file.path}`,
        ),
      );
    } else if (/\.(?:[cm]?js|py)$/.test(file.path) && file.bytes.byteLength > 2_000) {
      const reason = obfuscation(decoder.decode(file.bytes));
      if (reason)
        out.push(
          finding(
            "package-obfuscated-code",
            file.path,
            1,
            `${file.path} ${reason}.`,
            file.path,
            `obfuscated:${file.path}`,
          ),
        );
    }
  }
  return out;
}

/** Why a script looks obfuscated, or null: a long encoded blob handed to an evaluator, or obfuscator-made names. */
export function obfuscation(text: string): string | null {
  const blob = /["'`]([A-Za-z0-9+/=]{2000,}|(?:\\x[0-9a-f]{2}){500,})["'`]/i.exec(text);
  if (blob && /\b(?:eval|Function|exec|compile|atob|b64decode|fromCharCode|Buffer\.from)\b/.test(text)) {
    return "holds a long encoded blob and code that decodes or evaluates it";
  }
  const mangled = text.match(/\b_0x[0-9a-f]{4,6}\b/g)?.length ?? 0;
  if (mangled >= 20) return `uses ${mangled} obfuscator-made names (_0x…)`;
  return null;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

function normalise(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts.join("/");
}

/** The files package.json says run: main, bin (string or map) and string exports. */
function entryPoints(manifest: Record<string, unknown>): string[] {
  const out: string[] = [];
  const add = (value: unknown) => {
    if (typeof value === "string" && !value.includes("*")) out.push(value);
  };
  add(manifest.main);
  if (typeof manifest.bin === "object" && manifest.bin !== null) Object.values(manifest.bin).forEach(add);
  else add(manifest.bin);
  if (typeof manifest.exports === "string") add(manifest.exports);
  return out;
}
