// Reads a policy document from a request body: JSON, or YAML for people who write policies by hand.
import { parse as parseYaml } from "yaml";
import { GatewayError } from "../errors.ts";
import { readBoundedBody } from "../proxy/request-checks.ts";

/** A policy document is small; anything larger is a mistake. */
const MAX_POLICY_BYTES = 256 * 1024;

export async function readPolicyBody(request: Request): Promise<unknown> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const yaml = type === "application/yaml" || type === "application/x-yaml" || type === "text/yaml";
  if (type !== "application/json" && !yaml) {
    throw new GatewayError(
      415,
      "unsupported_media_type",
      "Send the policy as application/json or application/yaml.",
    );
  }
  const bytes = await readBoundedBody(request, MAX_POLICY_BYTES);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new GatewayError(400, "bad_request", "The policy must be UTF-8 text.");
  }
  try {
    return yaml ? parseYaml(text, { maxAliasCount: 100 }) : JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new GatewayError(
      400,
      "bad_request",
      `The policy is not valid ${yaml ? "YAML" : "JSON"}: ${detail}`,
    );
  }
}
