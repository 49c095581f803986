// A click in retailCRM (fired by the CRM simulator at makeCallUrl) becomes the exact AMI
// Originate the Asterisk simulator records, over HTTP rawman and over TCP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { serveRoutes } from "@/e2e/setup/route-server";
import * as makeCallRoute from "@/app/api/crm/make-call/route";
import { encryptSecret } from "@/lib/crypto/secrets";
import { connectAccount } from "@/lib/accounts/connect";
import { pushExtensions, refreshUsers, saveExtension } from "@/lib/accounts/users";
import { db } from "@/lib/db/client";

let crm: RetailCrmSim;
let pbx: AsteriskSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let accountId: string;
let moduleCode: string;
const ami = { username: "crm", secret: "s3cret", read: "call", write: "originate" };

async function useAmi(transport: "HTTP" | "TCP", over: { secret?: string; login?: string } = {}) {
  await db().asteriskSettings.update({
    where: { accountId },
    data: {
      amiTransport: transport,
      amiHost: "127.0.0.1",
      amiPort: transport === "TCP" ? pbx.tcpPort! : pbx.httpPort!,
      amiLogin: over.login ?? ami.username,
      amiSecretEnc: encryptSecret(over.secret ?? ami.secret),
      channelTemplate: "PJSIP",
      outgoingContext: "from-internal",
      outgoingPriority: "1",
      managerCallerIdName: "CRM",
    },
  });
}

beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
  pbx = await createAsteriskSim({ tcpPort: 0, httpPort: 0, loginFailDelayMs: 100, users: [ami, { username: "viewer", secret: "v", read: "call", write: "reporting" }] });
  app = await serveRoutes({ "/api/crm/make-call": makeCallRoute });
  process.env.PUBLIC_URL = app.url;
  const account = await connectAccount({ crmUrl: crm.url, apiKey: DEMO.apiKey });
  accountId = account.id;
  moduleCode = account.moduleCode;
  await refreshUsers(account.id);
  await saveExtension(account.id, 3, "101");
  await pushExtensions(account.id);
});
afterAll(async () => {
  await app.close();
  await crm.close();
  await pbx.close();
});
beforeEach(() => pbx.setMode("normal"));

describe("click-to-call", () => {
  it.each(["HTTP", "TCP"] as const)("sends the exact Originate over %s and answers success", async (transport) => {
    await useAmi(transport);
    const before = pbx.originates.length;
    const result = await crm.fireMakeCall({ code: "101", phone: "+7 (900) 123-45-67", userId: 3, moduleCode });
    expect([result.status, result.json]).toEqual([200, { success: true }]);
    expect(result.ms).toBeLessThan(1_500);
    const originate = pbx.originates[before]!;
    expect(originate.transport).toBe(transport.toLowerCase());
    expect(originate.headers).toMatchObject({
      channel: "PJSIP/101",
      context: "from-internal",
      exten: "79001234567",
      priority: "1",
      callerid: '"CRM" <79001234567>',
      timeout: "30000",
      async: "true",
    });
    expect(originate.headers.channelid).toMatch(/^crm-\d+-[0-9a-f]{8}$/);
    expect(originate.variables).toEqual([`CRM_CLICK_ID=${originate.headers.channelid}`, "CRM_PHONE=79001234567", "CRM_CODE=101"]);
    expect(await db().call.findUnique({ where: { accountId_uniqueid: { accountId, uniqueid: originate.headers.channelid! } } })).toMatchObject({ direction: "OUT", extension: "101", result: null });
  });

  it("accepts the CRM's POST form too", async () => {
    await useAmi("HTTP");
    const result = await crm.fireMakeCall({ code: "101", phone: "89001234567", userId: 3, moduleCode, method: "POST" });
    expect(result.json).toEqual({ success: true });
  });

  it("gives the manager a clear reason for each PBX failure and records it in the journal", async () => {
    await useAmi("HTTP", { secret: "wrong" });
    expect((await crm.fireMakeCall({ code: "101", phone: "89001234567", userId: 3, moduleCode })).json).toEqual({
      success: false,
      errorMsg: "Не удалось позвонить: АТС не приняла логин или пароль AMI",
    });
    await useAmi("TCP", { login: "viewer", secret: "v" });
    expect((await crm.fireMakeCall({ code: "101", phone: "89001234567", userId: 3, moduleCode })).json).toEqual({
      success: false,
      errorMsg: "Не удалось позвонить: у пользователя AMI нет права originate",
    });
    await useAmi("TCP");
    pbx.setMode("hang");
    const slow = await crm.fireMakeCall({ code: "101", phone: "89001234567", userId: 3, moduleCode });
    expect(slow.json).toEqual({ success: false, errorMsg: "Не удалось позвонить: АТС не ответила вовремя" });
    expect(slow.ms).toBeLessThan(4_000);
    pbx.setMode("normal");
    await db().asteriskSettings.update({ where: { accountId }, data: { amiPort: 1 } });
    expect((await crm.fireMakeCall({ code: "101", phone: "89001234567", userId: 3, moduleCode })).json).toEqual({
      success: false,
      errorMsg: "Не удалось позвонить: АТС недоступна",
    });
    expect(await db().call.count({ where: { accountId, result: "failed" } })).toBeGreaterThanOrEqual(4);
  });

  it("refuses an extension that is not this manager's, bad input, unknown accounts and a switched-off module", async () => {
    await useAmi("HTTP");
    const before = pbx.originates.length;
    expect((await crm.fireMakeCall({ code: "101", phone: "89001234567", userId: 4, moduleCode })).json).toEqual({
      success: false,
      errorMsg: "Внутренний номер 101 не назначен этому сотруднику в модуле Asterisk",
    });
    const call = (q: Record<string, string>) => fetch(`${app.url}/api/crm/make-call?${new URLSearchParams(q)}`).then(async (r) => [r.status, await r.json()]);
    const { clientId } = await db().account.findUniqueOrThrow({ where: { id: accountId } });
    expect(await call({ clientId, code: "10a", phone: "1", userId: "3" })).toEqual([400, { success: false, errorMsg: "parameter code must be the manager's extension (digits)" }]);
    expect(await call({ clientId, code: "101", phone: "drop table", userId: "3" })).toEqual([400, { success: false, errorMsg: "parameter phone must be a phone number" }]);
    expect(await call({ clientId: "b".repeat(64), code: "101", phone: "1", userId: "3" })).toEqual([401, { success: false, errorMsg: "unknown clientId" }]);
    await db().account.update({ where: { id: accountId }, data: { active: false } });
    try {
      expect(await call({ clientId, code: "101", phone: "89001234567", userId: "3" })).toEqual([403, { success: false, errorMsg: "Модуль Asterisk отключён в retailCRM" }]);
    } finally {
      await db().account.update({ where: { id: accountId }, data: { active: true } });
    }
    expect(pbx.originates.length).toBe(before);
  });
});
