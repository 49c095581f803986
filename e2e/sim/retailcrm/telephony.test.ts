import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "./index";
import { api, registerModule, TELEPHONY_KEY } from "./test-utils";

const BASE = "https://pbx-bridge.example.com";

async function telephonySim(options: Parameters<typeof createRetailCrmSim>[0] = {}): Promise<RetailCrmSim> {
  const sim = await createRetailCrmSim({ rateLimit: false, ...options });
  seedDemo(sim);
  sim.addKey(TELEPHONY_KEY);
  return sim;
}

describe("retailCRM sim: telephony/call/event", () => {
  let sim: RetailCrmSim;
  beforeAll(async () => {
    sim = await telephonySim();
  });
  afterAll(() => sim.close());

  const send = (form: Record<string, string>) =>
    api(sim, "POST", "/api/v5/telephony/call/event", { key: "demo-key", form });
  const event = (value: Record<string, unknown>) => send({ event: JSON.stringify(value) });

  it("answers Telephony not enabled while no active telephony module exists", async () => {
    const reply = await event({ phone: "89001234567", type: "in", codes: ["02"] });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ success: false, errorMsg: "Telephony not enabled" });
    await registerModule(sim, "inactive", BASE, { active: false });
    expect((await event({ phone: "89001234567", type: "in", codes: ["02"] })).json.errorMsg).toBe(
      "Telephony not enabled",
    );
    expect(sim.state.callEvents).toHaveLength(0);
  });

  it("decodes the form-encoded JSON event and records it with the key", async () => {
    await registerModule(sim, "asterisk", BASE);
    // The exact body PHP-T TelephonyTest::testCallEvent sends.
    const reply = await fetch(`${sim.url}/api/v5/telephony/call/event`, {
      method: "POST",
      headers: { "X-API-KEY": "demo-key", "content-type": "application/x-www-form-urlencoded" },
      body: "event=%7B%22phone%22%3A%2288005553125%22%2C%22type%22%3A%22in%22%2C%22userIds%22%3A%5B3%5D%2C%22site%22%3A%22demo-shop%22%7D",
    });
    expect(await reply.json()).toEqual({ success: true });
    expect(sim.state.callEvents.at(-1)).toMatchObject({
      apiKey: "demo-key",
      moduleCode: "asterisk",
      event: { phone: "88005553125", type: "in", userIds: [3], site: "demo-shop" },
    });
  });

  it("accepts the event and the key as multipart/form-data fields", async () => {
    const reply = await api(sim, "POST", "/api/v5/telephony/call/event", {
      multipart: { apiKey: "demo-key", event: JSON.stringify({ phone: "+79001234567", type: "out", codes: ["03"] }) },
    });
    expect(reply.json).toEqual({ success: true });
    expect(sim.state.callEvents.at(-1)).toMatchObject({ apiKey: "demo-key", event: { type: "out", codes: ["03"] } });
  });

  it("reports unknown codes and users", async () => {
    const reply = await event({ phone: "+79001234567", type: "out", codes: ["02", "99"], userIds: [4, 500] });
    expect(reply.json).toEqual({ success: true, notExistCodes: ["99"], notExistUsers: [500] });
  });

  it("accepts a full hangup event with 'no answered'", async () => {
    const hangup = {
      phone: "+79001234567",
      type: "hangup",
      codes: ["02"],
      hangupStatus: "no answered",
      callExternalId: "1716900000.42",
      externalPhone: "+74951234567",
      webAnalyticsData: { campaign: { name: "x", code: "y" }, queryString: "utm_source=z" },
    };
    expect((await event(hangup)).json).toEqual({ success: true });
    expect(sim.state.callEvents.at(-1)?.event).toEqual(hangup);
  });

  it("requires the event field", async () => {
    const reply = await send({});
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ success: false, errorMsg: "Parameter 'event' is missing" });
  });

  it.each([
    ["event", "{oops"],
    ["event", '"in"'],
    ["phone", { type: "in" }],
    ["type", { phone: "1", type: "incoming" }],
    ["type", { phone: "1" }],
    ["hangupStatus", { phone: "1", type: "hangup", hangupStatus: "no answer" }],
    ["codes", { phone: "1", type: "in", codes: [101] }],
    ["userIds", { phone: "1", type: "in", userIds: ["3"] }],
    ["phone", { phone: 79001234567, type: "in" }],
  ])("rejects a bad %s with Errors in the entity format", async (field, value) => {
    const reply = await send({ event: typeof value === "string" ? value : JSON.stringify(value) });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ success: false, errorMsg: "Errors in the entity format" });
    expect(reply.json.errors).toHaveProperty([field]);
  });

  it("needs telephony_write", async () => {
    sim.addKey({ key: "ro", scopes: ["telephony_read"] });
    const reply = await api(sim, "POST", "/api/v5/telephony/call/event", {
      key: "ro",
      form: { event: '{"phone":"1","type":"in"}' },
    });
    expect(reply.json.errorMsg).toBe("Access denied.");
  });
});

