// The source files of a project, so a tool handler's input can be followed into helpers other modules export:
// `import { runGit } from "./tools/git.js"`, `from .tools import run_git`, `import * as git from "./git"`. Modules
// are parsed only when an entry module or an import needs them.
import type { FunctionIR, ImportBinding, ModuleIR } from "./code-ir.ts";
import { FunctionTable } from "./function-table.ts";
import { lowerJavaScript } from "./lower-js.ts";
import { lowerPython } from "./lower-python.ts";
import { type ExternalFunction, TaintAnalysis } from "./taint.ts";

const JS_FILE = /\.(?:[cm]?[jt]sx?)$/i;
const PY_FILE = /\.pyi?$/i;
const JS_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

export function lowerSource(path: string, text: string): ModuleIR | null {
  if (PY_FILE.test(path)) return lowerPython(path, text);
  if (JS_FILE.test(path)) return lowerJavaScript(path, text);
  return null;
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

function directoryOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}

export class SourceProject {
  readonly #paths: ReadonlySet<string>;
  readonly #read: (path: string) => string | undefined;
  readonly #modules = new Map<string, ModuleIR | null>();
  readonly #analyses = new Map<string, TaintAnalysis>();
  /** Python modules by their dotted tail (`tools/git.py` → `tools.git`, `git`), for absolute imports. */
  readonly #pythonByTail = new Map<string, string[]>();

  /**
   * `paths`: every source file of the project (as reports show them); `read` gives a file's text when an import
   * needs it (from memory, or from disk in the CLI), undefined when it cannot.
   */
  constructor(paths: Iterable<string>, read: (path: string) => string | undefined) {
    this.#paths = new Set(paths);
    this.#read = read;
    for (const path of this.#paths) {
      if (!PY_FILE.test(path)) continue;
      const parts = path.replace(/(?:\/__init__)?\.pyi?$/i, "").split("/");
      for (let i = 0; i < parts.length; i++) {
        const tail = parts.slice(i).join(".");
        this.#pythonByTail.set(tail, [...(this.#pythonByTail.get(tail) ?? []), path]);
      }
    }
  }

  module(path: string): ModuleIR | null {
    if (!this.#modules.has(path)) {
      const text = this.#paths.has(path) ? this.#read(path) : undefined;
      this.#modules.set(path, text === undefined ? null : lowerSource(path, text));
    }
    return this.#modules.get(path) ?? null;
  }

  /** The taint analysis of a module, resolving its imports of the project's other modules. */
  analysis(path: string): TaintAnalysis | null {
    const known = this.#analyses.get(path);
    if (known) return known;
    const module = this.module(path);
    if (!module) return null;
    const bindings = new Map(module.imports.map((binding) => [binding.local, binding]));
    const analysis = new TaintAnalysis({
      module,
      functions: new FunctionTable(module),
      imports: new Map(module.imports.map((binding) => [binding.local, binding.qualified])),
      resolveImport: (local, member) => {
        const binding = bindings.get(local);
        return binding ? this.#exported(module, binding, member) : null;
      },
    });
    this.#analyses.set(path, analysis);
    return analysis;
  }

  /** The function an import names in another module of the project, or null. */
  #exported(from: ModuleIR, binding: ImportBinding, member: string | null): ExternalFunction | null {
    const source = binding.source;
    if (!source) return null;
    const target =
      from.language === "python" ? this.#pythonModule(from.path, source) : this.#jsModule(from.path, source);
    if (!target || target === from.path) return null;
    const name = binding.imported === "*" || binding.imported === "default" ? member : binding.imported;
    if (!name) return null;
    const analysis = this.analysis(target);
    const fn: FunctionIR | null =
      analysis?.ctx.functions.resolve({ kind: "name", name, line: 0 }, null) ?? null;
    return fn && analysis ? { fn, analysis } : null;
  }

  /** `./tools/git.js` from `src/index.ts` → `src/tools/git.ts` (or .js, or a folder's index). */
  #jsModule(from: string, source: string): string | null {
    if (!source.startsWith(".")) return null;
    const base = normalise(`${directoryOf(from)}/${source}`).replace(/\.(?:[cm]?[jt]sx?)$/i, "");
    for (const candidate of [
      ...JS_EXTENSIONS.map((extension) => `${base}${extension}`),
      ...JS_EXTENSIONS.map((extension) => `${base}/index${extension}`),
    ]) {
      if (this.#paths.has(candidate)) return candidate;
    }
    return null;
  }

  /** `.tools` (relative) or `pkg.tools` (absolute, matched by its tail) → the file that defines it. */
  #pythonModule(from: string, source: string): string | null {
    const dots = /^\.*/.exec(source)?.[0].length ?? 0;
    const name = source.slice(dots);
    if (dots > 0) {
      let dir = directoryOf(from);
      for (let i = 1; i < dots; i++) dir = directoryOf(dir);
      const base = name ? `${dir ? `${dir}/` : ""}${name.replaceAll(".", "/")}` : dir;
      for (const candidate of [`${base}.py`, `${base}/__init__.py`])
        if (this.#paths.has(candidate)) return candidate;
      return null;
    }
    const matches = this.#pythonByTail.get(name) ?? [];
    // Several files share the tail (`utils.py` in two packages): the one nearest the importer.
    return matches.toSorted((a, b) => sharedPrefix(b, from) - sharedPrefix(a, from))[0] ?? null;
  }
}

function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}
