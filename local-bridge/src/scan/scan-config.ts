// `helmet scan --config FILE`: paths not to read and rules to suppress, a default --fail-on, --format,
// --advisories and --scanners, and the licences dependencies may carry. Validated strictly, so a misspelt field or
// rule id is an error that names it rather than an exclusion silently not made.
import { readFile } from "node:fs/promises";
import * as z from "zod/mini";
import { RULES } from "../../../src/core/scan/rule-catalog.ts";
import { issuesText } from "./field-errors.ts";
import { FAIL_ON, FAIL_ON_ERROR, FORMAT_ERROR, SCAN_FORMATS } from "./scan-options.ts";
import { SCANNERS, SCANNERS_ERROR } from "./scanners.ts";

const configSchema = z.strictObject({
  exclude: z.optional(
    z.strictObject({
      /** .gitignore-style patterns, relative to the scanned directory (the paths the report shows). */
      paths: z.optional(z.array(z.string().check(z.minLength(1, "must be a non-empty pattern")))),
      rules: z.optional(
        z.array(
          z.string().check(
            z.refine((id) => RULES.has(id), {
              error: (issue) =>
                `(${JSON.stringify(issue.input)}) is not a rule id Helmet knows: copy it from a report's RULE column or ruleId field`,
            }),
          ),
        ),
      ),
    }),
  ),
  failOn: z.optional(z.enum(FAIL_ON, { error: FAIL_ON_ERROR })),
  format: z.optional(z.enum(SCAN_FORMATS, { error: FORMAT_ERROR })),
  /** Where dependency advisories come from: "osv", "offline" or an OSV snapshot file (relative to the config). */
  advisories: z.optional(z.string().check(z.minLength(1, "must be osv, offline or an OSV snapshot file"))),
  /** What a file scan looks for (all four unless set); the --scanners flag wins. */
  scanners: z.optional(
    z.array(z.enum(SCANNERS, { error: SCANNERS_ERROR })).check(z.minLength(1, SCANNERS_ERROR)),
  ),
  /** SPDX licence ids dependencies may carry (replaces the default list). */
  licenses: z.optional(
    z.strictObject({ allow: z.array(z.string().check(z.minLength(1, "must be an SPDX licence id"))) }),
  ),
});

export type ScanConfig = z.infer<typeof configSchema>;

const MAX_CONFIG_BYTES = 1024 * 1024;

/** The config file, or a message for `helmet: ` that says what to fix. */
export async function loadScanConfig(path: string): Promise<{ config: ScanConfig } | { error: string }> {
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_CONFIG_BYTES)
      return { error: `--config ${path} is over 1 MiB: is it the right file?` };
    text = bytes.toString("utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : String(error);
    return { error: `cannot read --config ${path}: ${why}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `--config ${path} is not valid JSON: ${error instanceof Error ? error.message : error}` };
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) return { error: `--config ${path}: ${issuesText(parsed.error.issues)}` };
  return { config: parsed.data };
}
