import dns from "node:dns";
import net from "node:net";
import ipaddr from "ipaddr.js";

/** Raised instead of connecting to a private, loopback or otherwise non-public address. */
export class BlockedAddressError extends Error {
  readonly code = "EADDRBLOCKED";
  constructor(readonly host: string) {
    super(`${host} is not a public internet address`);
    this.name = "BlockedAddressError";
  }
}

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR("2000::/3");
const NAT64_V6 = ipaddr.parseCIDR("64:ff9b::/96");

const embeddedV4 = (v6: ipaddr.IPv6, at: number) =>
  ipaddr.fromByteArray(v6.toByteArray().slice(at, at + 4)) as ipaddr.IPv4;

function isPublicV4(address: ipaddr.IPv4): boolean {
  return address.range() === "unicast";
}

/**
 * True for ordinary public unicast addresses. IPv6 must be global unicast (2000::/3), which
 * leaves out IPv4-compatible (::/96) and IPv4-mapped addresses, local-use NAT64 (64:ff9b:1::/48)
 * and every private range. Forms that carry an IPv4 address are judged by it: the well-known
 * NAT64 prefix (64:ff9b::/96, which DNS64 gives IPv6-only hosts), 6to4 (2002::/16) and ISATAP
 * interface identifiers; Teredo, whose client address is hidden, is refused (docs/security.md).
 */
export function isPublicAddress(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return false;
  // ipaddr.js reads "::a.b.c.d" (IPv4-compatible) as if it were "::ffff:a.b.c.d" (IPv4-mapped); the
  // URL standard's canonical form, which is also how the socket sees it, keeps them apart.
  const address = ipaddr.process(net.isIPv6(ip) ? new URL(`http://[${ip}]`).hostname.slice(1, -1) : ip);
  if (address.kind() === "ipv4") return isPublicV4(address as ipaddr.IPv4);
  const v6 = address as ipaddr.IPv6;
  if (v6.match(NAT64_V6)) return isPublicV4(embeddedV4(v6, 12));
  if (!v6.match(GLOBAL_UNICAST_V6)) return false;
  const range = v6.range();
  if (range === "6to4") return isPublicV4(embeddedV4(v6, 2));
  if (range !== "unicast") return false;
  const [, , , , high, isatap] = v6.parts;
  return (high! & 0xfdff) === 0 && isatap === 0x5efe ? isPublicV4(embeddedV4(v6, 12)) : true;
}

export function assertAllowedLiteral(host: string, allowPrivate: boolean): void {
  const bare = host.replace(/^\[|\]$/g, "");
  if (!allowPrivate && net.isIP(bare) && !isPublicAddress(bare)) throw new BlockedAddressError(host);
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * A dns.lookup replacement for sockets and HTTP agents: it resolves the name and refuses
 * to hand back a non-public address, so the check holds at connect time (no DNS rebinding).
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const usable = allowPrivate ? addresses : addresses.filter((a) => isPublicAddress(a.address));
      const first = usable[0];
      if (!first) return callback(new BlockedAddressError(hostname), []);
      if (options.all) return callback(null, usable);
      callback(null, first.address, first.family);
    });
  };
}
