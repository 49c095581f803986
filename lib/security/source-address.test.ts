import { describe, expect, it } from "vitest";
import { parseIpRanges } from "@/lib/net/ip-ranges";
import { PEER_HEADER, sourceAddress } from "./source-address";

const from = (peer: string | null, forwarded?: string) => {
  const headers = new Headers();
  if (peer !== null) headers.set(PEER_HEADER, peer);
  if (forwarded !== undefined) headers.set("x-forwarded-for", forwarded);
  return headers;
};

describe("sourceAddress", () => {
  const none = parseIpRanges("");
  const proxies = parseIpRanges("10.0.0.0/8, 127.0.0.1, ::1");

  it("is the socket's peer, whatever X-Forwarded-For a client wrote, when no proxy is trusted", () => {
    expect(sourceAddress(from("203.0.113.9"), none)).toBe("203.0.113.9");
    expect(sourceAddress(from("203.0.113.9", "1.2.3.4"), none)).toBe("203.0.113.9");
    expect(sourceAddress(from("127.0.0.1", "198.51.100.7"), none)).toBe("127.0.0.1");
  });

  it("behind a trusted proxy, is the last X-Forwarded-For entry no trusted proxy wrote", () => {
    expect(sourceAddress(from("127.0.0.1", "198.51.100.7"), proxies)).toBe("198.51.100.7");
    expect(sourceAddress(from("10.1.2.3", "6.6.6.6, 198.51.100.7, 10.0.0.5"), proxies)).toBe("198.51.100.7");
    // A dual-stack socket names an IPv4 proxy as ::ffff:a.b.c.d.
    expect(sourceAddress(from("::ffff:127.0.0.1", "198.51.100.7"), proxies)).toBe("198.51.100.7");
    expect(sourceAddress(from("::1", "2001:db8::7"), proxies)).toBe("2001:db8::7");
  });

  it("is the proxy itself when it names nobody, and the peer when the peer is no trusted proxy", () => {
    expect(sourceAddress(from("127.0.0.1"), proxies)).toBe("127.0.0.1");
    expect(sourceAddress(from("127.0.0.1", " , 10.0.0.9"), proxies)).toBe("127.0.0.1");
    expect(sourceAddress(from("192.0.2.1", "198.51.100.7"), proxies)).toBe("192.0.2.1");
  });

  it("names requests the server did not stamp 'unknown'", () => {
    expect(sourceAddress(from(null, "198.51.100.7"), proxies)).toBe("unknown");
    expect(sourceAddress(from(" "), none)).toBe("unknown");
  });
});

describe("parseIpRanges", () => {
  it("takes addresses and CIDR ranges, and refuses anything else", () => {
    expect(
      parseIpRanges(" 10.0.0.0/8 ,::1, ::ffff:192.0.2.0/120 ").map(([a, bits]) => `${a.toString()}/${bits}`),
    ).toEqual(["10.0.0.0/8", "::1/128", "192.0.2.0/24"]);
    expect(() => parseIpRanges("proxy.example.com")).toThrow();
    expect(() => parseIpRanges("10.0.0.0/33")).toThrow();
  });
});
