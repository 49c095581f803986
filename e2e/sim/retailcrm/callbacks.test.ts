import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRetailCrmSim, hmacToken, seedDemo, type RetailCrmSim } from "./index";
import { api, registerModule, startReceiver, TELEPHONY_KEY, type Receiver } from "./test-utils";

const CLIENT_ID = "e029f3dd545147c6428d12d9524f33b806e9310947430773c6c82719e4c41904";

describe("hmacToken", () => {
  it("matches the spec's test vector", () => {
    expect(hmacToken("secret", "api_key")).toBe("016ab397889c59a1f61a07d69857880a0d867aa1b0edb1014971757cf7a25bb1");
  });
});

describe("retailCRM sim: callbacks to the module", () => {
  let sim: RetailCrmSim;
  let receiver: Receiver;
  beforeAll(async () => {
    sim = await createRetailCrmSim({ rateLimit: false });
    receiver = await startReceiver();
    seedDemo(sim);
    sim.addKey(TELEPHONY_KEY);
    expect((await registerModule(sim, "asterisk", receiver.url)).status).toBe(201);
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.respond((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"success":true}'));
  });

  it("fireMakeCall sends GET makeCallUrl with clientId, code, phone, userId, externalPhone", async () => {
    const result = await sim.fireMakeCall({
      code: "02",
      phone: "+79001234567",
      userId: 3,
      externalPhone: "+74951234567",
    });
    expect(receiver.received).toEqual([
      {
        method: "GET",
        path: "/crm/make-call",
        query: { clientId: CLIENT_ID, code: "02", phone: "+79001234567", userId: "3", externalPhone: "+74951234567" },
        form: {},
        contentType: "",
      },
    ]);
    expect(result).toMatchObject({ method: "GET", status: 200, body: '{"success":true}', json: { success: true } });
    expect(result.url).toContain("phone=%2B79001234567");
    expect(result.ms).toBeGreaterThan(0);
  });

  it("fireMakeCall can POST a form and reports the module's status and non-JSON body", async () => {
    receiver.respond((_req, res) => res.writeHead(500).end("boom"));
    const result = await sim.fireMakeCall({
      code: "02",
      phone: "89001234567",
      userId: 3,
      method: "POST",
      moduleCode: "asterisk",
    });
    expect(receiver.received[0]).toMatchObject({
      method: "POST",
      contentType: expect.stringMatching(/^application\/x-www-form-urlencoded/),
      query: {},
      form: { clientId: CLIENT_ID, code: "02", phone: "89001234567", userId: "3" },
    });
    expect(result).toMatchObject({ status: 500, body: "boom" });
    expect(result.json).toBeUndefined();
  });

  it("fireUserStatus sends the user's extension (or empty) and stores the status", async () => {
    await sim.fireUserStatus({ userId: 4, status: "dinner" });
    await sim.fireUserStatus({ userId: 7, status: "break", method: "POST" });
    expect(receiver.received[0]).toMatchObject({
      method: "GET",
      path: "/crm/user-status",
      query: { clientId: CLIENT_ID, userId: "4", code: "03", status: "dinner" },
    });
    expect(receiver.received[1]).toMatchObject({
      method: "POST",
      form: { clientId: CLIENT_ID, userId: "7", code: "", status: "break" },
    });
    expect(sim.state.users.get(4)?.status).toBe("dinner");
    expect(sim.state.userStatusChanges.at(-1)).toMatchObject({ userId: 7, status: "break", via: "crm" });
  });

  it("fireActivity POSTs clientId, systemUrl and the activity JSON to baseUrl + actions.activity", async () => {
    await sim.fireActivity({ active: false, freeze: true, systemUrl: "https://demo.retailcrm.ru" });
    expect(receiver.received[0]).toMatchObject({
      method: "POST",
      path: "/crm/activity",
      form: { clientId: CLIENT_ID, systemUrl: "https://demo.retailcrm.ru", activity: '{"active":false,"freeze":true}' },
    });
    expect(sim.state.modules.get("asterisk")).toMatchObject({ active: false, freeze: true });
    const refused = await api(sim, "POST", "/api/v5/telephony/call/event", {
      key: "demo-key",
      form: { event: '{"phone":"1","type":"in"}' },
    });
    expect(refused.json.errorMsg).toBe("Telephony not enabled");

    await sim.fireActivity({ active: true, freeze: false });
    expect(receiver.received[1]?.form).toMatchObject({
      systemUrl: sim.url,
      activity: '{"active":true,"freeze":false}',
    });
    expect(sim.state.activeTelephonyModule()?.code).toBe("asterisk");
  });

  it("openAccountUrl POSTs clientId (or GETs it) without following redirects", async () => {
    receiver.respond((_req, res) => res.writeHead(302, { location: "/account/home" }).end());
    const posted = await sim.openAccountUrl({ clientId: CLIENT_ID });
    const got = await sim.openAccountUrl({ clientId: CLIENT_ID, method: "GET" });
    expect(posted.status).toBe(302);
    expect(got.status).toBe(302);
    expect(receiver.received).toMatchObject([
      { method: "POST", path: "/account", form: { clientId: CLIENT_ID } },
      { method: "GET", path: "/account", query: { clientId: CLIENT_ID } },
    ]);
    expect(receiver.received).toHaveLength(2);
  });

  it("refuses to guess the module when several exist or the callback URL is missing", async () => {
    await registerModule(sim, "second", receiver.url, { integrations: {} });
    await expect(sim.fireMakeCall({ code: "02", phone: "1", userId: 3 })).rejects.toThrow(/moduleCode needed/);
    await expect(sim.fireMakeCall({ code: "02", phone: "1", userId: 3, moduleCode: "second" })).rejects.toThrow(
      /makeCallUrl/,
    );
    await expect(sim.fireActivity({ active: true, freeze: false, moduleCode: "missing" })).rejects.toThrow(/missing/);
    sim.state.modules.delete("second");
  });
});

describe("retailCRM sim: simple connection", () => {
  let sim: RetailCrmSim;
  let receiver: Receiver;
  beforeAll(async () => {
    sim = await createRetailCrmSim();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  it("GETs the config, adds the key with the requested scopes, POSTs register with the HMAC token", async () => {
    receiver.respond((req, res) => {
      const reply =
        req.path === "/crm/config"
          ? {
              success: true,
              scopes: ["integration_read", "integration_write", "telephony_write"],
              registerUrl: `${receiver.url}/crm/register`,
            }
          : { success: true, accountUrl: `${receiver.url}/account` };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
    });
    const { config, register } = await sim.simpleConnect({
      configUrl: `${receiver.url}/crm/config`,
      secret: "secret",
      apiKey: "api_key",
    });
    expect(config.status).toBe(200);
    expect(register?.json).toEqual({ success: true, accountUrl: `${receiver.url}/account` });
    expect(receiver.received[0]).toMatchObject({ method: "GET", path: "/crm/config" });
    expect(receiver.received[1]).toMatchObject({ method: "POST", path: "/crm/register" });
    expect(JSON.parse(receiver.received[1]?.form.register ?? "")).toEqual({
      systemUrl: sim.url,
      apiKey: "api_key",
      token: "016ab397889c59a1f61a07d69857880a0d867aa1b0edb1014971757cf7a25bb1",
    });
    expect(sim.state.keys.get("api_key")?.scopes).toEqual(["integration_read", "integration_write", "telephony_write"]);
    expect((await api(sim, "GET", "/api/credentials", { key: "api_key" })).json.scopes).toEqual([
      "integration_read",
      "integration_write",
      "telephony_write",
    ]);
  });

  it("sends tokenOverride and systemUrl as given", async () => {
    receiver.received.length = 0;
    await sim.simpleConnect({
      configUrl: `${receiver.url}/crm/config`,
      secret: "secret",
      apiKey: "k2",
      systemUrl: "https://tech.retailcrm.io",
      tokenOverride: "forged",
    });
    expect(JSON.parse(receiver.received[1]?.form.register ?? "")).toEqual({
      systemUrl: "https://tech.retailcrm.io",
      apiKey: "k2",
      token: "forged",
    });
  });

  it("stops after an unusable config reply", async () => {
    receiver.received.length = 0;
    receiver.respond((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end('{"success":true,"scopes":["user_read"]}'),
    );
    const result = await sim.simpleConnect({ configUrl: `${receiver.url}/crm/config`, secret: "secret", apiKey: "k3" });
    expect(result.register).toBeUndefined();
    expect(receiver.received).toHaveLength(1);
    expect(sim.state.keys.has("k3")).toBe(false);
  });
});