describe("retailCRM sim: telephony/calls/upload", () => {
  let sim: RetailCrmSim;
  beforeAll(async () => {
    sim = await telephonySim();
  });
  afterAll(() => sim.close());

  const call = (externalId: string, extra: Record<string, unknown> = {}) => ({
    date: "2024-05-28 14:03:11",
    type: "in",
    phone: "88005553125",
    code: "02",
    userId: 3,
    result: "answered",
    duration: 60,
    durationWaiting: 10,
    externalId,
    recordUrl: "https://pbx-bridge.example.com/rec/1.mp3",
    site: "demo-shop",
    ...extra,
  });
  const upload = (calls: unknown) =>
    api(sim, "POST", "/api/v5/telephony/calls/upload", { key: "demo-key", form: { calls: JSON.stringify(calls) } });

  it("needs a telephony module", async () => {
    const reply = await upload([call("a")]);
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ success: false, errorMsg: "Telephony not enabled or not supports calls upload" });
  });

  it("stores calls and dedupes on externalId", async () => {
    await registerModule(sim, "asterisk", BASE);
    expect((await upload([call("a"), call("b", { type: "out", result: "no answer", duration: 0 })])).json).toEqual({
      success: true,
      processedCallsCount: 2,
    });
    const again = await upload([call("b"), call("c"), call("c")]);
    expect(again.json).toEqual({ success: true, processedCallsCount: 1, duplicateCalls: ["b", "c"] });
    expect(sim.state.calls.map((s) => s.call.externalId)).toEqual(["a", "b", "c"]);
    expect(sim.state.calls[1]?.call).toMatchObject({ result: "no answer", type: "out" });
  });

  it("takes 50 calls, refuses 51", async () => {
    const fifty = Array.from({ length: 50 }, (_, i) => call(`batch-${i}`));
    expect((await upload(fifty)).json).toEqual({ success: true, processedCallsCount: 50 });
    const tooMany = await upload([...fifty, call("batch-50")]);
    expect(tooMany.status).toBe(400);
    expect(tooMany.json).toEqual({
      success: false,
      errorMsg: "Errors in the entity format",
      errors: { calls: "This collection should contain 50 elements or less." },
    });
  });

  it("requires the calls field as a non-empty JSON array", async () => {
    const missing = await api(sim, "POST", "/api/v5/telephony/calls/upload", { key: "demo-key", form: {} });
    expect(missing.json).toEqual({ success: false, errorMsg: "Parameter 'calls' is missing" });
    expect((await upload({ date: "x" })).json.errorMsg).toBe("Errors in the entity format");
    expect((await upload([])).status).toBe(400);
  });

  it.each([
    ["date", { date: "2024-05-28T14:03:11Z" }],
    ["date", { date: "2024-02-30 10:00:00" }],
    ["type", { type: "hangup" }],
    ["result", { result: "no answered" }],
    ["duration", { duration: "60" }],
    ["duration", { duration: -1 }],
    ["userId", { userId: 3.5 }],
    ["recordUrl", { recordUrl: "rec/1.mp3" }],
    ["phone", { phone: undefined }],
  ])("rejects the whole batch when a call has a bad %s", async (field, extra) => {
    const before = sim.state.calls.length;
    const reply = await upload([call("ok-1"), call("bad-1", extra)]);
    expect(reply.status).toBe(400);
    expect(reply.json.errors).toHaveProperty([`calls[1].${field}`]);
    expect(sim.state.calls.length).toBe(before);
  });
});

describe("retailCRM sim: uploadBatchLimit option", () => {
  it("applies a custom limit", async () => {
    const sim = await telephonySim({ uploadBatchLimit: 2 });
    try {
      await registerModule(sim, "asterisk", BASE);
      const calls = [1, 2, 3].map((i) => ({
        date: "2024-05-28 14:03:11",
        type: "in",
        phone: "1",
        externalId: `x${i}`,
      }));
      const reply = await api(sim, "POST", "/api/v5/telephony/calls/upload", {
        key: "demo-key",
        form: { calls: JSON.stringify(calls) },
      });
      expect(reply.json.errors).toEqual({ calls: "This collection should contain 2 elements or less." });
    } finally {
      await sim.close();
    }
  });
});

