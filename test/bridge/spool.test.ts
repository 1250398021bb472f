// The bridge's on-disk spool: order kept across files and failures, unreadable lines set aside, and a live
// bridge's file left alone.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Spool, type SpoolEntry } from "../../local-bridge/src/state-dir.ts";

const end = (n: number): SpoolEntry => ({ kind: "end", sessionId: `s${n}`, endedAt: n });

describe("the spool", () => {
  it("replays every entry once, in order, and keeps what a failed replay did not send, in its place", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spool-"));
    const spool = new Spool(dir);
    for (let n = 1; n <= 5; n += 1) expect(spool.append(end(n))).toBe(true);
    const sent: number[] = [];
    let failAt = 3;
    const send = async (entry: SpoolEntry) => {
      const n = entry.kind === "end" ? entry.endedAt : 0;
      if (n === failAt) throw new Error("gateway down");
      sent.push(n);
    };
    await expect(spool.replay(send)).rejects.toThrow("gateway down");
    expect(sent).toEqual([1, 2]);
    // Appended after the failure: it must come after what was kept.
    spool.append(end(6));
    failAt = -1;
    expect(await spool.replay(send)).toBe(4);
    expect(sent).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await spool.replay(send)).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("sets an unreadable line aside and sends the rest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spool-"));
    const spool = new Spool(dir);
    spool.append(end(1));
    const [file] = readdirSync(dir);
    writeFileSync(
      join(dir, file as string),
      `${readFileSync(join(dir, file as string), "utf8")}{"kind":"end","sess\n`,
    );
    spool.append(end(2));
    const sent: SpoolEntry[] = [];
    expect(await spool.replay(async (entry) => void sent.push(entry))).toBe(2);
    expect(readFileSync(join(dir, "quarantine.ndjson"), "utf8")).toBe('{"kind":"end","sess\n');
  });

  it("leaves alone the file of a bridge that is still running", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spool-"));
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 10_000)"]);
    try {
      const name = `${Date.now()}-${other.pid}-00000000-0000-4000-8000-000000000000.ndjson`;
      writeFileSync(join(dir, name), `${JSON.stringify(end(9))}\n`);
      const spool = new Spool(dir);
      const sent: SpoolEntry[] = [];
      expect(await spool.replay(async (entry) => void sent.push(entry))).toBe(0);
      expect(readdirSync(dir)).toEqual([name]);
    } finally {
      other.kill("SIGKILL");
    }
  });
});
