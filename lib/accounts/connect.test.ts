import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { decryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import { connectAccount } from "./connect";
import { databaseKnowsZone } from "./crm-time-zone";
import { refreshUsers } from "./users";
import { cabinetUrl } from "./module";

let sim: RetailCrmSim;
const crmUrl = () => `${sim.url}/`;

async function connectError(input: { crmUrl: string; apiKey: string }): Promise<string> {
  const error = await connectAccount(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: "connect_failed" });
  return (error as Error).message;
}

beforeAll(async () => {
  sim = await createRetailCrmSim();
  seedDemo(sim);
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.setOutage("none");
  sim.setAccountExists(true);
  sim.clearRequests();
});

describe("connecting an account (manual login and marketplace)", () => {
  it("creates the account, generates a clientId and registers the telephony module", async () => {
    const account = await connectAccount({ crmUrl: sim.url.replace("http://", "http://"), apiKey: DEMO.apiKey });
    expect(account.crmUrl).toBe(crmUrl());
    expect(account.clientId).toMatch(/^[0-9a-f]{64}$/);
    expect(account.moduleCode).toMatch(/^asterisk-bridge-[0-9a-f]{8}$/);
    expect(decryptSecret(account.apiKeyEnc)).toBe(DEMO.apiKey);
    expect(await db().asteriskSettings.findUnique({ where: { accountId: account.id } })).toMatchObject({
      outgoingContext: "default",
      amiPort: 8088,
      managerCallerIdName: "CRM",
    });

    const registered = sim.state.modules.get(account.moduleCode);
    expect(registered).toMatchObject({
      code: account.moduleCode,
      integrationCode: "asterisk-bridge",
      active: true,
      name: "Asterisk",
      logo: "http://127.0.0.1:3999/logo.svg",
      clientId: account.clientId,
      baseUrl: "http://127.0.0.1:3999",
      accountUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:3999\/account\?token=[A-Za-z0-9_-]{32}$/),
      actions: { activity: "/api/crm/activity" },
    });
    // The link carries the account's own one-time token, kept encrypted.
    expect(registered?.accountUrl).toBe(cabinetUrl(decryptSecret(account.cabinetTokenEnc!)));
    expect(registered?.integrations?.telephony).toMatchObject({
      makeCallUrl: "http://127.0.0.1:3999/api/crm/make-call",
      changeUserStatusUrl: "http://127.0.0.1:3999/api/crm/user-status",
      inputEventSupported: true,
      outputEventSupported: true,
      hangupEventSupported: true,
      additionalCodes: [],
    });
  });

  it("finds the same account on a second login, keeps its clientId and re-sends the saved extensions", async () => {
    const first = await connectAccount({ crmUrl: crmUrl(), apiKey: DEMO.apiKey });
    await db().crmUser.create({ data: { accountId: first.id, crmUserId: 3, firstName: "Инна", extension: "02" } });
    const second = await connectAccount({ crmUrl: crmUrl(), apiKey: DEMO.apiKey });
    expect(second.id).toBe(first.id);
    expect(second.clientId).toBe(first.clientId);
    const registered = sim.state.modules.get(first.moduleCode);
    expect(registered?.integrations?.telephony?.additionalCodes).toEqual([{ userId: 3, code: "02" }]);
  });

  it("learns the zone the CRM reads dates in at every connect and user refresh, and keeps it when the CRM will not say", async () => {
    sim.state.timezone = "Asia/Vladivostok";
    const account = await connectAccount({ crmUrl: crmUrl(), apiKey: DEMO.apiKey });
    const zone = async () => (await db().account.findUniqueOrThrow({ where: { id: account.id } })).crmTimeZone;
    expect(await zone()).toBe("Asia/Vladivostok");
    sim.state.timezone = "Asia/Yekaterinburg";
    await refreshUsers(account.id);
    expect(await zone()).toBe("Asia/Yekaterinburg");
    sim.failNext(1, {
      status: 403,
      body: { success: false, errorMsg: "Access denied." },
      pathPrefix: "/api/v5/settings",
    });
    sim.state.timezone = "Europe/Moscow";
    await connectAccount({ crmUrl: crmUrl(), apiKey: DEMO.apiKey });
    expect(await zone()).toBe("Asia/Yekaterinburg");
    await refreshUsers(account.id);
    expect(await zone()).toBe("Europe/Moscow");
  });

  it("takes a zone only when PostgreSQL, which reads dates in it, knows it too", async () => {
    expect(await databaseKnowsZone("Asia/Vladivostok")).toBe(true);
    expect(await databaseKnowsZone("Mars/Olympus")).toBe(false);
  });

  it("names the methods a key may not call and creates nothing", async () => {
    sim.addKey({ key: "weak-key", scopes: ["user_read", "customer_read", "integration_read", "integration_write"] });
    const before = await db().account.count();
    const message = await connectError({ crmUrl: crmUrl(), apiKey: "weak-key" });
    expect(message).toBe(
      "У API ключа нет доступа к методам: /api/telephony/call/event, /api/telephony/calls/upload, /api/telephony/manager. " +
        "Разрешите их в retailCRM (Администрирование → Интеграция → Ключи доступа к API) и попробуйте снова.",
    );
    expect(await db().account.count()).toBe(before);
    expect(sim.requests.map((r) => r.path)).toEqual(["/api/credentials"]);
  });

  it("gives each failure its own message", async () => {
    expect(await connectError({ crmUrl: crmUrl(), apiKey: "wrong" })).toBe("Неверный API ключ: CRM его не приняла");
    sim.setAccountExists(false);
    expect(await connectError({ crmUrl: crmUrl(), apiKey: DEMO.apiKey })).toBe(
      "Аккаунт retailCRM по этому адресу не найден: проверьте адрес CRM",
    );
    sim.setAccountExists(true);
    sim.setOutage("hang");
    expect(await connectError({ crmUrl: crmUrl(), apiKey: DEMO.apiKey })).toBe(
      "CRM не ответила вовремя: попробуйте ещё раз",
    );
    sim.setOutage("none");
    expect(await connectError({ crmUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: DEMO.apiKey })).toBe(
      "Не удалось подключиться к CRM: адрес недоступен",
    );
    expect(await connectError({ crmUrl: "ftp://x", apiKey: DEMO.apiKey })).toBe(
      "Укажите адрес CRM в виде https://ваш_магазин.retailcrm.ru/",
    );
  });

  it("reports a CRM that refuses the registration with its own words", async () => {
    sim.failNext(1, {
      status: 400,
      pathPrefix: "/api/v5/integration-modules",
      body: { success: false, errorMsg: "Failed to activate module", errors: ["Your account has insufficient funds"] },
    });
    expect(await connectError({ crmUrl: crmUrl(), apiKey: DEMO.apiKey })).toBe(
      "CRM отклонила запрос: Failed to activate module",
    );
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
