import { describe, expect, it } from "vitest";
import { checkUpstreamUrl } from "../../src/registry/upstream-url.ts";

const production = { allowPrivate: false, allowHttp: false };

describe("checkUpstreamUrl", () => {
  it("accepts public https URLs", () => {
    for (const url of [
      "https://mcp.example.com/mcp",
      "https://93.184.216.34/mcp",
      "https://[2606:4700::1111]/mcp",
    ]) {
      expect(checkUpstreamUrl(url, production), url).toMatchObject({ ok: true });
    }
  });

  it("refuses private, loopback, link-local and metadata destinations in every spelling", () => {
    const refused = [
      "https://127.0.0.1/",
      "https://127.1/",
      "https://2130706433/",
      "https://0x7f000001/",
      "https://10.1.2.3/",
      "https://172.20.0.1/",
      "https://192.168.1.1/",
      "https://169.254.169.254/latest/meta-data",
      "https://100.64.0.1/",
      "https://0.0.0.0/",
      "https://[::1]/",
      "https://[::]/",
      "https://[::ffff:127.0.0.1]/",
      "https://[::ffff:a9fe:a9fe]/",
      "https://[fd00:ec2::254]/",
      "https://[fe80::1]/",
      "https://[64:ff9b::a9fe:a9fe]/",
      "https://localhost/",
      "https://api.localhost/",
      "https://metadata.google.internal/",
      "https://intranet/",
      "https://printer.local/",
    ];
    for (const url of refused) expect(checkUpstreamUrl(url, production), url).toMatchObject({ ok: false });
  });

  it("allows private destinations and http only when the deployment says so", () => {
    expect(
      checkUpstreamUrl("http://127.0.0.1:3001/mcp", { allowPrivate: true, allowHttp: true }),
    ).toMatchObject({ ok: true });
    expect(checkUpstreamUrl("http://mcp.example.com/", production)).toMatchObject({ ok: false });
    expect(checkUpstreamUrl("https://127.0.0.1/", { allowPrivate: false, allowHttp: true })).toMatchObject({
      ok: false,
    });
  });

  it("refuses other schemes and embedded credentials, and drops fragments", () => {
    expect(checkUpstreamUrl("file:///etc/passwd", production)).toMatchObject({ ok: false });
    expect(checkUpstreamUrl("https://u:p@example.com/", production)).toMatchObject({ ok: false });
    const checked = checkUpstreamUrl("https://example.com/mcp#frag", production);
    expect(checked.ok && checked.url.href).toBe("https://example.com/mcp");
  });
});
