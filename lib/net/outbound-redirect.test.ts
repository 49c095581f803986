import { beforeEach, describe, expect, it, vi } from "vitest";
import { BlockedAddressError } from "./address-guard";

// A public CRM cannot be reached from here: undici's fetch answers its first hop instead.
const fetchMock = vi.hoisted(() => vi.fn());
vi.mock("undici", async (original) => ({ ...(await original<typeof import("undici")>()), fetch: fetchMock }));

const { outboundFetch } = await import("./outbound");

beforeEach(() => fetchMock.mockReset());

describe("a redirect from a public address", () => {
  it.each(["http://127.0.0.1:8088/rawman", "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://10.0.0.5/"])(
    "to %s is refused before it is dialled",
    async (location) => {
      fetchMock.mockResolvedValueOnce(new Response(null, { status: 302, headers: { location } }));
      await expect(outboundFetch("https://crm.example.com/api/v5/telephony/call/event", {}, false)).rejects.toBeInstanceOf(BlockedAddressError);
      expect(fetchMock).toHaveBeenCalledTimes(1);
    },
  );

  it("to another public address is followed", async () => {
    fetchMock.mockResolvedValueOnce(new Response(null, { status: 301, headers: { location: "https://crm2.example.com/x" } }));
    fetchMock.mockResolvedValueOnce(new Response("ok"));
    expect(await (await outboundFetch("https://crm.example.com/x", {}, false)).text()).toBe("ok");
    expect(String(fetchMock.mock.calls[1]?.[0])).toBe("https://crm2.example.com/x");
  });
});
