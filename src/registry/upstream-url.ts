// Decides whether an upstream URL is one the gateway may call. Refuses private, loopback, link-local and
// cloud-metadata destinations (SSRF) unless the deployment allows private upstreams, as local development does.

export interface UpstreamUrlRules {
  allowPrivate: boolean;
  allowHttp: boolean;
}

export type UpstreamUrlResult = { ok: true; url: URL } | { ok: false; problem: string };

/** IPv4 ranges that are not the public internet (RFC 6890 special-purpose registry, plus metadata). */
const PRIVATE_V4: ReadonlyArray<readonly [base: number, prefix: number]> = [
  [ip4(0, 0, 0, 0), 8],
  [ip4(10, 0, 0, 0), 8],
  [ip4(100, 64, 0, 0), 10],
  [ip4(127, 0, 0, 0), 8],
  [ip4(169, 254, 0, 0), 16],
  [ip4(172, 16, 0, 0), 12],
  [ip4(192, 0, 0, 0), 24],
  [ip4(192, 0, 2, 0), 24],
  [ip4(192, 168, 0, 0), 16],
  [ip4(198, 18, 0, 0), 15],
  [ip4(198, 51, 100, 0), 24],
  [ip4(203, 0, 113, 0), 24],
  [ip4(224, 0, 0, 0), 4],
  [ip4(240, 0, 0, 0), 4],
];

/** Host names that always mean "this machine or its private network". */
const PRIVATE_NAME = /(?:^|\.)(?:localhost|local|internal|intranet|lan|home\.arpa)$/i;

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function parseIpv4(host: string): number | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  const [a, b, c, d] = parts.map(Number) as [number, number, number, number];
  return ip4(a, b, c, d);
}

function isPrivateIpv4(address: number): boolean {
  return PRIVATE_V4.some(([base, prefix]) => {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return (address & mask) >>> 0 === (base & mask) >>> 0;
  });
}

/**
 * Expands an IPv6 literal into 8 16-bit groups; null when it is not one. The URL parser has already normalised
 * it to compressed hex (an embedded IPv4 address such as ::ffff:127.0.0.1 arrives as ::ffff:7f00:1).
 */
function parseIpv6(host: string): number[] | null {
  const halves = host.split("::");
  if (halves.length > 2) return null;
  const toGroups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = toGroups(halves[0] ?? "");
  const rest = halves.length === 2 ? toGroups(halves[1] ?? "") : [];
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  const present = head.length + rest.length;
  if (halves.length === 1 ? present !== 8 : present > 7) return null;
  const zeros = new Array<number>(8 - present).fill(0);
  return [...head, ...zeros.map(String), ...rest].map((g) => parseInt(g, 16));
}

function isPrivateIpv6(groups: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const embeddedV4 = ((g6 << 16) | g7) >>> 0;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0) {
    if (g5 === 0xffff) return isPrivateIpv4(embeddedV4); // IPv4-mapped
    if (g5 === 0) return true; // ::, ::1 and the deprecated IPv4-compatible form
  }
  if (g0 === 0x64 && g1 === 0xff9b) return isPrivateIpv4(embeddedV4); // NAT64
  if ((g0 & 0xfe00) === 0xfc00) return true; // unique local, includes fd00:ec2::254 (metadata)
  if ((g0 & 0xffc0) === 0xfe80) return true; // link-local
  if ((g0 & 0xff00) === 0xff00) return true; // multicast
  if (g0 === 0x2001 && g1 === 0x0db8) return true; // documentation
  return false;
}

function isPrivateHost(hostname: string): boolean {
  if (hostname.startsWith("[") && hostname.endsWith("]")) {
    const groups = parseIpv6(hostname.slice(1, -1));
    return groups === null || isPrivateIpv6(groups);
  }
  const v4 = parseIpv4(hostname);
  if (v4 !== null) return isPrivateIpv4(v4);
  // A single-label name (no dot) only resolves inside a private network.
  return !hostname.includes(".") || PRIVATE_NAME.test(hostname.replace(/\.$/, ""));
}

export function checkUpstreamUrl(raw: string, rules: UpstreamUrlRules): UpstreamUrlResult {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: "url must be an absolute http(s) URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, problem: `url scheme ${url.protocol} is not supported; use https` };
  }
  if (url.protocol === "http:" && !rules.allowHttp) {
    return {
      ok: false,
      problem: "plain http upstreams are not allowed here; use https (ALLOW_HTTP_UPSTREAMS)",
    };
  }
  if (url.username || url.password) {
    return {
      ok: false,
      problem: "url must not contain credentials; pass them as headers, which are stored encrypted",
    };
  }
  if (!rules.allowPrivate && isPrivateHost(url.hostname)) {
    return {
      ok: false,
      problem: `url points at a private, loopback, link-local or metadata address (${url.hostname}), which this deployment refuses (ALLOW_PRIVATE_UPSTREAMS)`,
    };
  }
  url.hash = "";
  return { ok: true, url };
}