describe("retailCRM sim: telephony/manager", () => {
  let sim: RetailCrmSim;
  let strict: RetailCrmSim;
  beforeAll(async () => {
    sim = await telephonySim();
    strict = await telephonySim({ managerNotFound: "404" });
    for (const s of [sim, strict]) {
      await registerModule(s, "asterisk", BASE, {
        integrations: {
          telephony: {
            additionalCodes: Object.entries(DEMO.extensions).map(([userId, code]) => ({
              userId: Number(userId),
              code,
            })),
          },
        },
      });
    }
  });
  afterAll(async () => {
    await sim.close();
    await strict.close();
  });

  const manager = (query: Record<string, string>, target = sim) =>
    api(target, "GET", "/api/v5/telephony/manager", { key: "demo-key", query });

  it("finds the responsible manager and their extension for any phone format", async () => {
    for (const phone of ["89001234567", "+7 (900) 123-45-67", "79001234567", "9001234567"]) {
      const reply = await manager({ phone });
      expect(reply.json, phone).toEqual({
        success: true,
        manager: {
          id: 3,
          firstName: "Инна",
          lastName: "Соколова",
          patronymic: "Сергеевна",
          email: "inna@demo.example",
          code: "02",
        },
      });
    }
  });

  it("adds customer and links with details=1", async () => {
    const reply = await manager({ phone: "+79001234567", details: "1" });
    expect(reply.json).toMatchObject({
      success: true,
      manager: { id: 3, code: "02" },
      customer: { id: 101, externalId: "c-101", firstName: "Иван", phones: [{ number: "+7 (900) 123-45-67" }] },
      links: {
        newOrderLink: `${sim.url}/orders/add?phone=%2B79001234567`,
        newCustomerLink: `${sim.url}/customers/add?phone=%2B79001234567`,
        customerLink: `${sim.url}/customers/101`,
        lastOrderLink: expect.stringContaining(sim.url),
      },
    });
  });

  it("skips a busy or offline manager unless ignoreStatus=1", async () => {
    for (const phone of ["89001234568", "89125550011"]) {
      expect((await manager({ phone, ignoreStatus: "0" })).json, phone).toEqual({ success: true });
      expect((await manager({ phone })).json, phone).toEqual({ success: true });
    }
    expect((await manager({ phone: "89001234568", ignoreStatus: "1" })).json).toMatchObject({
      manager: { id: 4, code: "03" },
    });
    expect((await manager({ phone: "+7 912 555 00 12", ignoreStatus: "1" })).json).toMatchObject({
      manager: { id: 5, code: "04" },
    });
  });

  it("returns a manager without extension without code", async () => {
    const reply = await manager({ phone: "79161112233" });
    expect(reply.json.manager).toEqual({
      id: 7,
      firstName: "Юлий",
      lastName: "Морозов",
      patronymic: "Олегович",
      email: "yuliy.m@demo.example",
    });
  });

  it("empty mode: nothing found is success without manager, with links when details=1", async () => {
    expect((await manager({ phone: "84950000000" })).json).toEqual({ success: true });
    const detailed = await manager({ phone: "84950000000", details: "1" });
    expect(detailed.json).toEqual({
      success: true,
      links: {
        newOrderLink: `${sim.url}/orders/add?phone=84950000000`,
        newCustomerLink: `${sim.url}/customers/add?phone=84950000000`,
      },
    });
    const noManager = await manager({ phone: "+79164445566", details: "1" });
    expect(noManager.json).toMatchObject({ success: true, customer: { id: 105 } });
    expect(noManager.json).not.toHaveProperty("manager");
  });

  it("404 mode: nothing found is 404 Not found", async () => {
    for (const query of [
      { phone: "84950000000" },
      { phone: "89001234568" },
      { phone: "+79164445566", details: "1" },
    ] as Record<string, string>[]) {
      const reply = await manager(query, strict);
      expect(reply.status).toBe(404);
      expect(reply.json).toEqual({ success: false, errorMsg: "Not found" });
    }
    expect((await manager({ phone: "89001234567" }, strict)).json).toMatchObject({ manager: { id: 3 } });
  });

  it("validates phone, details and ignoreStatus", async () => {
    expect((await manager({})).json).toEqual({ success: false, errorMsg: "Parameter 'phone' is missing" });
    const bad = await manager({ phone: "1", details: "yes" });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      errorMsg: "Errors in the input parameters",
      errors: { details: expect.any(String) },
    });
  });

  it("needs telephony_read", async () => {
    sim.addKey({ key: "writer", scopes: ["telephony_write"] });
    const reply = await api(sim, "GET", "/api/v5/telephony/manager", { key: "writer", query: { phone: "1" } });
    expect(reply.json.errorMsg).toBe("Access denied.");
  });
});
