import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, seedDemo, type RetailCrmSim } from "./index";
import { api, moduleJson, registerModule, TELEPHONY_KEY } from "./test-utils";

const BASE = "https://pbx-bridge.example.com";

describe("retailCRM sim: integration modules", () => {
  let sim: RetailCrmSim;
  beforeAll(async () => {
    sim = await createRetailCrmSim({ rateLimit: false });
    seedDemo(sim);
    sim.addKey(TELEPHONY_KEY);
  });
  afterAll(() => sim.close());

  const edit = (code: string, form: Record<string, string>) =>
    api(sim, "POST", `/api/v5/integration-modules/${code}/edit`, { key: TELEPHONY_KEY.key, form });
  const editJson = (code: string, overrides: Record<string, unknown>) =>
    edit(code, { integrationModule: JSON.stringify(moduleJson(code, BASE, overrides)) });

  it("requires the integrationModule field and valid JSON", async () => {
    const missing = await edit("m1", {});
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({ success: false, errorMsg: "Parameter 'integrationModule' is missing" });
    const broken = await edit("m1", { integrationModule: "{not json" });
    expect(broken.status).toBe(400);
    expect(broken.json).toMatchObject({ success: false, errorMsg: "Errors in the entity format" });
    const array = await edit("m1", { integrationModule: "[]" });
    expect(array.json.errorMsg).toBe("Errors in the entity format");
  });

  it("sending JSON instead of a form leaves the field missing", async () => {
    const reply = await fetch(`${sim.url}/api/v5/integration-modules/m1/edit`, {
      method: "POST",
      headers: { "x-api-key": TELEPHONY_KEY.key, "content-type": "application/json" },
      body: JSON.stringify({ integrationModule: moduleJson("m1", BASE) }),
    });
    expect(reply.status).toBe(400);
    expect(await reply.json()).toEqual({ success: false, errorMsg: "Parameter 'integrationModule' is missing" });
  });

  it.each([
    ["code", { code: undefined }],
    ["code", { code: "other" }],
    ["integrationCode", { integrationCode: undefined }],
    ["name", { name: "" }],
    ["clientId", { clientId: undefined }],
    ["baseUrl", { baseUrl: undefined }],
    ["baseUrl", { baseUrl: "/relative" }],
    ["logo", { logo: `${BASE}/logo.png` }],
    ["active", { active: "yes" }],
    ["accountUrl", { accountUrl: "ftp://x.example/account" }],
    ["availableCountries", { availableCountries: ["russia"] }],
    ["actions.activity", { actions: { activity: 5 } }],
  ])("rejects a bad %s", async (field, overrides) => {
    const reply = await editJson("bad", overrides);
    expect(reply.status).toBe(400);
    expect(reply.json.errorMsg).toBe("Errors in the entity format");
    expect(reply.json.errors).toHaveProperty([field]);
    expect(sim.state.modules.has("bad")).toBe(false);
  });

  it.each([
    ["integrations.telephony.makeCallUrl", { makeCallUrl: "not a url" }],
    ["integrations.telephony.changeUserStatusUrl", { changeUserStatusUrl: "/crm/status" }],
    ["integrations.telephony.allowEdit", { allowEdit: 1 }],
    ["integrations.telephony.additionalCodes[0].userId", { additionalCodes: [{ userId: "abc", code: "1" }] }],
    ["integrations.telephony.additionalCodes[0].code", { additionalCodes: [{ userId: 3, code: 101 }] }],
    ["integrations.telephony.additionalCodes[0].userId", { additionalCodes: [{ code: "101" }] }],
    ["integrations.telephony.externalPhones[0].externalPhone", { externalPhones: [{ siteCode: "demo-shop" }] }],
  ])("rejects a bad %s", async (field, telephony) => {
    const base = moduleJson("bad", BASE);
    const integrations = base.integrations as { telephony: Record<string, unknown> };
    const reply = await editJson("bad", { integrations: { telephony: { ...integrations.telephony, ...telephony } } });
    expect(reply.status).toBe(400);
    expect(reply.json.errors).toHaveProperty([field]);
  });

  it("creates with 201, updates with 200, and reports unknown users and sites in info", async () => {
    const created = await registerModule(sim, "asterisk-1", BASE);
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ success: true, info: [] });

    const updated = await editJson("asterisk-1", {
      integrations: {
        telephony: {
          makeCallUrl: `${BASE}/crm/make-call`,
          additionalCodes: [
            { userId: "3", code: "02" },
            { userId: 77, code: "77" },
          ],
          externalPhones: [{ siteCode: "ghost-shop", externalPhone: "+74950000000" }],
        },
      },
    });
    expect(updated.status).toBe(200);
    expect(updated.json).toEqual({
      success: true,
      info: { notExistUsersIds: [77], notExistSiteCodes: ["ghost-shop"] },
    });
    expect(sim.state.modules.get("asterisk-1")?.integrations.telephony?.additionalCodes).toEqual([
      { userId: 3, code: "02" },
      { userId: 77, code: "77" },
    ]);
  });

  it("GET returns the stored module, 404 Not found for an unknown code", async () => {
    await registerModule(sim, "asterisk-get", BASE);
    const reply = await api(sim, "GET", "/api/v5/integration-modules/asterisk-get", { key: TELEPHONY_KEY.key });
    expect(reply.json).toMatchObject({
      success: true,
      integrationModule: {
        code: "asterisk-get",
        integrationCode: "asterisk",
        active: true,
        freeze: false,
        native: false,
        baseUrl: BASE,
        actions: { activity: "/crm/activity" },
        integrations: {
          telephony: {
            additionalCodes: [
              { userId: 3, code: "02" },
              { userId: 4, code: "03" },
            ],
          },
        },
      },
    });
    const missing = await api(sim, "GET", "/api/v5/integration-modules/nope", { key: TELEPHONY_KEY.key });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ success: false, errorMsg: "Not found" });
  });

  it("serves the same account at a second address: its keys and modules, not another account's", async () => {
    await registerModule(sim, "asterisk-moved", BASE);
    const second = await createRetailCrmSim({ rateLimit: false }, sim);
    const other = await createRetailCrmSim({ rateLimit: false });
    try {
      expect(second.url).not.toBe(sim.url);
      const path = "/api/v5/integration-modules/asterisk-moved";
      expect((await api(second, "GET", path, { key: TELEPHONY_KEY.key })).json).toMatchObject({
        success: true,
        integrationModule: { code: "asterisk-moved" },
      });
      expect((await api(other, "GET", path, { key: TELEPHONY_KEY.key })).status).toBe(403);
    } finally {
      await second.close();
      await other.close();
    }
  });

  it("accepts the same fields as multipart/form-data", async () => {
    const reply = await api(sim, "POST", "/api/v5/integration-modules/asterisk-mp/edit", {
      key: TELEPHONY_KEY.key,
      multipart: { integrationModule: JSON.stringify(moduleJson("asterisk-mp", BASE, { name: "Астериск ⇄ CRM" })) },
    });
    expect(reply.status).toBe(201);
    expect(sim.state.modules.get("asterisk-mp")?.name).toBe("Астериск ⇄ CRM");
  });

  it("needs integration_write to edit and integration_read to get", async () => {
    sim.addKey({ key: "reader", scopes: ["integration_read"] });
    const denied = await api(sim, "POST", "/api/v5/integration-modules/x/edit", {
      key: "reader",
      form: { integrationModule: JSON.stringify(moduleJson("x", BASE)) },
    });
    expect(denied.json).toEqual({ success: false, errorMsg: "Access denied." });
    expect((await api(sim, "GET", "/api/v5/integration-modules/asterisk-get", { key: "reader" })).status).toBe(200);
  });

  it("update-scopes adds scopes to the key and returns it", async () => {
    await registerModule(sim, "asterisk-scopes", BASE);
    sim.addKey({ key: "growing", scopes: ["integration_write"] });
    const post = (form: Record<string, string>) =>
      api(sim, "POST", "/api/v5/integration-modules/asterisk-scopes/update-scopes", { key: "growing", form });
    expect((await post({})).json).toEqual({ success: false, errorMsg: "Parameter 'requires' is missing" });
    expect((await post({ requires: '{"scopes":["fly_to_moon"]}' })).json).toMatchObject({
      errorMsg: "Errors in the entity format",
    });
    expect((await post({ requires: '{"scopes":"user_read"}' })).status).toBe(400);
    const ok = await post({ requires: JSON.stringify({ scopes: ["user_read", "telephony_read"] }) });
    expect(ok.json).toEqual({ success: true, apiKey: "growing" });
    expect(sim.state.keys.get("growing")?.scopes).toEqual(["integration_write", "user_read", "telephony_read"]);
    const unknownModule = await api(sim, "POST", "/api/v5/integration-modules/nope/update-scopes", {
      key: "growing",
      form: { requires: '{"scopes":["user_read"]}' },
    });
    expect(unknownModule.status).toBe(404);
  });
});

describe("retailCRM sim: editCreateStatus option", () => {
  it("can answer a create with 200", async () => {
    const sim = await createRetailCrmSim({ editCreateStatus: 200 });
    try {
      sim.addKey(TELEPHONY_KEY);
      expect((await registerModule(sim, "m", BASE)).status).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
