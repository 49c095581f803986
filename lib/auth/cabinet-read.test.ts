import { beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { guardRoute } from "@/lib/http/route-guard";
import { cabinetRead } from "./cabinet-read";

// The signed-in account, as a request would carry it.
const request = vi.hoisted(() => ({ accountId: null as string | null }));
vi.mock("./session", () => ({ sessionAccountId: async () => request.accountId }));

const ACCOUNT = "5f0c3c1e-8d5a-4c59-9a43-2f6a1f0e7b21";

describe("cabinetRead", () => {
  const read = vi.fn(async (session: { accountId: string }, query: { page: number }) => ({ ...session, ...query }));
  const handler = guardRoute(
    cabinetRead(
      read,
      z.object({ page: z.string().regex(/^\d+$/, "Parameter 'page' must be digits").transform(Number).default(1) }),
    ),
  );
  const get = (query = "") => handler(new Request(`http://bridge.test/api/cabinet/x${query}`));

  beforeEach(() => {
    read.mockClear();
    request.accountId = ACCOUNT;
  });

  it("answers a signed-out caller 401 in the routes' error shape, never cached, and reads nothing", async () => {
    request.accountId = null;
    const response = await get("?page=2");
    expect(response.status).toBe(401);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({
      success: false,
      errorMsg: "no cabinet session (never signed in, or it ended): sign in again",
    });
    expect(read).not.toHaveBeenCalled();
  });

  it("refuses a query the schema refuses with 400 and its message, and reads nothing", async () => {
    const response = await get("?page=two");
    expect(response.status).toBe(400);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ success: false, errorMsg: "Parameter 'page' must be digits" });
    expect(read).not.toHaveBeenCalled();
  });

  it("reads for the session's account with the parsed query, answered as JSON never cached", async () => {
    const response = await get("?page=3");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ accountId: ACCOUNT, page: 3 });
    expect(await (await get()).json()).toEqual({ accountId: ACCOUNT, page: 1 });
  });

  it("takes no parameters when given no schema, and answers a null read as null", async () => {
    const status = guardRoute(cabinetRead(async () => null));
    const response = await status(new Request("http://bridge.test/api/cabinet/y?anything=1"));
    expect(response.status).toBe(200);
    expect(await response.json()).toBeNull();
  });
});
