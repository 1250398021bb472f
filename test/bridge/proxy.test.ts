// Proxy mode end to end: the official SDK client spawns `helmet <server command>` (the built CLI, on Node 20 when
// the machine has it) and talks to real stdio servers through it.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cliEnv, HELMET_CLI, helmetNode } from "./helmet-cli.ts";

const run = promisify(execFile);
const EVERYTHING = fileURLToPath(
  new URL("../../node_modules/@modelcontextprotocol/server-everything/dist/index.js", import.meta.url),
);
const NOISY = fileURLToPath(new URL("../fixtures/noisy-stdio-server.ts", import.meta.url));

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** An SDK client talking to `helmet [flags] <server...>`; Helmet's stderr is collected. */
async function connect(server: string[], flags: string[] = [], env: Record<string, string> = {}) {
  const transport = new StdioClientTransport({
    command: helmetNode(),
    args: [HELMET_CLI, ...flags, ...server],
    env: cliEnv(env),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: "bridge-test", version: "1.0.0" });
  await client.connect(transport);
  clients.push(client);
  return { client, stderr: () => stderr };
}

/** Runs the CLI to completion and returns its exit status and output. */
async function helmet(args: string[], env: Record<string, string> = {}, input?: string) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(helmetNode(), [HELMET_CLI, ...args], {
      env: cliEnv(env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    // Bytes are decoded once at the end: a character split across chunks stays whole.
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("close", (status) =>
      resolve({
        status,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      }),
    );
    if (input !== undefined) child.stdin.end(input);
  });
}

