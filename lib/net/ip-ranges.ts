import ipaddr from "ipaddr.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;
export type IpRange = [Address, number];

/** An address as written, with brackets allowed; IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 it maps. */
export function parseIp(value: string): Address | null {
  const bare = value.trim().replace(/^\[|\]$/g, "");
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : null;
}

function parseRange(entry: string): IpRange {
  if (!entry.includes("/")) {
    const address = parseIp(entry);
    if (!address) throw new Error(`${entry} is not an IP address or range`);
    return [address, address.kind() === "ipv4" ? 32 : 128];
  }
  const [address, bits] = ipaddr.parseCIDR(entry);
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [address, bits];
}

/** "10.0.0.0/8, 127.0.0.1, ::1" as ranges (a bare address is a range of one); throws on anything else. */
export function parseIpRanges(list: string): IpRange[] {
  return list
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map(parseRange);
}

export function inIpRanges(value: string, ranges: IpRange[]): boolean {
  const address = parseIp(value);
  return (
    address !== null && ranges.some(([range, bits]) => address.kind() === range.kind() && address.match(range, bits))
  );
}
