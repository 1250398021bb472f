// Container images as `docker save` writes them (manifest.json) or as an OCI image layout (index.json and blobs):
// the config (user, environment, exposed ports), every layer applied in order with whiteouts honoured, the final
// filesystem's files scanned for secrets and tool vulnerabilities, and its OS packages (dpkg, apk) matched against
// advisories for their distribution release.

import { type UnpackedFile, unpackArchive } from "../../archive/unpack.ts";
import { detectSecrets } from "../../detectors/detect.ts";
import { analyzeSources, isSourceFile } from "../code/code-analyzer.ts";
import { type AdvisorySource, type PackageOccurrence, vulnerable } from "../deps/dependency-analyzer.ts";
import { type InstalledPackage, matchAll } from "../deps/osv.ts";
import { looksBinary, MAX_SCANNED_FILE_BYTES, skipByPath } from "../file-selection.ts";
import type { Detected } from "../finding.ts";
import { ruleInfo } from "../rule-catalog.ts";
import { maskSecret, scanTextForSecrets } from "../secret-scan.ts";

/** How much of a layer is unpacked: layers of real images hold tens of thousands of files. */
const LAYER_LIMITS = {
  maxFiles: 200_000,
  maxFileBytes: 64 * 1024 * 1024,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
  maxExpansionRatio: 1_000,
};
const SECRET_NAME =
  /(?:pass(?:word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)/i;

export interface ImageResult {
  detected: Detected[];
  notes: string[];
  stats: { layers: number; files: number; packages: number };
}

/** Whether an unpacked archive is an image: docker save's manifest.json, or an OCI layout. */
export function isImageArchive(files: readonly UnpackedFile[]): boolean {
  return files.some((file) => file.path === "manifest.json" || file.path === "oci-layout");
}

interface ImageParts {
  config: ImageConfig;
  layers: Uint8Array[];
  tag: string | null;
}

interface ImageConfig {
  config?: { User?: string; Env?: string[]; ExposedPorts?: Record<string, unknown> };
}

const decoder = new TextDecoder();
const json = (bytes: Uint8Array | undefined): unknown =>
  bytes ? JSON.parse(decoder.decode(bytes)) : undefined;

/** The image's config and layers, from docker save's manifest or the OCI index. */
function readParts(files: readonly UnpackedFile[]): ImageParts {
  const byPath = new Map(files.map((file) => [file.path, file.bytes]));
  const blob = (digest: string) => byPath.get(`blobs/${digest.replace(":", "/")}`);
  const manifest = json(byPath.get("manifest.json")) as
    | Array<{ Config?: string; Layers?: string[]; RepoTags?: string[] }>
    | undefined;
  if (Array.isArray(manifest) && manifest[0]?.Config) {
    const image = manifest[0];
    const layers = (image.Layers ?? []).map((path) => byPath.get(path));
    if (layers.some((layer) => layer === undefined))
      throw new Error("manifest.json names a layer the archive does not hold");
    return {
      config: json(byPath.get(image.Config as string)) as ImageConfig,
      layers: layers as Uint8Array[],
      tag: image.RepoTags?.[0] ?? null,
    };
  }
  // OCI: index.json → (an index →) a manifest → config and layers, all blobs by digest.
  let descriptor = (
    json(byPath.get("index.json")) as
      | { manifests?: Array<{ digest: string; annotations?: Record<string, string> }> }
      | undefined
  )?.manifests?.[0];
  const tag = descriptor?.annotations?.["org.opencontainers.image.ref.name"] ?? null;
  for (let depth = 0; descriptor && depth < 3; depth++) {
    const node = json(blob(descriptor.digest)) as {
      manifests?: Array<{ digest: string }>;
      config?: { digest: string };
      layers?: Array<{ digest: string }>;
    };
    if (node?.manifests) {
      descriptor = node.manifests[0];
      continue;
    }
    if (node?.config) {
      const layers = (node.layers ?? []).map((layer) => blob(layer.digest));
      if (layers.some((layer) => layer === undefined))
        throw new Error("the OCI manifest names a blob the archive does not hold");
      return { config: json(blob(node.config.digest)) as ImageConfig, layers: layers as Uint8Array[], tag };
    }
    break;
  }
  throw new Error("neither manifest.json (docker save) nor an OCI index with a manifest was found");
}

/** Applies the layers in order: `.wh.NAME` removes NAME below, `.wh..wh..opq` empties its directory below. */
async function flatten(layers: readonly Uint8Array[], notes: string[]): Promise<Map<string, Uint8Array>> {
  const fs = new Map<string, Uint8Array>();
  for (const [index, layer] of layers.entries()) {
    const unpacked = await unpackArchive(layer, { ...LAYER_LIMITS, maxArchiveBytes: layer.byteLength + 1 });
    if (unpacked.skipped.length > 0)
      notes.push(
        `layer ${index + 1}: ${unpacked.skipped.length} entries skipped (links, special files, oversized)`,
      );
    for (const file of unpacked.files) {
      const slash = file.path.lastIndexOf("/");
      const dir = slash === -1 ? "" : file.path.slice(0, slash + 1);
      const name = file.path.slice(slash + 1);
      if (name === ".wh..wh..opq") {
        for (const path of fs.keys()) if (path.startsWith(dir)) fs.delete(path);
      } else if (name.startsWith(".wh.")) {
        const gone = `${dir}${name.slice(4)}`;
        for (const path of fs.keys()) if (path === gone || path.startsWith(`${gone}/`)) fs.delete(path);
      }
    }
    for (const file of unpacked.files) {
      const name = file.path.slice(file.path.lastIndexOf("/") + 1);
      if (!name.startsWith(".wh.")) fs.set(file.path, file.bytes);
    }
  }
  return fs;
}

/** The distribution release OSV names (`Debian:12`, `Ubuntu:22.04`, `Alpine:v3.20`), from /etc/os-release. */
export function osRelease(text: string): string | null {
  const field = (key: string) => new RegExp(`^${key}="?([^"\\n]*)"?$`, "m").exec(text)?.[1] ?? "";
  const id = field("ID").toLowerCase();
  const version = field("VERSION_ID");
  if (id === "debian") return version ? `Debian:${version.split(".")[0]}` : "Debian";
  if (id === "ubuntu") return version ? `Ubuntu:${version}` : "Ubuntu";
  if (id === "alpine") return version ? `Alpine:v${version.split(".").slice(0, 2).join(".")}` : "Alpine";
  return null;
}

/** Installed packages from dpkg's status file (by source package, as Debian's advisories name them) or apk's db. */
export function osPackages(path: string, text: string, ecosystem: string): PackageOccurrence[] {
  const out: PackageOccurrence[] = [];
  let line = 1;
  for (const paragraph of text.split(/\n\n+/)) {
    const field = (key: string) => new RegExp(`^${key}:\\s*(.*)$`, "m").exec(paragraph)?.[1]?.trim();
    if (path.endsWith("dpkg/status")) {
      const name = field("Package");
      const version = field("Version");
      const installed = /\binstalled\b/.test(field("Status") ?? "");
      const source = field("Source");
      // `Source: openssl (3.0.11-1)`: the source package, with its own version when it differs.
      const sourceName = source?.split(/\s+/)[0];
      const sourceVersion = /\(([^)]+)\)/.exec(source ?? "")?.[1];
      if (name && version && installed) {
        out.push({
          ecosystem,
          name: sourceName ?? name,
          version: sourceVersion ?? version,
          direct: null,
          dev: false,
          line,
        });
      }
    } else {
      const name = field("P");
      const version = field("V");
      if (name && version)
        out.push({ ecosystem, name: field("o") ?? name, version, direct: null, dev: false, line });
    }
    line += paragraph.split("\n").length + 1;
  }
  return out;
}

