// Helmet's SARIF validated against the SARIF 2.1.0 JSON schema as Microsoft publishes it (@microsoft/jest-sarif),
// in Node: the schema is draft-04 and read from node_modules, neither of which the workerd tests can do.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { toSarif } from "../../src/core/scan/formats/sarif.ts";
import { emptyReport, hostileReport } from "../core/scan-report-fixture.ts";

const schemaPath = createRequire(import.meta.url).resolve(
  "@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json",
);
const schema: object = JSON.parse(readFileSync(schemaPath, "utf8"));

// unicodeRegExp off: the 2.1.0 schema's `language` pattern has a stray `]` that only non-Unicode regexes accept
// (fixed in the 2.1.0 errata).
const ajv = new Ajv({ allErrors: true, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

function problems(log: unknown): string[] {
  return validate(log) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe("SARIF schema", () => {
  it("is the SARIF 2.1.0 schema", () => {
    expect(schema).toMatchObject({ title: expect.stringContaining("SARIF) Version 2.1.0") });
  });

  it.each([
    ["files", hostileReport()],
    ["a saved tools file", hostileReport({ kind: "tools", name: "saved/tools list.json" })],
    ["a server", hostileReport({ kind: "server", name: "evil-server" })],
    ["nothing found", emptyReport()],
  ])("accepts the log of a scan of %s", (_name, report) => {
    expect(problems(toSarif(report))).toEqual([]);
  });

  it("rejects what GitHub would, so the check is live", () => {
    const log = toSarif(hostileReport());
    const broken = structuredClone(log);
    const result = broken.runs[0].results[0];
    const region = broken.runs[0].results[1]?.locations[0]?.physicalLocation?.region;
    if (!result || !region) throw new Error("fixture changed");
    result.level = "fatal" as "error";
    region.startLine = 0;
    expect(problems(broken)).toEqual(
      expect.arrayContaining([
        expect.stringContaining("/runs/0/results/0/level"),
        expect.stringContaining("/runs/0/results/1/locations/0/physicalLocation/region/startLine"),
      ]),
    );
  });
});
