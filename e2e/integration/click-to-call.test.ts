// A click in retailCRM (fired by the CRM simulator at makeCallUrl) becomes the exact AMI
// Originate the Asterisk simulator records, over HTTP rawman and over TCP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { serveRoutes } from "@/e2e/setup/route-server";
import * as makeCallRoute from "@/app/api/crm/make-call/route";
import * as userStatusRoute from "@/app/api/crm/user-status/route";
import { closeAmiSessions } from "@/lib/asterisk/ami/pool";
import { encryptSecret } from "@/lib/crypto/secrets";
import { db, dbPool } from "@/lib/db/client";
import { owedRequestsOfCalls } from "@/lib/delivery";
import { demoCrmAccount } from "@/e2e/setup/factories";

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
  pbx = await createAsteriskSim({
    tcpPort: 0,
    httpPort: 0,
    loginFailDelayMs: 100,
    users: [ami, { username: "viewer", secret: "v", read: "call", write: "reporting" }],
  });
  app = await serveRoutes({ "/api/crm/make-call": makeCallRoute, "/api/crm/user-status": userStatusRoute });
  process.env.PUBLIC_URL = app.url;
  // The module registers its callbacks at PUBLIC_URL: the routes are served first.
  let account;
  ({ crm, account } = await demoCrmAccount({ 3: "101" }));
  accountId = account.id;
  moduleCode = account.moduleCode;
});
afterAll(async () => {
  await closeAmiSessions();
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
    expect(originate.variables).toEqual([
      `CRM_CLICK_ID=${originate.headers.channelid}`,
      "CRM_PHONE=79001234567",
      "CRM_CODE=101",
    ]);
    expect(
      await db().call.findUnique({
        where: { accountId_uniqueid: { accountId, uniqueid: originate.headers.channelid! } },
      }),
    ).toMatchObject({ direction: "OUT", extension: "101", result: null });
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
    const last = await db().call.findFirstOrThrow({ where: { accountId, result: "failed" }, orderBy: { id: "desc" } });
    expect(last.failureReason).toBe("Не удалось позвонить: АТС недоступна");
  });

  it("refuses an extension that is not this manager's, bad input, unknown accounts and a switched-off module", async () => {
    await useAmi("HTTP");
    const before = pbx.originates.length;
    expect((await crm.fireMakeCall({ code: "101", phone: "89001234567", userId: 4, moduleCode })).json).toEqual({
      success: false,
      errorMsg: "Внутренний номер 101 не назначен этому сотруднику в модуле Asterisk",
    });
    const call = (q: Record<string, string>) =>
      fetch(`${app.url}/api/crm/make-call?${new URLSearchParams(q)}`).then(async (r) => [r.status, await r.json()]);
    const { clientId } = await db().account.findUniqueOrThrow({ where: { id: accountId } });
    expect(await call({ clientId, code: "10a", phone: "1", userId: "3" })).toEqual([
      400,
      { success: false, errorMsg: "parameter code must be the manager's extension (digits)" },
    ]);
    expect(await call({ clientId, code: "101", phone: "drop table", userId: "3" })).toEqual([
      400,
      { success: false, errorMsg: "parameter phone must be a phone number" },
    ]);
    expect(await call({ clientId: "b".repeat(64), code: "101", phone: "1", userId: "3" })).toEqual([
      401,
      { success: false, errorMsg: "unknown clientId" },
    ]);
    await db().account.update({ where: { id: accountId }, data: { active: false } });
    try {
      expect(await call({ clientId, code: "101", phone: "89001234567", userId: "3" })).toEqual([
        403,
        { success: false, errorMsg: "модуль отключён в retailCRM" },
      ]);
    } finally {
      await db().account.update({ where: { id: accountId }, data: { active: true } });
    }
    expect(pbx.originates.length).toBe(before);
  });
});

