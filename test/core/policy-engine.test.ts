import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JsonRpcMessage, JsonRpcRequest } from "../../src/core/jsonrpc.ts";
import { type EvaluationInput, MAX_REGEX_INPUT, PolicySet } from "../../src/core/policy/engine.ts";
import { type PolicyInput, policySchema } from "../../src/core/policy/policy-schema.ts";

const policy = (input: PolicyInput) => policySchema.parse(input);

const call = (name: string, args: Record<string, unknown> = {}): JsonRpcMessage => ({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name, arguments: args },
});

function input(message: JsonRpcMessage, overrides: Partial<EvaluationInput> = {}): EvaluationInput {
  return {
    server: "filesystem",
    direction: "request",
    subject: { sub: "carol", team: "acme", roles: ["contractor"], claims: { department: "ops", level: 3 } },
    message,
    ...overrides,
  };
}

/** The example from the issue. */
const noSystemFiles = policy({
  name: "no-system-files",
  servers: ["filesystem"],
  match: {
    method: "tools/call",
    tool: "read_*",
    args: { "/path": { regex: "^/etc/" } },
    subject: { roles: ["contractor"] },
  },
  action: "deny",
  reason: "System files are off limits",
  priority: 100,
});

describe("policy documents", () => {
  it("accept the issue's example and fill in defaults", () => {
    expect(noSystemFiles).toMatchObject({ dry_run: false, enabled: true, servers: ["filesystem"] });
    expect(noSystemFiles.match.tool).toEqual(["read_*"]);
  });

  it("refuse regexes RE2 cannot run in linear time, bad pointers, empty conditions and unknown keys", () => {
    const bad = [
      { match: { args: { "/x": { regex: "(a)\\1" } } } },
      { match: { args: { "/x": { regex: "(?=a)" } } } },
      { match: { args: { "no-slash": { equals: 1 } } } },
      { match: { args: { "/x": {} } } },
      { match: { toolz: "x" } },
      { priority: 1.5 },
    ];
    for (const extra of bad) {
      const result = policySchema.safeParse({ name: "p", servers: "*", action: "deny", ...extra });
      expect(result.success, JSON.stringify(extra)).toBe(false);
    }
    const backreference = policySchema.safeParse({
      name: "p",
      servers: "*",
      action: "deny",
      match: { args: { "/x": { regex: "(a)\\1" } } },
    });
    expect(JSON.stringify(backreference.error?.issues)).toContain("RE2");
  });
});

