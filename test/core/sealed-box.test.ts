import { describe, expect, it } from "vitest";
import { open, seal } from "../../src/crypto/sealed-box.ts";

const key = new Uint8Array(32).fill(7);
const otherKey = new Uint8Array(32).fill(8);

describe("sealed box", () => {
  it("opens what it sealed only with the same key, purpose and context", async () => {
    const sealed = await seal(key, "session", { s: "ses_1" }, "acme\nalice\nsrv_1");
    expect(await open(key, "session", sealed, "acme\nalice\nsrv_1")).toEqual({ s: "ses_1" });
    expect(await open(key, "session", sealed, "acme\nbob\nsrv_1")).toBeNull();
    expect(await open(key, "credentials", sealed, "acme\nalice\nsrv_1")).toBeNull();
    expect(await open(otherKey, "session", sealed, "acme\nalice\nsrv_1")).toBeNull();
  });

  it("refuses tampered or malformed input without throwing", async () => {
    const sealed = await seal(key, "credentials", { a: "b" });
    const flipped = sealed.slice(0, -2) + (sealed.endsWith("A") ? "BB" : "AA");
    for (const bad of [flipped, "", "1.", "2.abc", "1.!!!", `${sealed}.extra`]) {
      expect(await open(key, "credentials", bad)).toBeNull();
    }
  });

  it("never produces the same ciphertext twice", async () => {
    expect(await seal(key, "session", 1)).not.toBe(await seal(key, "session", 1));
  });
});
