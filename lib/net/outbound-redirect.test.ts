import { beforeEach, describe, expect, it, vi } from "vitest";
import { BlockedAddressError } from "./address-guard";

// A public CRM cannot be reached from here: undici's request answers its first hop instead.
const requestMock = vi.hoisted(() => vi.fn());
vi.mock("undici", async (original) => ({ ...(await original<typeof import("undici")>()), request: requestMock }));

const { outboundRequest } = await import("./outbound");

function reply(statusCode: number, headers: Record<string, string>, text = "") {
  return { statusCode, headers, body: { text: async () => text, dump: async () => undefined } };
}

beforeEach(() => requestMock.mockReset());

describe("a redirect from a public address", () => {
  it.each([
    "http://127.0.0.1:8088/rawman",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://10.0.0.5/",
  ])("to %s is refused before it is dialled", async (location) => {
    requestMock.mockResolvedValueOnce(reply(302, { location }));
    await expect(
      outboundRequest("https://crm.example.com/api/v5/telephony/call/event", {}, false),
    ).rejects.toBeInstanceOf(BlockedAddressError);
    expect(requestMock).toHaveBeenCalledTimes(1);
  });

  it("to another public address is followed", async () => {
    requestMock.mockResolvedValueOnce(reply(301, { location: "https://crm2.example.com/x" }));
    requestMock.mockResolvedValueOnce(reply(200, {}, "ok"));
    expect(await (await outboundRequest("https://crm.example.com/x", {}, false)).text()).toBe("ok");
    expect(String(requestMock.mock.calls[1]?.[0])).toBe("https://crm2.example.com/x");
  });
});