describe("the kept AMI session", () => {
  const click = () => crm.fireMakeCall({ code: "101", phone: "89001234567", userId: 3, moduleCode });
  const logins = (transport: string) =>
    pbx.actions.filter((a) => a.transport === transport && a.action.toLowerCase() === "login").length;

  it.each([
    ["TCP", "tcp"],
    ["HTTP", "http"],
  ] as const)("logs in once over %s and reuses the session", async (kind, transport) => {
    await closeAmiSessions();
    await useAmi(kind);
    const before = logins(transport);
    for (let i = 0; i < 3; i++) expect((await click()).json).toEqual({ success: true });
    expect(logins(transport) - before).toBe(1);
  });

  it("comes back by itself after a dropped connection and after an Asterisk restart", async () => {
    await closeAmiSessions();
    await useAmi("TCP");
    expect((await click()).json).toEqual({ success: true });
    pbx.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await click()).json).toEqual({ success: true });
    await pbx.restart();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await click()).json).toEqual({ success: true });
  });

  it.each(["TCP", "HTTP"] as const)(
    "while Asterisk is down over %s: a clear error for each click, then working again by itself",
    async (kind) => {
      await closeAmiSessions();
      await useAmi(kind);
      expect((await click()).json).toEqual({ success: true });
      pbx.setMode("refuse");
      pbx.dropConnections();
      for (let i = 0; i < 2; i++) {
        const refused = await click();
        expect(refused.json).toEqual({
          success: false,
          errorMsg: expect.stringMatching(/^Не удалось позвонить: АТС (недоступна|отказала в соединении)$/),
        });
        expect(refused.ms).toBeLessThan(4_000);
      }
      pbx.setMode("normal");
      const originated = pbx.originates.length;
      expect((await click()).json).toEqual({ success: true });
      expect(pbx.originates.length).toBe(originated + 1);
    },
  );

  it("logs in again when Asterisk has expired the HTTP session", async () => {
    await closeAmiSessions();
    const shortLived = await createAsteriskSim({ tcpPort: null, httpPort: 0, httptimeout: 1, users: [ami] });
    try {
      await db().asteriskSettings.update({
        where: { accountId },
        data: {
          amiTransport: "HTTP",
          amiPort: shortLived.httpPort!,
          amiLogin: ami.username,
          amiSecretEnc: encryptSecret(ami.secret),
        },
      });
      expect((await click()).json).toEqual({ success: true });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await click()).json).toEqual({ success: true });
      expect(shortLived.originates).toHaveLength(2);
      expect(shortLived.actions.filter((a) => a.action.toLowerCase() === "login")).toHaveLength(2);
    } finally {
      await closeAmiSessions();
      await shortLived.close();
    }
  });

  it("leaves no socket open when the sessions are closed", async () => {
    await useAmi("TCP");
    await click();
    expect(pbx.tcpConnections).toBeGreaterThan(0);
    await closeAmiSessions();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pbx.tcpConnections).toBe(0);
  });
});

describe("account options of click-to-call", () => {
  it("sends the CRM the out event of a click at once when the account asks for it", async () => {
    await useAmi("HTTP");
    await db().asteriskSettings.update({ where: { accountId }, data: { sendOutEvent: true } });
    try {
      expect((await crm.fireMakeCall({ code: "101", phone: "89001234567", userId: 3, moduleCode })).json).toEqual({
        success: true,
      });
      const clickId = pbx.originates.at(-1)!.headers.channelid!;
      const stored = await db().callEvent.findUniqueOrThrow({
        where: { accountId_uniqueid_type_ring: { accountId, uniqueid: clickId, type: "OUT", ring: "" } },
      });
      expect(stored.payload).toMatchObject({ type: "out", phone: "89001234567", code: "101" });
      const call = await db().call.findUniqueOrThrow({
        where: { accountId_uniqueid: { accountId, uniqueid: clickId } },
      });
      const account = await db().account.findUniqueOrThrow({ where: { id: accountId } });
      expect(await owedRequestsOfCalls(dbPool(), [call.id], account.clientId)).toMatchObject([
        { kind: "CALL_EVENT", body: { type: "out", codes: ["101"], callExternalId: clickId } },
      ]);
    } finally {
      await db().asteriskSettings.update({ where: { accountId }, data: { sendOutEvent: false } });
    }
  });

  it("pauses the manager's queues while the CRM says they are not free, when the account asks for it", async () => {
    await useAmi("TCP");
    const pauses = () => pbx.actions.filter((a) => a.action.toLowerCase() === "queuepause");
    const before = pauses().length;
    await crm.fireUserStatus({ userId: 3, status: "dinner", moduleCode });
    expect(pauses()).toHaveLength(before);
    await db().asteriskSettings.update({ where: { accountId }, data: { pauseQueueWhenAway: true } });
    try {
      const ami = { username: "crm", secret: "s3cret", read: "call", write: "originate,agent" };
      pbx.setUsers([ami]);
      await closeAmiSessions();
      expect((await crm.fireUserStatus({ userId: 3, status: "break", moduleCode })).json).toEqual({ success: true });
      expect(pauses().at(-1)?.headers).toMatchObject({ interface: "PJSIP/101", paused: "true", reason: "CRM: break" });
      await crm.fireUserStatus({ userId: 3, status: "free", moduleCode });
      expect(pauses().at(-1)?.headers).toMatchObject({ interface: "PJSIP/101", paused: "false" });
    } finally {
      await db().asteriskSettings.update({ where: { accountId }, data: { pauseQueueWhenAway: false } });
    }
  });
});
