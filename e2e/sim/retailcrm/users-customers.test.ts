import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, seedDemo, type RetailCrmSim } from "./index";
import { api, TELEPHONY_KEY } from "./test-utils";

type Listed = { id: number }[];

describe("retailCRM sim: users", () => {
  let sim: RetailCrmSim;
  beforeAll(async () => {
    sim = await createRetailCrmSim({ rateLimit: false });
    seedDemo(sim);
    sim.addKey(TELEPHONY_KEY);
  });
  afterAll(() => sim.close());

  const list = (query: Record<string, string> | [string, string][]) =>
    api(sim, "GET", "/api/v5/users", { key: "demo-key", query });

  it("lists users with the pagination block", async () => {
    const reply = await list({});
    expect(reply.json.pagination).toEqual({ limit: 20, totalCount: 8, currentPage: 1, totalPageCount: 1 });
    const users = reply.json.users as Record<string, unknown>[];
    expect(users.map((u) => u.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(users[2]).toMatchObject({
      id: 3,
      firstName: "Инна",
      status: "free",
      online: true,
      isManager: true,
      groups: [{ code: "manager" }],
    });
  });

  it("accepts only limit 20, 50 or 100 and a page ≥ 1", async () => {
    for (const limit of ["50", "100"])
      expect((await list({ limit })).json.pagination).toMatchObject({ limit: Number(limit) });
    for (const query of [{ limit: "10" }, { limit: "250" }, { page: "0" }, { page: "x" }] as Record<string, string>[]) {
      const reply = await list(query);
      expect(reply.status, JSON.stringify(query)).toBe(400);
      expect(reply.json).toMatchObject({ success: false, errorMsg: "Errors in the input parameters" });
      expect(Object.keys(reply.json.errors as object)).toEqual(Object.keys(query));
    }
  });

  it("pages past the end return an empty list with the real totals", async () => {
    const reply = await list({ page: "2" });
    expect(reply.json.users).toEqual([]);
    expect(reply.json.pagination).toEqual({ limit: 20, totalCount: 8, currentPage: 2, totalPageCount: 1 });
  });

  it("filters by flags, status (online only), email and groups in both bracket styles", async () => {
    const ids = async (query: Record<string, string> | [string, string][]) =>
      ((await list(query)).json.users as Listed).map((u) => u.id);
    expect(await ids({ "filter[isManager]": "1", "filter[active]": "1" })).toEqual([3, 4, 5, 6, 7]);
    expect(await ids({ "filter[isAdmin]": "1" })).toEqual([1, 2]);
    expect(await ids({ "filter[online]": "0" })).toEqual([5, 8]);
    expect(await ids({ "filter[status]": "free" })).toEqual([1, 2, 3, 7]);
    expect(await ids({ "filter[email]": "YULIY" })).toEqual([5, 7]);
    expect(await ids([["filter[groups][]", "admins"]])).toEqual([1, 2]);
    expect(await ids([["filter[groups][0]", "admins"]])).toEqual([1, 2]);
    expect(await ids({ "filter[createdAtFrom]": "2023-04-01 00:00:00" })).toEqual([6, 7]);
  });

  it("rejects bad filter values", async () => {
    for (const query of [
      { "filter[status]": "away" },
      { "filter[online]": "yes" },
      { "filter[createdAtTo]": "2023-04-01" },
    ] as Record<string, string>[]) {
      const reply = await list(query);
      expect(reply.status).toBe(400);
      expect(reply.json.errors).toHaveProperty(Object.keys(query)[0] ?? "");
    }
  });

  it("gets one user, 404 Not found for an unknown id", async () => {
    const found = await api(sim, "GET", "/api/v5/users/6", { key: "demo-key" });
    expect(found.json).toMatchObject({ success: true, user: { id: 6, firstName: "Зинаида", status: "dinner" } });
    const missing = await api(sim, "GET", "/api/v5/users/999", { key: "demo-key" });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ success: false, errorMsg: "Not found" });
  });

  it("sets a user's status (user_write) and validates it", async () => {
    const post = (id: number, form: Record<string, string>) =>
      api(sim, "POST", `/api/v5/users/${id}/status`, { key: TELEPHONY_KEY.key, form });
    expect((await post(3, {})).json).toEqual({ success: false, errorMsg: "Parameter 'status' is missing" });
    const bad = await post(3, { status: "away" });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      errorMsg: "Errors in the input parameters",
      errors: { status: expect.any(String) },
    });
    expect((await post(999, { status: "busy" })).status).toBe(404);
    expect((await post(3, { status: "break" })).json).toEqual({ success: true });
    expect(sim.state.users.get(3)?.status).toBe("break");
    expect(sim.state.userStatusChanges.at(-1)).toMatchObject({
      userId: 3,
      status: "break",
      via: "api",
      apiKey: TELEPHONY_KEY.key,
    });
  });
});

