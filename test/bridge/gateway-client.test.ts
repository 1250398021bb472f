// How the bridge tells a failure worth retrying (spool it) from one that never will succeed (drop it).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayClient, GatewayFailure } from "../../local-bridge/src/gateway-client.ts";

let url = "";
const server = createServer((req, res) => {
  const status = Number(new URL(req.url ?? "/", "http://x").searchParams.get("status"));
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { code: "x", message: `answered ${status}` } }));
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function kindOf(status: number): Promise<string> {
  try {
    await new GatewayClient(url, "t").post(`api?status=${status}`, {});
    return "ok";
  } catch (error) {
    return error instanceof GatewayFailure ? error.kind : "other";
  }
}

describe("gateway failures", () => {
  it("spools what may pass (auth being fixed, rate limits, timeouts, 5xx) and drops only what never will", async () => {
    for (const status of [401, 403, 408, 413, 429, 500, 503])
      expect(await kindOf(status), String(status)).toBe("unavailable");
    for (const status of [400, 404, 409, 422]) expect(await kindOf(status), String(status)).toBe("refused");
    expect(await kindOf(204)).toBe("ok");
  });

  it("calls an unreachable gateway unavailable", async () => {
    await expect(new GatewayClient("http://127.0.0.1:9/", "t").post("api", {})).rejects.toMatchObject({
      kind: "unavailable",
    });
  });
});