/** Everything an image archive holds that a scan reports. `name` is how the report names the archive. */
export async function analyzeImage(
  name: string,
  files: readonly UnpackedFile[],
  options: { advisories: AdvisorySource | null },
): Promise<ImageResult> {
  const notes: string[] = [];
  const parts = readParts(files);
  const detected: Detected[] = [];
  const at = (path: string) => `${name}!/${path}`;
  const config = parts.config.config ?? {};

  // The config: who the container runs as, what its environment carries, what it exposes.
  const configFinding = (
    ruleId: string,
    what: string,
    identity: string,
    match: string,
    severity?: Detected["severity"],
  ) => {
    const rule = ruleInfo(ruleId);
    detected.push({
      ruleId,
      severity: severity ?? rule.severity,
      title: rule.title,
      description: `${what} ${rule.summary}`,
      detection: rule.detection,
      owasp: [...rule.owasp],
      cwe: [...rule.cwe],
      location: { type: "file", path: at("config"), line: 1, column: 1 },
      match,
      remediation: rule.remediation,
      identity,
    });
  };
  const user = (config.User ?? "").split(":")[0] ?? "";
  if (user === "" || user === "root" || user === "0") {
    configFinding(
      "container-root-user",
      `The image${parts.tag ? ` ${parts.tag}` : ""} runs as root${user ? "" : " (no user set)"}.`,
      "user",
      `User: ${config.User || "(unset)"}`,
      user ? "high" : "medium",
    );
  }
  for (const entry of config.Env ?? []) {
    const eq = entry.indexOf("=");
    const key = eq === -1 ? entry : entry.slice(0, eq);
    const value = eq === -1 ? "" : entry.slice(eq + 1);
    if (value !== "" && (detectSecrets(value).length > 0 || SECRET_NAME.test(key))) {
      configFinding(
        "container-secret-in-env",
        `The image's environment sets ${key} to a credential.`,
        `env:${key}`,
        `${key}=${maskSecret(value)}`,
      );
    }
  }
  if (Object.keys(config.ExposedPorts ?? {}).some((port) => /^22(?:\/tcp)?$/.test(port))) {
    configFinding(
      "container-ssh-port",
      "The image exposes port 22 (SSH).",
      "expose:22",
      "ExposedPorts: 22/tcp",
    );
  }

  // The filesystem the container starts with.
  const fs = await flatten(parts.layers, notes);
  let scanned = 0;
  const sources = new Map<string, string>();
  for (const [path, bytes] of fs) {
    if (skipByPath(path) || bytes.byteLength > MAX_SCANNED_FILE_BYTES || looksBinary(bytes)) continue;
    // Documentation and package metadata shipped by the distribution are not the image's own secrets.
    if (/^(?:usr\/share\/(?:doc|man|info|locale|zoneinfo)|var\/lib\/(?:dpkg|apt|apk)|lib\/apk)\//.test(path))
      continue;
    scanned++;
    const text = decoder.decode(bytes);
    detected.push(...scanTextForSecrets(at(path), text));
    if (isSourceFile(path)) sources.set(at(path), text);
  }

  detected.push(...analyzeSources(sources));

  // OS packages against their distribution's advisories.
  const release = fs.get("etc/os-release") ?? fs.get("usr/lib/os-release");
  const ecosystem = release ? osRelease(decoder.decode(release)) : null;
  const databases = ["var/lib/dpkg/status", "lib/apk/db/installed"].filter((path) => fs.has(path));
  let packages = 0;
  if (ecosystem && databases.length > 0) {
    const occurrences = databases.flatMap((path) =>
      osPackages(path, decoder.decode(fs.get(path)), ecosystem).map((pkg) => ({ path, pkg })),
    );
    packages = occurrences.length;
    if (options.advisories) {
      const installed: InstalledPackage[] = occurrences.map(({ pkg }) => ({
        ecosystem,
        name: pkg.name,
        version: pkg.version ?? "",
      }));
      const results = matchAll(await options.advisories.advisoriesFor(installed), installed);
      results.forEach((result, i) => {
        const occurrence = occurrences[i];
        if (!occurrence) return;
        for (const match of result.matches)
          detected.push(vulnerable(at(occurrence.path), occurrence.pkg, match));
      });
    } else {
      notes.push(
        `${packages} OS ${packages === 1 ? "package" : "packages"} (${ecosystem}) not checked against advisories`,
      );
    }
  } else if (databases.length > 0) {
    notes.push("the image's distribution is not one whose advisories Helmet reads (Debian, Ubuntu, Alpine)");
  }
  return { detected, notes, stats: { layers: parts.layers.length, files: scanned, packages } };
}