describe("PolicySet.evaluate", () => {
  const set = PolicySet.compile([noSystemFiles]);

  it("denies what the example policy names, with its reason, and nothing else", () => {
    expect(set.evaluate(input(call("read_file", { path: "/etc/passwd" })))).toMatchObject({
      action: "deny",
      rule: "no-system-files",
      reason: "System files are off limits",
    });
    const allowed = [
      input(call("read_file", { path: "/home/carol/notes" })),
      input(call("write_file", { path: "/etc/passwd" })),
      input(call("read_file", { path: "/etc/passwd" }), {
        subject: { sub: "dan", team: "acme", roles: ["admin"], claims: {} },
      }),
      input(call("read_file", { path: "/etc/passwd" }), { server: "other" }),
      input(call("read_file", {})),
    ];
    for (const case_ of allowed) expect(set.evaluate(case_)).toMatchObject({ action: "allow", rule: null });
  });

  it("runs rules by priority, and by name at equal priority", () => {
    const allowEtcHosts = policy({
      name: "a-hosts-ok",
      servers: "*",
      match: { args: { "/path": { equals: "/etc/hosts" } } },
      action: "allow",
      priority: 200,
    });
    const both = PolicySet.compile([noSystemFiles, allowEtcHosts]);
    expect(both.evaluate(input(call("read_file", { path: "/etc/hosts" })))).toMatchObject({
      action: "allow",
      rule: "a-hosts-ok",
    });
    const lower = PolicySet.compile([noSystemFiles, { ...allowEtcHosts, priority: 10 }]);
    expect(lower.evaluate(input(call("read_file", { path: "/etc/hosts" })))).toMatchObject({
      action: "deny",
    });
    const tie = PolicySet.compile([
      { ...noSystemFiles, name: "z-deny" },
      { ...allowEtcHosts, priority: 100 },
    ]);
    expect(tie.evaluate(input(call("read_file", { path: "/etc/hosts" })))).toMatchObject({
      rule: "a-hosts-ok",
    });
  });

  it("records log and dry-run rules and carries on", () => {
    const audit = policy({
      name: "audit-reads",
      servers: "*",
      match: { tool: "read_*" },
      action: "log",
      priority: 500,
    });
    const trial = policy({ ...noSystemFiles, name: "trial", dry_run: true, priority: 400 });
    const decision = PolicySet.compile([audit, trial]).evaluate(
      input(call("read_file", { path: "/etc/shadow" })),
    );
    expect(decision).toMatchObject({ action: "allow", rule: null });
    expect(decision.observed).toEqual([
      { rule: "audit-reads", action: "log", reason: null, dryRun: false },
      { rule: "trial", action: "deny", reason: "System files are off limits", dryRun: true },
    ]);
  });

  it("in allow-list mode denies requests no rule allows, but not what comes back", () => {
    const allowRead = policy({ name: "reads", servers: "*", match: { tool: "read_*" }, action: "allow" });
    const strict = PolicySet.compile([allowRead], "deny");
    expect(strict.evaluate(input(call("read_file")))).toMatchObject({ action: "allow", rule: "reads" });
    expect(strict.evaluate(input(call("delete_file")))).toMatchObject({
      action: "deny",
      rule: null,
      reason: "Not allowed by any policy for this server.",
    });
    const result: JsonRpcMessage = { jsonrpc: "2.0", id: 1, result: {} };
    expect(strict.evaluate(input(result, { direction: "result" }))).toMatchObject({ action: "allow" });
    // Protocol plumbing is never refused by default, or no session could even start.
    for (const method of ["initialize", "ping", "tools/list", "resources/list"]) {
      expect(strict.evaluate(input({ jsonrpc: "2.0", id: 2, method, params: {} })), method).toMatchObject({
        action: "allow",
      });
    }
    expect(
      strict.evaluate(
        input({ jsonrpc: "2.0", id: 3, method: "resources/read", params: { uri: "file:///x" } }),
      ),
    ).toMatchObject({
      action: "deny",
    });
  });

  it("matches direction, prompts, resources, subjects and claims", () => {
    const rules = PolicySet.compile([
      policy({
        name: "no-sampling",
        servers: "*",
        match: { direction: "server_request", method: "sampling/*" },
        action: "deny",
      }),
      policy({ name: "no-secrets-prompt", servers: "*", match: { prompt: "secret-*" }, action: "deny" }),
      policy({ name: "no-etc", servers: "*", match: { resource: "file:///etc/*" }, action: "deny" }),
      policy({
        name: "ops-only",
        servers: "*",
        match: {
          tool: "restart",
          subject: { claims: { department: { in: ["ops", "sre"] }, level: { gte: 3 } } },
        },
        action: "allow",
        priority: 5,
      }),
      policy({ name: "no-restart", servers: "*", match: { tool: "restart" }, action: "deny" }),
    ]);
    const sampling: JsonRpcMessage = { jsonrpc: "2.0", id: 9, method: "sampling/createMessage", params: {} };
    expect(rules.evaluate(input(sampling, { direction: "server_request" }))).toMatchObject({
      rule: "no-sampling",
    });
    expect(rules.evaluate(input(sampling, { direction: "request" }))).toMatchObject({ action: "allow" });
    expect(
      rules.evaluate(
        input({ jsonrpc: "2.0", id: 2, method: "prompts/get", params: { name: "secret-sauce" } }),
      ),
    ).toMatchObject({ rule: "no-secrets-prompt" });
    expect(
      rules.evaluate(
        input({ jsonrpc: "2.0", id: 3, method: "resources/read", params: { uri: "file:///etc/passwd" } }),
      ),
    ).toMatchObject({ rule: "no-etc" });
    expect(rules.evaluate(input(call("restart")))).toMatchObject({ action: "allow", rule: "ops-only" });
    const junior = { sub: "j", team: "acme", roles: [], claims: { department: "ops", level: 1 } };
    expect(rules.evaluate(input(call("restart"), { subject: junior }))).toMatchObject({
      action: "deny",
      rule: "no-restart",
    });
  });

  it("supports every condition test", () => {
    const check = (condition: Record<string, unknown>, value: unknown) =>
      PolicySet.compile([
        policy({ name: "c", servers: "*", match: { args: { "/v": condition } }, action: "deny" }),
      ]).evaluate(input(call("t", value === undefined ? {} : { v: value }))).action;
    expect(check({ equals: 3 }, 3)).toBe("deny");
    expect(check({ equals: 3 }, "3")).toBe("allow");
    expect(check({ in: ["a", "b"] }, "b")).toBe("deny");
    expect(check({ prefix: "/tmp/" }, "/tmp/x")).toBe("deny");
    expect(check({ glob: "*.pem" }, "key.pem")).toBe("deny");
    expect(check({ regex: "(?i)drop\\s+table" }, "please DROP  TABLE users")).toBe("deny");
    expect(check({ gt: 10, lte: 20 }, 20)).toBe("deny");
    expect(check({ gt: 10, lte: 20 }, 21)).toBe("allow");
    expect(check({ exists: false }, undefined)).toBe("deny");
    expect(check({ exists: true }, undefined)).toBe("allow");
    expect(check({ equals: "x" }, undefined)).toBe("allow");
  });

  it("resolves pointers into nested arguments and arrays", () => {
    const rules = PolicySet.compile([
      policy({
        name: "n",
        servers: "*",
        match: { args: { "/files/1/path": { prefix: "/root" }, "/a~1b": { equals: true } } },
        action: "deny",
      }),
    ]);
    expect(
      rules.evaluate(input(call("t", { files: [{ path: "/ok" }, { path: "/root/x" }], "a/b": true }))),
    ).toMatchObject({ action: "deny" });
    expect(rules.evaluate(input(call("t", { files: [{ path: "/root/x" }], "a/b": true })))).toMatchObject({
      action: "allow",
    });
  });

  it("fails closed: a value too long for a regex denies the message", () => {
    const rules = PolicySet.compile([
      policy({ name: "r", servers: "*", match: { args: { "/q": { regex: "secret" } } }, action: "deny" }),
    ]);
    const decision = rules.evaluate(input(call("search", { q: "x".repeat(MAX_REGEX_INPUT + 1) })));
    expect(decision).toMatchObject({
      action: "deny",
      rule: null,
      reason: "Policy evaluation failed, so the message was refused.",
    });
    expect(decision.failure).toContain("too long");
  });

  it("records a log rule once, even when it is filed under an exact tool and a tool prefix", () => {
    const both = policy({
      name: "audit",
      servers: "*",
      match: { tool: ["read_file", "read_*"] },
      action: "log",
    });
    expect(PolicySet.compile([both]).evaluate(input(call("read_file"))).observed).toHaveLength(1);
  });

  it("judges a result as the request it answers, with `args` looking into the result", () => {
    const withheld = policy({
      name: "no-keys-back",
      servers: "*",
      match: { direction: "result", tool: "read_*", args: { "/content/0/text": { regex: "PRIVATE KEY" } } },
      action: "deny",
    });
    const set = PolicySet.compile([withheld]);
    const request = call("read_file", { path: "/home/me/.ssh/id_ed25519" }) as JsonRpcRequest;
    const answer = (text: string): JsonRpcMessage => ({
      jsonrpc: "2.0",
      id: 1,
      result: { content: [{ type: "text", text }] },
    });
    const judge = (message: JsonRpcMessage, req: JsonRpcRequest = request) =>
      set.evaluate(input(message, { direction: "result", request: req })).action;
    expect(judge(answer("-----BEGIN PRIVATE KEY-----"))).toBe("deny");
    expect(judge(answer("hello"))).toBe("allow");
    expect(judge(answer("-----BEGIN PRIVATE KEY-----"), call("write_file") as JsonRpcRequest)).toBe("allow");
    // The same text in the request is not a result.
    expect(set.evaluate(input(call("read_file", { text: "PRIVATE KEY" }))).action).toBe("allow");
    // Without the request, a result names no tool, so the rule cannot match it.
    expect(set.evaluate(input(answer("PRIVATE KEY"), { direction: "result" })).action).toBe("allow");
  });

  it("applies a rule without direction to requests and server requests, never to results", () => {
    // Allowed to corp addresses, denied otherwise: conditions written for the request.
    const set = PolicySet.compile([
      policy({
        name: "corp-mail",
        servers: "*",
        match: { tool: "send_email", args: { "/to": { glob: "*@corp.com" } } },
        action: "allow",
        priority: 10,
      }),
      policy({ name: "no-other-mail", servers: "*", match: { tool: "send_email" }, action: "deny" }),
    ]);
    const request = call("send_email", { to: "ann@corp.com" }) as JsonRpcRequest;
    expect(set.evaluate(input(request)).action).toBe("allow");
    const sent: JsonRpcMessage = {
      jsonrpc: "2.0",
      id: 1,
      result: { content: [{ type: "text", text: "sent" }] },
    };
    // The result of the allowed call is not judged by them (its fields are not the request's arguments).
    expect(set.evaluate(input(sent, { direction: "result", request }))).toMatchObject({
      action: "allow",
      rule: null,
    });
    expect(set.judgesServerMessages("filesystem", [request])).toBe(false);
  });

  it("judges server requests by method; a rule without direction matches them too", () => {
    const set = PolicySet.compile([
      policy({ name: "no-sampling", servers: "*", match: { method: "sampling/*" }, action: "deny" }),
    ]);
    const sampling: JsonRpcMessage = {
      jsonrpc: "2.0",
      id: 7,
      method: "sampling/createMessage",
      params: { messages: [], maxTokens: 10 },
    };
    expect(set.evaluate(input(sampling, { direction: "server_request" })).action).toBe("deny");
    expect(set.evaluate(input(call("x"), { direction: "server_request" })).action).toBe("allow");
  });

  it("says which exchanges need their server messages judged", () => {
    const requests = [call("read_file")];
    const judges = (...docs: PolicyInput[]) =>
      PolicySet.compile(docs.map(policy)).judgesServerMessages("filesystem", requests);
    // A deny on another tool, plain allows and limits never act on what comes back here.
    expect(judges({ name: "a", servers: "*", match: { tool: "rm" }, action: "deny" })).toBe(false);
    expect(judges({ name: "b", servers: "*", match: { tool: "read_file" }, action: "allow" })).toBe(false);
    expect(
      judges({
        name: "c",
        servers: "*",
        match: { tool: "read_file" },
        action: "limit",
        limit: { requests: 1, per_seconds: 1 },
      }),
    ).toBe(false);
    expect(judges({ name: "d", servers: "*", match: { direction: "request" }, action: "log" })).toBe(false);
    expect(judges({ name: "e", servers: "other", match: { method: "sampling/*" }, action: "deny" })).toBe(
      false,
    );
    // Results are judged only by rules that name the direction.
    expect(judges({ name: "f", servers: "*", match: { tool: "read_*" }, action: "redact" })).toBe(false);
    expect(
      judges({ name: "f2", servers: "*", match: { tool: "read_*", direction: "result" }, action: "redact" }),
    ).toBe(true);
    // A server-request rule, and a log rule on everything (which covers server requests), do.
    expect(judges({ name: "g", servers: "*", match: { method: "sampling/*" }, action: "deny" })).toBe(true);
    expect(judges({ name: "h", servers: "*", match: {}, action: "log" })).toBe(true);
    expect(judges({ name: "i", servers: "*", match: { tool: "rm" }, action: "allow", dry_run: true })).toBe(
      false,
    );
    expect(
      judges({
        name: "j",
        servers: "*",
        match: { tool: "read_file", direction: "result" },
        action: "allow",
        dry_run: true,
      }),
    ).toBe(true);
  });

  it("ignores disabled policies", () => {
    expect(
      PolicySet.compile([{ ...noSystemFiles, enabled: false }]).evaluate(
        input(call("read_file", { path: "/etc/x" })),
      ),
    ).toMatchObject({ action: "allow" });
  });
});

