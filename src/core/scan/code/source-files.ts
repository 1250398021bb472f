// Which files the code analyzer reads, and which of them can hold a finding: kept apart from the analyzer so a scan
// worker can tell without loading the parsers.
import { KeywordMatcher } from "../../detectors/keyword-matcher.ts";

/** Source files larger than this are not parsed (generated bundles, vendored code). */
export const MAX_SOURCE_BYTES = 512 * 1024;

const JS_FILE = /\.(?:[cm]?[jt]sx?)$/i;
const PY_FILE = /\.pyi?$/i;

/** Whether the code analyzer reads a file of this name. */
export function isSourceFile(path: string): boolean {
  return (JS_FILE.test(path) && !/\.d\.[cm]?ts$/i.test(path)) || PY_FILE.test(path);
}

/**
 * Whether `text` can hold a finding at all: a tool or resource registration (the only ways input enters) or a privilege
 * pattern. Most files of a repository hold neither and are not parsed. One pass of a keyword automaton: a regex
 * of alternatives with no common literal would try each at every character.
 */
export function mayHaveFindings(text: string): boolean {
  // The automaton ignores case (`fetchModule` holds "chmod"); the few files it lets through are checked exactly.
  return MARKERS.scan(text).found.some((hit) => hit === 1) && EXACT.test(text);
}

const EXACT =
  /\.tool\b|registerTool|setRequestHandler|addTool|add_tool|register_tool|define_tool|call_tool|tools\/call|\.resource\b|registerResource|set(?:e|re|res)?[ug]id|chmod|chown|sudo|doas|pkexec|--privileged|setcap|get(?:e)?[ug]id|\bsu\s/;

/** What every tool registration and every privilege pattern privilege-check.ts reads contains. */
const MARKERS = new KeywordMatcher([
  [
    ".tool",
    "registertool",
    "setrequesthandler",
    "addtool",
    "add_tool",
    "register_tool",
    "define_tool",
    "call_tool",
    "tools/call",
    ".resource",
    "registerresource",
  ],
  ["setuid", "setgid", "seteuid", "setegid", "setreuid", "setregid", "setresuid", "setresgid"],
  ["getuid", "geteuid", "getgid", "getegid"],
  ["chmod", "chown", "setcap", "sudo", "doas", "pkexec", "--privileged", "su -c", "su root"],
]);