describe("helmet <command>: proxy mode", () => {
  it("relays tools, progress and results between the SDK client and server-everything", async () => {
    const { client, stderr } = await connect([process.execPath, EVERYTHING, "stdio"]);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(["echo", "get-sum"]));
    expect(await client.callTool({ name: "echo", arguments: { message: "through helmet" } })).toMatchObject({
      content: [{ type: "text", text: "Echo: through helmet" }],
    });
    const progress: number[] = [];
    await client.callTool(
      { name: "trigger-long-running-operation", arguments: { duration: 0.6, steps: 3 } },
      undefined,
      { onprogress: (update) => progress.push(update.progress) },
    );
    // The last notification and the result leave the server together; the SDK client may settle the call first
    // and drop that notification. The earlier ones arrive, in order, while the call is pending.
    expect(progress.slice(0, 2)).toEqual([1, 2]);
    expect((await client.listPrompts()).prompts.length).toBeGreaterThan(0);
    expect(stderr()).toContain("monitoring and policies are off");
    await client.close();
    // The last interval's figures are logged when the session ends.
    await vi.waitFor(() => expect(stderr()).toMatch(/metrics \(\d+ s\): \d+ calls, 0 errors, p50 [\d.]+ ms/));
  });

  it("relays resources and a sampling round trip the server starts mid-call", async () => {
    const transport = new StdioClientTransport({
      command: helmetNode(),
      args: [HELMET_CLI, process.execPath, EVERYTHING, "stdio"],
      env: cliEnv(),
      stderr: "pipe",
    });
    const client = new Client({ name: "bridge-test", version: "1.0.0" }, { capabilities: { sampling: {} } });
    const asked: string[] = [];
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      const first = request.params.messages[0]?.content;
      asked.push(first && "text" in first ? String(first.text) : "");
      return { role: "assistant", content: { type: "text", text: "forty-two" }, model: "bridge-test" };
    });
    await client.connect(transport);
    clients.push(client);
    const { resources } = await client.listResources();
    expect(resources.length).toBeGreaterThan(0);
    const read = await client.readResource({ uri: resources[0]?.uri ?? "" });
    expect(read.contents.length).toBeGreaterThan(0);
    const sampled = await client.callTool({
      name: "trigger-sampling-request",
      arguments: { prompt: "six times seven" },
    });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain("six times seven");
    expect(JSON.stringify(sampled.content)).toContain("forty-two");
  });

  it("relays a 10 MiB message each way, multi-byte characters intact", async () => {
    // A bare line-echoing server: the reference servers' own stdio readers are too slow for 10 MiB lines.
    const echo =
      "let b='';process.stdin.setEncoding('utf8');process.stdin.on('data',d=>{b+=d;let i;" +
      "while((i=b.indexOf('\\n'))>=0){const m=JSON.parse(b.slice(0,i));b=b.slice(i+1);" +
      "process.stdout.write(JSON.stringify({jsonrpc:'2.0',id:m.id,result:{text:m.params.text}})+'\\n')}})";
    const text = "é".repeat(5 * 1024 * 1024);
    const request = `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "big", params: { text } })}\n`;
    const result = await helmet([process.execPath, "-e", echo], {}, request);
    expect(result.status).toBe(0);
    const answer = JSON.parse(result.stdout.trim()) as { id: number; result: { text: string } };
    expect(answer.id).toBe(1);
    expect(answer.result.text === text).toBe(true);
  });

  it("drops what a server prints to stdout that is not protocol, logs it redacted, and keeps the session", async () => {
    const { client, stderr } = await connect([process.execPath, NOISY]);
    expect(await client.callTool({ name: "shout", arguments: { text: "hi" } })).toMatchObject({
      content: [{ type: "text", text: "HI" }],
    });
    expect(await client.callTool({ name: "shout", arguments: { text: "again" } })).toMatchObject({
      content: [{ type: "text", text: "AGAIN" }],
    });
    expect(stderr()).toContain('not JSON (27 chars): "noisy server v1 starting up"');
    expect(stderr()).toContain("debug: shouting hi with token [REDACTED:");
    expect(stderr()).not.toContain("ghp_0123456789");
  });

  it("writes every message, redacted, to --log-file as NDJSON", async () => {
    const logFile = join(mkdtempSync(join(tmpdir(), "helmet-log-")), "protocol.ndjson");
    const { client } = await connect([process.execPath, EVERYTHING, "stdio"], ["--log-file", logFile]);
    await client.callTool({
      name: "echo",
      arguments: { message: "key ghp_0123456789abcdefghijABCDEFGHIJ012345" },
    });
    // A secret under a secret-looking key is withheld too, whatever it looks like.
    await client.callTool({
      name: "echo",
      arguments: { message: "x", password: "correct horse battery staple" },
    });
    await client.close();
    const entries = readFileSync(logFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { direction: string; message: { method?: string } });
    expect(entries[0]).toMatchObject({ direction: "client_to_server", message: { method: "initialize" } });
    expect(entries.some((entry) => entry.direction === "server_to_client")).toBe(true);
    const text = readFileSync(logFile, "utf8");
    expect(text).toContain("[REDACTED:");
    expect(text).not.toContain("ghp_0123456789");
    expect(text).not.toContain("correct horse");
  });

  it("gives the server the environment without any HELMET_ variable", async () => {
    const script =
      "process.stderr.write('ENV=' + JSON.stringify(Object.keys(process.env).filter(k => /^(HELMET_|KEEP_ME)/.test(k))))";
    const result = await helmet([process.execPath, "-e", script], {
      KEEP_ME: "1",
      HELMET_LOG_LEVEL: "INFO",
      HELMET_SOMETHING_ELSE: "x",
    });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('ENV=["KEEP_ME"]');
  });

  it("exits with the server's exit status, or 128 + its signal", async () => {
    expect((await helmet([process.execPath, "-e", "process.exit(3)"])).status).toBe(3);
    expect((await helmet([process.execPath, "-e", "process.kill(process.pid, 'SIGKILL')"])).status).toBe(137);
    const missing = await helmet(["/nonexistent/mcp-server"]);
    expect(missing.status).toBe(127);
    expect(missing.stderr).toContain("cannot start /nonexistent/mcp-server");
  });

  it("stops a server that ignores the end of its input: SIGTERM 2 s after the client closes stdin", async () => {
    const started = Date.now();
    const result = await helmet([process.execPath, "-e", "setInterval(() => {}, 1000)"], {}, "");
    expect(result.status).toBe(143);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  });
  it("does not hang when the server exits but something it started still holds stdout", async () => {
    // sh exits once its input ends, leaving a background sleep that holds the pipe.
    const started = Date.now();
    const result = await helmet(["sh", "-c", "sleep 300 & cat > /dev/null"], {}, "");
    expect(result.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("forwards SIGTERM to the server's whole process group, leaving no orphan behind an npx-style chain", async () => {
    // helmet -> sh -> node: the grandchild reports its pid, then waits forever.
    const child = spawn(
      helmetNode(),
      [
        HELMET_CLI,
        "sh",
        "-c",
        `${process.execPath} -e "console.error('PID=' + process.pid); setInterval(() => {}, 1000)"`,
      ],
      { env: cliEnv(), stdio: ["pipe", "pipe", "pipe"] },
    );
    let stderr = "";
    const grandchild = await new Promise<number>((resolve) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /PID=(\d+)/.exec(stderr);
        if (match) resolve(Number(match[1]));
      });
    });
    const closed = new Promise<number | null>((resolve) => child.on("close", (status) => resolve(status)));
    child.kill("SIGTERM");
    expect(await closed).toBe(143);
    const alive = () => {
      try {
        process.kill(grandchild, 0);
        return true;
      } catch {
        return false;
      }
    };
    await vi.waitFor(() => expect(alive()).toBe(false), { timeout: 3_000, interval: 50 });
  });
});

describe("gateway mode with a bundle this helmet cannot read", () => {
  it("fails closed rather than enforce the policies it can read", async () => {
    // A gateway whose bundle holds a policy with a field this version does not know.
    const gateway = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json", etag: '"v1"' });
      if ((req.url ?? "").startsWith("/api/v1/me")) {
        res.end(JSON.stringify({ subject: "u", team: "t", roles: ["member"], claims: {} }));
      } else {
        res.end(
          JSON.stringify({
            server: "s",
            policy_default: "allow",
            version: "v1",
            policies: [
              { name: "future", servers: "*", match: { tool: "x" }, action: "deny", from_the_future: 1 },
            ],
          }),
        );
      }
    });
    await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
    try {
      const apiUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
      const env = {
        HELMET_SESSION_TOKEN: "t",
        HELMET_CACHE_DIR: mkdtempSync(join(tmpdir(), "helmet-cache-")),
      };
      const closed = await helmet(
        ["--api-url", apiUrl, "--server-name", "s", process.execPath, "-e", "0"],
        env,
      );
      expect(closed.status).toBe(1);
      expect(closed.stderr).toContain("holds a policy this helmet cannot read");
    } finally {
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
    }
  });
});

