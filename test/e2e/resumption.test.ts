// Resuming a broken stream through the gateway: the client reconnects with GET and Last-Event-ID, and
// server-everything (which keeps an event store) replays what the client missed, through the gateway.
import { describe, expect, inject, it } from "vitest";
import { SseParser } from "../../src/core/sse.ts";
import { signToken } from "../support/local-stack.ts";

const gatewayUrl = inject("gatewayUrl");
const SERVER = "everything-resume";
const MCP_URL = `${gatewayUrl}/mcp/${SERVER}`;
const PROTOCOL_VERSION = "2025-06-18";

interface Event {
  id: string | null;
  message: { id?: unknown; method?: string; params?: { progress?: number }; result?: unknown };
}

function headers(bearer: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    authorization: `Bearer ${bearer}`,
    accept: "application/json, text/event-stream",
    "content-type": "application/json",
    "mcp-protocol-version": PROTOCOL_VERSION,
    ...extra,
  };
}

/** Reads SSE events from a response until `stop` says so or the stream ends; then lets the stream go. */
async function readEvents(response: Response, stop: (events: Event[]) => boolean): Promise<Event[]> {
  const events: Event[] = [];
  const parser = new SseParser(
    (event) => {
      if (event.data) events.push({ id: event.id, message: JSON.parse(event.data) });
    },
    { maxEventChars: 1_000_000 },
  );
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  while (!stop(events)) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.push(value);
  }
  await reader.cancel();
  return events;
}

describe("stream resumption", () => {
  it("replays what a client missed when it reconnects with Last-Event-ID", async () => {
    const bearer = await signToken({
      sub: "rita",
      team: "resume",
      roles: ["admin"],
      secret: inject("jwtSecret"),
    });
    const registered = await fetch(`${gatewayUrl}/api/v1/servers`, {
      method: "POST",
      headers: headers(bearer),
      body: JSON.stringify({ name: SERVER, url: inject("everythingUrl") }),
    });
    expect(registered.status).toBe(201);

    const init = await fetch(MCP_URL, {
      method: "POST",
      headers: headers(bearer),
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: {
          protocolVersion: PROTOCOL_VERSION,
          capabilities: {},
          clientInfo: { name: "resume", version: "1" },
        },
      }),
    });
    const sessionId = init.headers.get("mcp-session-id") ?? "";
    await init.text();
    const session = { "mcp-session-id": sessionId };
    await (
      await fetch(MCP_URL, {
        method: "POST",
        headers: headers(bearer, session),
        body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      })
    ).text();

    // A long-running call; the client drops its stream after the first progress event.
    const call = await fetch(MCP_URL, {
      method: "POST",
      headers: headers(bearer, session),
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: {
          name: "trigger-long-running-operation",
          arguments: { duration: 1, steps: 4 },
          _meta: { progressToken: "p7" },
        },
      }),
    });
    expect(call.headers.get("content-type")).toContain("text/event-stream");
    const before = await readEvents(call, (events) => events.some((e) => e.id !== null));
    const lastSeen = before.find((e) => e.id !== null);
    expect(lastSeen?.message.method).toBe("notifications/progress");

    // Let the 1 s operation finish upstream (a disconnect is not a cancellation), then reconnect with
    // Last-Event-ID until the replay has caught up with the call's result (bounded).
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    let replayed: Event[] = [];
    const deadline = Date.now() + 15_000;
    while (!replayed.some((e) => e.message.id === 7) && Date.now() < deadline) {
      const resumed = await fetch(MCP_URL, {
        method: "GET",
        headers: headers(bearer, { ...session, "last-event-id": lastSeen?.id ?? "" }),
        signal: AbortSignal.timeout(5_000),
      });
      expect(resumed.status).toBe(200);
      replayed = await readEvents(resumed, (events) => events.some((e) => e.message.id === 7)).catch(
        () => [],
      );
    }

    expect(replayed.map((e) => e.id)).not.toContain(lastSeen?.id);
    const progress = replayed
      .filter((e) => e.message.method === "notifications/progress")
      .map((e) => e.message.params?.progress);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => (p ?? 0) > (lastSeen?.message.params?.progress ?? 0))).toBe(true);
    expect(replayed.find((e) => e.message.id === 7)?.message.result).toBeDefined();
  });
});
