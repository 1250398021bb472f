// Turns zod validation failures at the API edge into one 400 error that names each bad field.
import type { ZodError } from "zod";
import { GatewayError } from "../errors.ts";

const WHERE: Record<string, string> = { json: "body", query: "query parameter", param: "path parameter" };

export function describeIssues(error: ZodError, target: string) {
  return error.issues.map((issue) => ({
    location: WHERE[target] ?? target,
    field: issue.path.join(".") || null,
    message: issue.message,
  }));
}

/** The defaultHook of every OpenAPIHono sub-app. */
export function validationHook(result: { success: boolean; error?: ZodError; target: string }): void {
  if (result.success || !result.error) return;
  const issues = describeIssues(result.error, result.target);
  const summary = issues
    .map((issue) =>
      issue.field
        ? `${issue.location} '${issue.field}' ${issue.message}`
        : `${issue.location}: ${issue.message}`,
    )
    .join("; ");
  throw new GatewayError(400, "validation_failed", `Invalid request: ${summary}.`, { details: issues });
}