describe("PolicySet properties", () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/);
  const glob = fc.oneof(
    name,
    name.map((n) => `${n}*`),
    fc.constant("*"),
    name.map((n) => `*${n}?`),
  );
  const scalar = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null));
  const condition = fc
    .record(
      {
        equals: scalar,
        prefix: fc.string({ maxLength: 5 }),
        glob,
        regex: fc.constantFrom("^a", "b+", "(?i)x|y", "\\d{2,}"),
        gt: fc.integer(),
        exists: fc.boolean(),
      },
      { requiredKeys: [] },
    )
    .filter((c) => Object.keys(c).length > 0);
  const rule = fc.record({
    name,
    servers: fc.array(glob, { minLength: 1, maxLength: 2 }),
    match: fc.record(
      {
        method: glob,
        tool: glob,
        args: fc.dictionary(fc.constantFrom("/a", "/b/0", "/c/d"), condition, { maxKeys: 2 }),
        subject: fc.record({ roles: fc.array(name, { minLength: 1, maxLength: 2 }) }),
        direction: fc.constantFrom("request", "server_request", "result"),
      },
      { requiredKeys: [] },
    ),
    action: fc.constantFrom("allow", "deny", "log", "redact"),
    priority: fc.integer({ min: -100, max: 100 }),
    dry_run: fc.boolean(),
  });
  const message = fc.record({
    jsonrpc: fc.constant("2.0" as const),
    id: fc.integer(),
    method: fc.oneof(fc.constant("tools/call"), name),
    params: fc.record({
      name,
      arguments: fc.dictionary(fc.constantFrom("a", "b", "c"), fc.jsonValue({ maxDepth: 2 })),
    }),
  });
  const evaluation = fc.record({
    server: name,
    direction: fc.constantFrom("request" as const, "server_request" as const, "result" as const),
    subject: fc.record({
      sub: name,
      team: name,
      roles: fc.array(name, { maxLength: 2 }),
      claims: fc.constant({}),
    }),
    message,
  });

  it("never throws, and always answers allow, deny or redact", () => {
    fc.assert(
      fc.property(
        fc.array(rule, { maxLength: 12 }),
        fc.constantFrom("allow" as const, "deny" as const),
        evaluation,
        (rules, mode, subject) => {
          const set = PolicySet.compile(
            rules.map((r) => policySchema.parse(r)),
            mode,
          );
          const decision = set.evaluate(subject as EvaluationInput);
          expect(["allow", "deny", "redact"]).toContain(decision.action);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the rule index never changes a decision: indexed and scanning evaluation always agree", () => {
    // A small vocabulary, so that rules and messages meet often.
    const tools = ["read_file", "read_dir", "write_file", "rm", "x"];
    const toolPattern = fc.constantFrom(...tools, "read_*", "re*", "*_file", "r?", "*", "w\\*");
    const smallRule = fc.record({
      name,
      servers: fc.constant("*"),
      match: fc.record(
        {
          tool: fc.array(toolPattern, { minLength: 1, maxLength: 3 }),
          method: fc.constantFrom("tools/call", "prompts/get", "tools/*"),
          args: fc.dictionary(fc.constantFrom("/a"), condition, { maxKeys: 1 }),
        },
        { requiredKeys: [] },
      ),
      action: fc.constantFrom("allow", "deny", "log", "redact"),
      priority: fc.integer({ min: -5, max: 5 }),
      dry_run: fc.boolean(),
    });
    const message = fc.record({
      jsonrpc: fc.constant("2.0" as const),
      id: fc.integer(),
      method: fc.constantFrom("tools/call", "prompts/get", "ping"),
      params: fc.record({
        name: fc.constantFrom(...tools),
        arguments: fc.dictionary(fc.constantFrom("a"), scalar),
      }),
    });
    fc.assert(
      fc.property(
        fc.array(smallRule, { maxLength: 15 }),
        message,
        fc.constantFrom("allow" as const, "deny" as const),
        (rules, m, mode) => {
          const docs = rules.map((r) => policySchema.parse(r));
          const evaluated = input(m as JsonRpcMessage, { server: "s" });
          const indexed = PolicySet.compile(docs, mode).evaluate(evaluated);
          const scanned = PolicySet.compile(docs, mode, { indexed: false }).evaluate(evaluated);
          expect(indexed).toEqual(scanned);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("an exchange it would not judge holds no server message or result any rule acts on", () => {
    const tools = ["read_file", "rm", "x"];
    const smallRule = fc.record({
      name,
      servers: fc.constantFrom("*", "s", "other"),
      match: fc.record(
        {
          tool: fc.constantFrom(...tools, "read_*", "*"),
          method: fc.constantFrom("tools/call", "sampling/*", "notifications/*", "ping"),
          direction: fc.constantFrom("request", "server_request", "result"),
          args: fc.dictionary(fc.constantFrom("/a", "/content"), fc.record({ exists: fc.boolean() }), {
            maxKeys: 1,
          }),
        },
        { requiredKeys: [] },
      ),
      action: fc.constantFrom("allow", "deny", "log", "redact"),
      priority: fc.integer({ min: -5, max: 5 }),
      dry_run: fc.boolean(),
    });
    const request = fc.record({
      jsonrpc: fc.constant("2.0" as const),
      id: fc.integer({ min: 1, max: 3 }),
      method: fc.constantFrom("tools/call", "ping", "prompts/get"),
      params: fc.record({ name: fc.constantFrom(...tools), arguments: fc.constant({ a: 1 }) }),
    });
    const serverMessage = fc.oneof(
      fc.record({
        jsonrpc: fc.constant("2.0" as const),
        id: fc.integer({ min: 1, max: 3 }),
        method: fc.constantFrom("sampling/createMessage", "elicitation/create", "roots/list"),
        params: fc.constant({ a: 1 }),
      }),
      fc.record({
        jsonrpc: fc.constant("2.0" as const),
        method: fc.constantFrom("notifications/message", "notifications/progress"),
        params: fc.constant({ a: 1 }),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(smallRule, { maxLength: 8 }),
        fc.array(request, { minLength: 1, maxLength: 2 }),
        serverMessage,
        fc.constantFrom("allow" as const, "deny" as const),
        (rules, requests, sent, mode) => {
          const set = PolicySet.compile(
            rules.map((r) => policySchema.parse(r)),
            mode,
          );
          if (set.judgesServerMessages("s", requests as JsonRpcMessage[])) return;
          const untouched = { action: "allow", observed: [] };
          const asServer = set.evaluate(
            input(sent as JsonRpcMessage, { server: "s", direction: "server_request" }),
          );
          expect(asServer).toMatchObject(untouched);
          for (const req of requests) {
            const result: JsonRpcMessage = { jsonrpc: "2.0", id: req.id, result: { content: [], a: 1 } };
            const judged = set.evaluate(
              input(result, { server: "s", direction: "result", request: req as JsonRpcRequest }),
            );
            expect(judged).toMatchObject(untouched);
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("a matching deny always beats a lower-priority matching allow", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 1, max: 1000 }),
        name,
        evaluation,
        (low, gap, tool, subject) => {
          const allow = policySchema.parse({
            name: "allow-all",
            servers: "*",
            match: { tool },
            action: "allow",
            priority: low,
          });
          const deny = policySchema.parse({
            name: "deny-it",
            servers: "*",
            match: { tool },
            action: "deny",
            priority: low + gap,
          });
          const message = call(tool);
          // Neither rule names a direction, so both apply to requests and server requests (not results).
          const direction = subject.direction === "result" ? "request" : subject.direction;
          const decision = PolicySet.compile([allow, deny]).evaluate({
            ...(subject as EvaluationInput),
            direction,
            message,
          });
          expect(decision).toMatchObject({ action: "deny", rule: "deny-it" });
        },
      ),
      { numRuns: 200 },
    );
  });
});
