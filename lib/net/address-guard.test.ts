import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { BlockedAddressError, guardedLookup, isPublicAddress } from "./address-guard";
import { outboundRequest, outboundSocket } from "./outbound";

describe("isPublicAddress", () => {
  it.each([
    ["8.8.8.8", true],
    ["93.184.216.34", true],
    ["2a00:1450:4010:c05::71", true],
    ["127.0.0.1", false],
    ["10.1.2.3", false],
    ["172.16.0.1", false],
    ["192.168.1.10", false],
    ["169.254.169.254", false],
    ["100.64.0.1", false],
    ["0.0.0.0", false],
    ["::1", false],
    ["fc00::1", false],
    ["fe80::1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:10.0.0.1", false],
    ["224.0.0.1", false],
    ["not-an-ip", false],
    // Every IPv6 form that carries an IPv4 address is judged by it, or refused.
    ["::127.0.0.1", false],
    ["::7f00:1", false],
    ["::8.8.8.8", false],
    ["64:ff9b::7f00:1", false],
    ["64:ff9b::a00:1", false],
    ["64:ff9b::808:808", true],
    ["64:ff9b:1::808:808", false],
    ["2002:7f00:1::", false],
    ["2002:c0a8:101::1", false],
    ["2002:808:808::1", true],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", false],
    ["2400:cb00::5efe:7f00:1", false],
    ["2400:cb00::200:5efe:a00:1", false],
    ["2400:cb00::5efe:808:808", true],
    ["2001:db8::1", false],
    ["100::1", false],
    ["ff02::1", false],
  ])("%s → %s", (ip, expected) => {
    expect(isPublicAddress(ip)).toBe(expected);
  });
});

describe("guardedLookup", () => {
  it("refuses a name that resolves to loopback unless private networks are allowed", async () => {
    const refused = await new Promise<unknown>((resolve) =>
      guardedLookup(false)("localhost", {}, (error) => resolve(error)),
    );
    expect(refused).toBeInstanceOf(BlockedAddressError);
    const allowed = await new Promise<string>((resolve) =>
      guardedLookup(true)("localhost", {}, (_e, address) => resolve(address as string)),
    );
    expect(["127.0.0.1", "::1"]).toContain(allowed);
  });
});

describe("outbound connections", () => {
  it("refuse loopback by literal and by name, and connect when allowed", async () => {
    const server = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(outboundRequest(`http://127.0.0.1:${port}/`, {}, false)).rejects.toBeInstanceOf(BlockedAddressError);
      await expect(outboundRequest(`http://[::1]:${port}/`, {}, false)).rejects.toBeInstanceOf(BlockedAddressError);
      for (const embedded of ["[::127.0.0.1]", "[::ffff:127.0.0.1]", "[64:ff9b::127.0.0.1]", "[2002:7f00:1::]"])
        await expect(outboundRequest(`http://${embedded}:${port}/`, {}, false), embedded).rejects.toBeInstanceOf(
          BlockedAddressError,
        );
      const byName = await outboundRequest(`http://localhost:${port}/`, {}, false).then(
        () => "connected",
        (error: Error) => (error.cause ?? error) as Error,
      );
      expect(byName).toBeInstanceOf(BlockedAddressError);
      expect(await (await outboundRequest(`http://127.0.0.1:${port}/`, {}, true)).text()).toBe("ok");

      expect(() => outboundSocket("127.0.0.1", port, false)).toThrow(BlockedAddressError);
      const socket = outboundSocket("localhost", port, false);
      const error = await new Promise<Error>((resolve) => socket.once("error", resolve));
      expect(error).toBeInstanceOf(BlockedAddressError);
    } finally {
      server.close();
    }
  });
});

describe("redirects", () => {
  it("are followed hop by hop, keeping a POST through a 307 and giving up on a loop", async () => {
    const redirector = createServer((req, res) => {
      if (req.url === "/to-self") res.writeHead(307, { location: "/final" }).end();
      else if (req.url === "/loop") res.writeHead(302, { location: "/loop" }).end();
      else res.end(`final ${req.method}`);
    });
    await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
    try {
      expect(await (await outboundRequest(`${base}/to-self`, { method: "POST", body: "x" }, true)).text()).toBe(
        "final POST",
      );
      await expect(outboundRequest(`${base}/loop`, {}, true)).rejects.toThrow("too many redirects");
    } finally {
      redirector.close();
    }
  });
});
