// Run by tree-scans.ts in a process of its own: where the CLI's time goes besides start-up and the report.
// local-bridge's scanFiles (walk, reads, decoding, core) twice, cold then warm; the walk alone; a plain read of the
// same files (readFileSync), the I/O floor; and that read loop with scanTextForSecrets on each file, the same scan
// without the async reads. Prints one JSON line on stdout.
// Usage: node scan-files-child.ts ROOT EXCLUDES_JSON FILE_LIST
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import ignore from "ignore";
import { scanFiles } from "../../local-bridge/src/scan/file-scan.ts";
import { walkFiles } from "../../local-bridge/src/scan/file-walk.ts";
import { scanTextForSecrets } from "../../src/core/scan/secret-scan.ts";

/** Secret findings only: the loop below runs the secret scan alone, and the comparison is between like and like. */
const secretsOf = (detected: ReadonlyArray<{ ruleId: string }>) =>
  detected.filter((finding) => finding.ruleId.startsWith("secret-")).length;

const [root, excludesJson, listFile] = process.argv.slice(2);
if (!root || !excludesJson || !listFile)
  throw new Error("usage: scan-files-child.ts ROOT EXCLUDES_JSON FILE_LIST");
const excludes = JSON.parse(excludesJson) as string[];

const t0 = performance.now();
const cold = await scanFiles(root, excludes);
const t1 = performance.now();
const warm = await scanFiles(root, excludes);
const t2 = performance.now();
let walked = 0;
for (const _ of walkFiles({
  root: realpathSync(root),
  exclude: ignore().add(excludes),
  skip: () => {},
}))
  walked++;
const t3 = performance.now();
let chars = 0;
const paths = readFileSync(listFile, "utf8").split("\n").filter(Boolean);
for (const path of paths) chars += readFileSync(join(root, path), "utf8").length;
const t4 = performance.now();
let syncFindings = 0;
for (const path of paths)
  syncFindings += scanTextForSecrets(path, readFileSync(join(root, path), "utf8")).length;
const t5 = performance.now();

process.stdout.write(
  `${JSON.stringify({
    coldMs: t1 - t0,
    warmMs: t2 - t1,
    walkMs: t3 - t2,
    readFloorMs: t4 - t3,
    syncScanMs: t5 - t4,
    syncFindings,
    files: warm.files,
    bytes: warm.bytes,
    findings: secretsOf(warm.detected),
    coldFindings: secretsOf(cold.detected),
    walked,
    read: paths.length,
    chars,
  })}\n`,
);
