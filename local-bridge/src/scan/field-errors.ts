// zod issues as sentences that name the field at fault (`exclude.rules[0] must be a string`), for the scan's
// config file and saved tools files: zod/mini's own messages say only "Invalid input".
import type * as z from "zod/mini";

/** `exclude.rules[0]`, or `the file` for the top level. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "the top level" : out;
}

const A_TYPE: Record<string, string> = {
  array: "a list",
  object: "an object",
  record: "an object",
  string: "a string",
  number: "a number",
  boolean: "true or false",
};

/** One issue as "FIELD what is wrong". */
export function issueText(issue: z.core.$ZodIssue): string {
  const at = fieldPath(issue.path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const keys = issue.keys.map((key) => `"${key}"`).join(", ");
      return `${at === "the top level" ? "" : `${at}: `}unknown field${issue.keys.length > 1 ? "s" : ""} ${keys}`;
    }
    case "invalid_type":
      return `${at} must be ${A_TYPE[issue.expected] ?? issue.expected}`;
    default:
      return `${at} ${issue.message === "Invalid input" ? "is not valid" : issue.message}`;
  }
}

/** Every issue, joined for one line on stderr. */
export function issuesText(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map(issueText).join("; ");
}
