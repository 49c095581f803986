import { env } from "@/lib/env";
import { inIpRanges, parseIpRanges, type IpRange } from "@/lib/net/ip-ranges";

/**
 * The header scripts/serve.mjs sets on every request to the address of the socket it came on,
 * replacing any a client sent. Route handlers cannot see the socket, and X-Forwarded-For is
 * whatever the client wrote unless a proxy of ours wrote it (docs/security.md).
 */
export const PEER_HEADER = "x-bridge-peer";

let trusted: { list: string; ranges: IpRange[] } | undefined;

function trustedProxies(): IpRange[] {
  const list = env().TRUSTED_PROXIES;
  if (trusted?.list !== list) trusted = { list, ranges: parseIpRanges(list) };
  return trusted.ranges;
}

/**
 * The address a request came from. It is the socket's peer, unless that peer is a proxy named
 * in TRUSTED_PROXIES: then it is the last X-Forwarded-For entry that no trusted proxy wrote
 * (each proxy appends the peer it saw). "unknown" when the server did not stamp the request,
 * which happens only when it runs without scripts/serve.mjs.
 */
export function sourceAddress(headers: Headers, proxies: IpRange[] = trustedProxies()): string {
  const peer = headers.get(PEER_HEADER)?.trim();
  if (!peer) return "unknown";
  if (!inIpRanges(peer, proxies)) return peer;
  const hops = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((hop) => hop.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!inIpRanges(hops[i]!, proxies)) return hops[i]!;
  return peer;
}