describe("helmet init", () => {
  it("saves the API URL and token (0600), which later runs use when no variable says otherwise", async () => {
    const dir = mkdtempSync(join(tmpdir(), "helmet-config-"));
    const config = join(dir, "helmet", "config.json");
    const saved = await helmet(
      ["init", "--api-url", "http://127.0.0.1:9"],
      { HELMET_CONFIG: config },
      "tok-123\n",
    );
    expect(saved.status).toBe(0);
    expect(JSON.parse(readFileSync(config, "utf8"))).toEqual({
      api_url: "http://127.0.0.1:9",
      token: "tok-123",
    });
    expect(statSync(config).mode & 0o777).toBe(0o600);
    const cache = join(dir, "cache");
    const run = await helmet(["--on-gateway-error", "open", process.execPath, "-e", "0"], {
      HELMET_CONFIG: config,
      HELMET_CACHE_DIR: cache,
    });
    expect(run.stderr).toContain("http://127.0.0.1:9 is unreachable");
    // A variable wins over the file.
    const overridden = await helmet([process.execPath, "-e", "0"], {
      HELMET_CONFIG: config,
      HELMET_CACHE_DIR: cache,
      HELMET_API_URL: "http://127.0.0.1:7",
    });
    expect(overridden.stderr).toContain("http://127.0.0.1:7 is unreachable");
  });

  it("refuses to save no token, and stops on a config file it cannot read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "helmet-config-"));
    const config = join(dir, "config.json");
    const empty = await helmet(["init"], { HELMET_CONFIG: config }, "");
    expect(empty.status).toBe(2);
    expect(empty.stderr).toContain("no token given");
    writeFileSync(config, "{ not json");
    const broken = await helmet([process.execPath, "-e", "0"], { HELMET_CONFIG: config });
    expect(broken.status).toBe(2);
    expect(broken.stderr).toContain("is not valid JSON");
  });
});

describe("helmet's command line", () => {
  it("prints help and version", async () => {
    const help = await run(helmetNode(), [HELMET_CLI, "--help"]);
    expect(help.stdout).toContain("helmet [flags] <command> [args...]");
    expect((await run(helmetNode(), [HELMET_CLI, "--version"])).stdout).toMatch(/^helmet \d+\.\d+\.\d+\n$/);
  });

  it("refuses unknown flags, bad values and a missing command with a clear message and status 2", async () => {
    const cases: Array<[string[], string]> = [
      [["--bogus", "node"], "unknown flag --bogus"],
      [["--log-level", "LOUD", "node"], "--log-level must be INFO or DEBUG"],
      [["--metrics-interval", "soon", "node"], "--metrics-interval must be a duration"],
      [["--api-url", "ftp://x", "node"], "--api-url must be an http(s) URL"],
      [["--log-level"], "--log-level needs a value"],
      [[], "no MCP server command given"],
    ];
    for (const [args, message] of cases) {
      const result = await helmet(args);
      expect(result.status, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(message);
    }
    const fromEnv = await helmet(["node"], { HELMET_LOG_LEVEL: "LOUD" });
    expect(fromEnv.status).toBe(2);
  });

  it("lets a flag win over its variable", async () => {
    // A server that reads its input to the end; at DEBUG, Helmet logs each message it relays.
    const server = [
      process.execPath,
      "-e",
      "process.stdin.resume(); process.stdin.on('end', () => process.exit(0))",
    ];
    const ping = '{"jsonrpc":"2.0","id":1,"method":"ping"}\n';
    const quiet = await helmet(["--log-level", "INFO", ...server], { HELMET_LOG_LEVEL: "DEBUG" }, ping);
    const loud = await helmet(["--log-level=debug", ...server], { HELMET_LOG_LEVEL: "INFO" }, ping);
    expect(quiet.status).toBe(0);
    expect(loud.status).toBe(0);
    expect(quiet.stderr).not.toContain("-> ping");
    expect(loud.stderr).toContain("-> ping");
  });

  it("with a token but no gateway and no cached policies, refuses to start unless told to run open", async () => {
    const cache = mkdtempSync(join(tmpdir(), "helmet-cache-"));
    const env = { HELMET_SESSION_TOKEN: "t", HELMET_CACHE_DIR: cache };
    const unreachable = ["--api-url", "http://127.0.0.1:9"];
    const closed = await helmet([...unreachable, process.execPath, "-e", "0"], env);
    expect(closed.status).toBe(1);
    expect(closed.stderr).toContain("not starting (--on-gateway-error closed)");
    const open = await helmet(
      [...unreachable, "--on-gateway-error", "open", process.execPath, "-e", "0"],
      env,
    );
    expect(open.status).toBe(0);
    expect(open.stderr).toContain("running WITHOUT policies");
  });
});
