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

/** True for ordinary public unicast addresses (IPv4-mapped IPv6 is judged as IPv4). */
export function isPublicAddress(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return false;
  return ipaddr.process(ip).range() === "unicast";
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
