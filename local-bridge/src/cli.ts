#!/usr/bin/env node
// `helmet`: the local bridge's command line. Exit status 2 means Helmet itself was used wrongly; otherwise it is
// the MCP server's own (for `helmet scan`, 1 means findings at or above --fail-on).
// Each mode is loaded only when used: start-up time is time the MCP client waits for its server.
import module from "node:module";
import { configPath, readConfig, withConfig, writeConfig } from "./config-file.ts";
import { stderrLogger } from "./log.ts";
import { parseInvocation, serverNameOf, USAGE, VERSION } from "./options.ts";

// Node 22 and later keep the bundles' compiled code on disk between runs: start-up is time a client or CI waits for.
module.enableCompileCache?.();

/** The token for `helmet init`: HELMET_SESSION_TOKEN, else the first line of stdin (pasted, or piped). */
async function tokenForInit(): Promise<string> {
  if (process.env.HELMET_SESSION_TOKEN) return process.env.HELMET_SESSION_TOKEN;
  if (process.stdin.isTTY) process.stderr.write("Paste your Helmet API token and press Enter: ");
  let text = "";
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes("\n")) break;
  }
  return text.split("\n")[0]?.trim() ?? "";
}

async function main(): Promise<number> {
  const path = configPath(process.env);
  let env: Record<string, string | undefined>;
  try {
    env = withConfig(process.env, readConfig(path));
  } catch (error) {
    process.stderr.write(`helmet: ${error instanceof Error ? error.message : error}\n`);
    return 2;
  }
  const invocation = parseInvocation(process.argv.slice(2), env);
  switch (invocation.kind) {
    case "help":
      process.stdout.write(USAGE);
      return 0;
    case "version":
      process.stdout.write(`helmet ${VERSION}\n`);
      return 0;
    case "error":
      process.stderr.write(`helmet: ${invocation.message}\n`);
      return 2;
    case "init": {
      const token = await tokenForInit();
      if (!token || /\s/.test(token)) {
        process.stderr.write("helmet: no token given: set HELMET_SESSION_TOKEN or paste it on stdin\n");
        return 2;
      }
      writeConfig(path, { api_url: invocation.options.apiUrl, token });
      process.stderr.write(
        `helmet: saved the API URL ${invocation.options.apiUrl} and your token to ${path}\n`,
      );
      return 0;
    }
    case "scan": {
      // Its own bundle (package.json), as the monitor's: the scan core stays out of the other modes' start-up,
      // which a chunk shared with them would put it in.
      const { runScan } = (await import(
        new URL("./scan/run-scan.js", import.meta.url).href
      )) as typeof import("./scan/run-scan.ts");
      return runScan(invocation.scan);
    }
    case "connect": {
      const log = stderrLogger(invocation.options.logLevel);
      const { runConnect } = await import("./connect.ts");
      return runConnect(invocation.url, { token: env.HELMET_SESSION_TOKEN || null }, log);
    }
    case "serve": {
      const log = stderrLogger(invocation.options.logLevel);
      let monitor = null;
      if (env.HELMET_SESSION_TOKEN) {
        const { Monitor } = (await import(
          new URL("./monitor.js", import.meta.url).href
        )) as typeof import("./monitor.ts");
        const { apiUrl, serverName, onGatewayError } = invocation.options;
        const server = serverName ?? serverNameOf(invocation.command);
        monitor = await Monitor.start(
          { token: env.HELMET_SESSION_TOKEN, apiUrl, server, onGatewayError },
          log,
        );
        if (!monitor) return 1;
      } else {
        log.info("HELMET_SESSION_TOKEN is not set: monitoring and policies are off.");
      }
      const { runServe } = await import("./serve.ts");
      return runServe(
        invocation.command,
        {
          ...invocation.serve,
          token: process.env.HELMET_SERVE_TOKEN || null,
          monitor,
          passEnv: invocation.options.passEnv,
        },
        log,
      );
    }
    case "proxy": {
      const log = stderrLogger(invocation.options.logLevel);
      const { logFile, passEnv, metricsIntervalMs, apiUrl, serverName, onGatewayError } = invocation.options;
      const { runProxy } = await import("./proxy.ts");
      const token = env.HELMET_SESSION_TOKEN;
      if (!token) {
        log.info(
          "HELMET_SESSION_TOKEN is not set: monitoring and policies are off; the server runs as it is.",
        );
        return runProxy(invocation.command, { logFile, passEnv, metricsIntervalMs }, log);
      }
      // Its own bundle (package.json): the policy engine and its zod stay out of the other modes' start-up.
      const { Monitor } = (await import(
        new URL("./monitor.js", import.meta.url).href
      )) as typeof import("./monitor.ts");
      const server = serverName ?? serverNameOf(invocation.command);
      const monitor = await Monitor.start({ token, apiUrl, server, onGatewayError }, log);
      if (!monitor) return 1;
      const status = await runProxy(
        invocation.command,
        { logFile, passEnv, metricsIntervalMs, monitor },
        log,
      );
      // Shipping what is left takes a few seconds at most; a signal meanwhile must not lose it.
      const hold = () => log.info("finishing: shipping or spooling the last events first");
      process.on("SIGTERM", hold);
      process.on("SIGINT", hold);
      await monitor.close();
      return status;
    }
  }
}

const status = await main();
// Let stdout drain before exiting (a piped stdout is asynchronous).
process.stdout.write("", () => process.exit(status));
