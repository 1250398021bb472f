// Starts the stack the end-to-end tests share: the gateway under `wrangler dev` and server-everything, both on
// 127.0.0.1, and stops both when the run ends. Set HELMET_E2E_VERBOSE=1 to see their output.
import type { TestProject } from "vitest/node";
import { startEverything, startGateway } from "../support/local-stack.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the gateway, e.g. http://127.0.0.1:41234. */
    gatewayUrl: string;
    /** The HS256 secret the gateway verifies tokens with. */
    jwtSecret: string;
    /** server-everything's Streamable HTTP endpoint, as the gateway should reach it. */
    everythingUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const echoOutput = process.env.HELMET_E2E_VERBOSE === "1";
  const [gateway, everything] = await Promise.allSettled([
    startGateway({ echoOutput }),
    startEverything({ echoOutput }),
  ]);
  const stopAll = async () => {
    await Promise.all(
      [gateway, everything].map((r) => (r.status === "fulfilled" ? r.value.stop() : undefined)),
    );
  };
  if (gateway.status === "rejected" || everything.status === "rejected") {
    await stopAll();
    throw gateway.status === "rejected" ? gateway.reason : (everything as PromiseRejectedResult).reason;
  }
  project.provide("gatewayUrl", gateway.value.url);
  project.provide("jwtSecret", gateway.value.jwtSecret);
  project.provide("everythingUrl", everything.value.url);
  return stopAll;
}
