import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, seedDemo, type RetailCrmSim } from "./index";
import { api, registerModule, TELEPHONY_KEY } from "./test-utils";

describe("retailCRM sim: customers/create", () => {
  let sim: RetailCrmSim;
  beforeAll(async () => {
    sim = await createRetailCrmSim({ rateLimit: false });
    seedDemo(sim);
    sim.addKey(TELEPHONY_KEY);
    await registerModule(sim, "asterisk", "https://bridge.example");
  });
  afterAll(() => sim.close());

  const create = (form: Record<string, string>, key = "demo-key") =>
    api(sim, "POST", "/api/v5/customers/create", { key, form });

  it("answers 201 with the id, and the customer is found by phone afterwards, in its store", async () => {
    const reply = await create({
      customer: JSON.stringify({ firstName: "Новый клиент +7 900 555-01-02", phones: [{ number: "+79005550102" }] }),
      site: "demo-shop",
    });
    expect(reply.status).toBe(201);
    expect(reply.json).toEqual({ success: true, id: expect.any(Number) });
    const id = reply.json.id as number;
    const found = await api(sim, "GET", "/api/v5/telephony/manager", {
      key: "demo-key",
      query: { phone: "89005550102", details: "1", ignoreStatus: "1", site: "demo-shop" },
    });
    expect(found.json.customer).toMatchObject({ id, site: "demo-shop", phones: [{ number: "+79005550102" }] });
    const listed = await api(sim, "GET", "/api/v5/customers", {
      key: "demo-key",
      query: { "filter[name]": "9005550102" },
    });
    expect((listed.json.customers as { id: number }[]).map((c) => c.id)).toEqual([id]);
  });

  it("refuses a missing or broken customer, an unknown store and a phone without digits, field by field", async () => {
    expect((await create({})).json).toMatchObject({ success: false, errorMsg: "Parameter 'customer' is missing" });
    const bad = await create({
      customer: JSON.stringify({ firstName: "x", phones: [{ number: "anonymous" }] }),
      site: "no-such-store",
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({
      success: false,
      errorMsg: "Errors in the entity format",
      errors: { site: "The value you selected is not a valid choice.", "phones[0].number": "This value is not valid." },
    });
    expect((await create({ customer: "[1]" })).status).toBe(400);
  });

  it("answers 403 to a key without customer_write", async () => {
    const reply = await create({ customer: JSON.stringify({ firstName: "x" }) }, TELEPHONY_KEY.key);
    expect(reply.status).toBe(403);
    expect(reply.json).toMatchObject({ success: false, errorMsg: "Access denied." });
  });
});