describe("retailCRM sim: customers", () => {
  let sim: RetailCrmSim;
  beforeAll(async () => {
    sim = await createRetailCrmSim({ rateLimit: false });
    seedDemo(sim);
  });
  afterAll(() => sim.close());

  const ids = async (query: Record<string, string> | [string, string][]) => {
    const reply = await api(sim, "GET", "/api/v5/customers", { key: "demo-key", query });
    expect(reply.status).toBe(200);
    return (reply.json.customers as Listed).map((c) => c.id);
  };

  it("returns customers in the documented shape", async () => {
    const reply = await api(sim, "GET", "/api/v5/customers", { key: "demo-key", query: { "filter[ids][]": "101" } });
    expect(reply.json).toEqual({
      success: true,
      pagination: { limit: 20, totalCount: 1, currentPage: 1, totalPageCount: 1 },
      customers: [
        {
          type: "customer",
          id: 101,
          externalId: "c-101",
          firstName: "Иван",
          lastName: "Иванов",
          patronymic: "Иванович",
          email: "ivanov@example.ru",
          managerId: 3,
          site: "demo-shop",
          phones: [{ number: "+7 (900) 123-45-67" }],
        },
      ],
    });
  });

  it("filter[name] matches names and phone digits in any format", async () => {
    expect(await ids({ "filter[name]": "Иванов" })).toEqual([101]);
    expect(await ids({ "filter[name]": "иван иванов" })).toEqual([101]);
    expect(await ids({ "filter[name]": "89001234567" })).toEqual([101]);
    expect(await ids({ "filter[name]": "+79001234567" })).toEqual([101]);
    expect(await ids({ "filter[name]": "555-00" })).toEqual([103]);
    expect(await ids({ "filter[name]": "1234" })).toEqual([101, 102, 106]);
    expect(await ids({ "filter[name]": "Нетакого" })).toEqual([]);
    expect(await ids({ "filter[phone]": "9161112233" })).toEqual([104]);
  });

  it("filter[ids] works with [] and [N] brackets and rejects non-integers", async () => {
    expect(
      await ids([
        ["filter[ids][]", "101"],
        ["filter[ids][]", "104"],
      ]),
    ).toEqual([101, 104]);
    expect(
      await ids([
        ["filter[ids][0]", "102"],
        ["filter[ids][1]", "105"],
      ]),
    ).toEqual([102, 105]);
    const bad = await api(sim, "GET", "/api/v5/customers", { key: "demo-key", query: [["filter[ids][]", "x"]] });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      errorMsg: "Errors in the input parameters",
      errors: { "filter[ids]": expect.any(String) },
    });
  });

  it("filters by managers, sites and externalIds", async () => {
    expect(
      await ids([
        ["filter[managers][]", "3"],
        ["filter[managers][]", "7"],
      ]),
    ).toEqual([101, 104]);
    expect(await ids([["filter[sites][0]", "asterisk-api-alice-trade"]])).toEqual([105]);
    expect(await ids([["filter[externalIds][]", "c-106"]])).toEqual([106]);
  });

  it("paginates", async () => {
    const extra = Array.from({ length: 45 }, (_, i) => ({ id: 1000 + i, firstName: `Клиент${i}`, phones: [] }));
    sim.seedCustomers(extra);
    const reply = await api(sim, "GET", "/api/v5/customers", { key: "demo-key", query: { limit: "20", page: "3" } });
    expect(reply.json.pagination).toEqual({ limit: 20, totalCount: 51, currentPage: 3, totalPageCount: 3 });
    expect((reply.json.customers as Listed).map((c) => c.id)).toEqual([
      1034, 1035, 1036, 1037, 1038, 1039, 1040, 1041, 1042, 1043, 1044,
    ]);
  });
});
