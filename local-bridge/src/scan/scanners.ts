// What a scan of files can look for (`--scanners`, the config's `scanners`): a module of its own so the scan
// workers can read the list without the command-line parser.
export const SCANNERS = ["secrets", "code", "dependencies", "containers"] as const;
export type Scanner = (typeof SCANNERS)[number];
export const ALL_SCANNERS: ReadonlySet<Scanner> = new Set(SCANNERS);
export const SCANNERS_ERROR = "must list secrets, code, dependencies or containers, separated by commas";
