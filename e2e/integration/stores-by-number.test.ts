// Stores by number, end to end: the admin maps the company's numbers to retailCRM stores, the
// module registration carries them (externalPhones), the «API» tab's dialplan passes the number
// called, and the CRM gets externalPhone and site on call/event, calls/upload and the call-back
// task; a click from a store's order calls out with that store's number.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { playContext } from "@/e2e/setup/dialplan-player";
import { FAST_DELIVERY } from "@/e2e/setup/delivery";
import { demoCrmAccount, crmOptionsInput } from "@/e2e/setup/factories";
import { serveRoutes } from "@/e2e/setup/route-server";
import { until } from "@/e2e/setup/until";
import { closeAmiSessions } from "@/lib/asterisk/ami/pool";
import { dialplanModern } from "@/lib/asterisk/snippets";
import { saveCrmOptions } from "@/lib/crm-options";
import { encryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import { startDeliveryWorker, type DeliveryWorker } from "@/lib/delivery";
import { clearCallerCache } from "@/lib/dialplan";
import { saveStoreNumbers } from "@/lib/sites";

let crm: RetailCrmSim;
let pbx: AsteriskSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let worker: DeliveryWorker;
let clientId: string;
let accountId: string;
let moduleCode: string;
let code: string;

function received(uniqueid: string) {
  return {
    events: crm.state.callEvents.filter((e) => e.event.callExternalId === uniqueid).map((e) => e.event),
    uploads: crm.state.calls.filter((c) => c.call.externalId === uniqueid).map((c) => c.call),
  };
}

const event = (params: Record<string, string>) =>
  fetch(`${app.url}/api/event?${new URLSearchParams({ clientId, ...params })}`).then((r) => r.status);

/** The 21+ dialplan the «API» tab gives this account. */
function dialplan() {
  return dialplanModern({
    locale: "ru",
    serviceUrl: app.url,
    clientId,
    amiLogin: "crm",
    amiTransport: "HTTP",
    channelTemplate: "PJSIP",
  });
}

beforeAll(async () => {
  pbx = await createAsteriskSim({
    tcpPort: 0,
    httpPort: 0,
    users: [{ username: "crm", secret: "s3cret", read: "call", write: "originate" }],
  });
  app = await serveRoutes({
    "/api/manager": await import("@/app/api/manager/route"),
    "/api/event": await import("@/app/api/event/route"),
    "/api/crm/make-call": await import("@/app/api/crm/make-call/route"),
  });
  process.env.PUBLIC_URL = app.url;
  const demo = await demoCrmAccount({ 3: "101", 7: "107" });
  crm = demo.crm;
  clientId = demo.account.clientId;
  accountId = demo.account.id;
  moduleCode = demo.account.moduleCode;
  await db().asteriskSettings.update({
    where: { accountId },
    data: {
      amiPort: pbx.httpPort!,
      amiLogin: "crm",
      amiSecretEnc: encryptSecret("s3cret"),
      channelTemplate: "PJSIP",
      outgoingContext: "from-internal",
    },
  });
  code = dialplan()
    .map((snippet) => snippet.code)
    .join("\n\n");
  worker = await startDeliveryWorker(process.env.DATABASE_URL!, FAST_DELIVERY);
});

afterAll(async () => {
  await closeAmiSessions();
  await worker.stop();
  await app.close();
  await crm.close();
  await pbx.close();
});

describe("stores by number", () => {
  it("registers the numbers with the CRM as externalPhones, and says which stores it does not know", async () => {
    expect(
      await saveStoreNumbers(accountId, [
        { phone: "+7 (495) 123-45-67", siteCode: "demo-shop" },
        { phone: "84997654321", siteCode: "asterisk-api-alice-trade" },
      ]),
    ).toEqual([]);
    expect(crm.state.modules.get(moduleCode)!.integrations.telephony!.externalPhones).toEqual([
      { siteCode: "demo-shop", externalPhone: "+74951234567" },
      { siteCode: "asterisk-api-alice-trade", externalPhone: "84997654321" },
    ]);
    const unknown = await saveStoreNumbers(accountId, [
      { phone: "+74951234567", siteCode: "demo-shop" },
      { phone: "84997654321", siteCode: "asterisk-api-alice-trade" },
      { phone: "+74950000000", siteCode: "closed-shop" },
    ]);
    expect(unknown).toEqual(["closed-shop"]);
    await saveStoreNumbers(accountId, [
      { phone: "+74951234567", siteCode: "demo-shop" },
      { phone: "84997654321", siteCode: "asterisk-api-alice-trade" },
    ]);
  });

  it("keeps nothing when the CRM refuses the numbers", async () => {
    crm.failNext(1, {
      status: 400,
      pathPrefix: "/api/v5/integration-modules",
      body: { success: false, errorMsg: "Errors in the entity format" },
    });
    await expect(saveStoreNumbers(accountId, [{ phone: "+74950000001", siteCode: "demo-shop" }])).rejects.toThrow();
    expect((await db().externalPhone.findMany({ where: { accountId } })).map((row) => row.phone).sort()).toEqual([
      "+74951234567",
      "84997654321",
    ]);
  });

  it("an incoming call on a store's number: the dialplan passes it, and the CRM gets its number and store everywhere", async () => {
    await clearCallerCache();
    crm.clearRequests();
    const uniqueid = "1733391000.1";
    // The trunk's context set CRM_DID to the number called (as the trunk spells it) before init-channel.
    const vars = { "CALLERID(num)": "89001234567", CRM_DID: "74951234567", UNIQUEID: uniqueid, EXTEN: "s" };
    const lookup = dialplan().find((snippet) => snippet.id === "modern-lookup-text")!.code;
    const played = await playContext(
      lookup,
      "init-channel",
      { vars: { ...vars }, dial: { status: "ANSWER", answeredSeconds: 0 }, recording: "" },
      { curl: async (url) => (await fetch(url)).text() },
    );
    expect(played.curls[0]).toContain("&externalPhone=74951234567");
    expect(played.left).toBe("manager-call,s,1");
    expect(crm.requests.find((r) => r.path === "/api/v5/telephony/manager")!.query).toMatchObject({
      site: "demo-shop",
    });

    expect(await event({ type: "in", uniqueid, phone: "89001234567", code: "101", externalPhone: "74951234567" })).toBe(
      200,
    );
    expect(
      await event({
        type: "hangup",
        uniqueid,
        phone: "89001234567",
        code: "101",
        status: "ANSWER",
        direct: "in",
        duration: "20",
        date: "2026-12-05 12:00:00",
      }),
    ).toBe(200);
    const got = await until(
      () => received(uniqueid),
      (r) => r.events.length === 2 && r.uploads.length === 1,
      15_000,
    );
    for (const sent of [...got.events, ...got.uploads])
      expect(sent).toMatchObject({ externalPhone: "+74951234567", site: "demo-shop" });
  });

  it("a missed call on a store's number: the call-back task's phoneSite is that store", async () => {
    expect(
      await saveCrmOptions(
        accountId,
        crmOptionsInput({
          missedTasks: true,
          missedTaskDefaultUserId: "7",
          missedTaskTemplate: "Перезвонить {customer} {phone}",
        }),
      ),
    ).toMatchObject({ ok: true });
    const uniqueid = "1733391000.2";
    expect(
      await event({
        type: "hangup",
        uniqueid,
        phone: "+79164445566",
        status: "NOANSWER",
        direct: "in",
        hold: "20",
        externalPhone: "+7 499 765-43-21",
      }),
    ).toBe(200);
    const task = await until(
      () => [...crm.state.tasks.values()].find((t) => t.phone === "+79164445566"),
      (found) => found !== undefined,
      15_000,
    );
    expect(task).toMatchObject({ phoneSite: "asterisk-api-alice-trade", customer: { id: 105 }, performerId: 7 });
    expect(crm.requests.find((r) => r.path === "/api/v5/tasks/create")!.form).toMatchObject({
      site: "asterisk-api-alice-trade",
    });
    expect(received(uniqueid).uploads[0]).toMatchObject({
      externalPhone: "84997654321",
      site: "asterisk-api-alice-trade",
    });
  });

  it("a click from a store's order calls out with that store's number; a number nobody mapped is not used", async () => {
    const click = await crm.fireMakeCall({
      code: "101",
      phone: "+79001234567",
      userId: 3,
      externalPhone: "+74951234567",
      moduleCode,
    });
    expect(click.json).toEqual({ success: true });
    const originate = pbx.originates.at(-1)!;
    expect(originate.variables).toContain("CRM_EXTERNAL_PHONE=+74951234567");
    const uniqueid = originate.headers.channelid!;

    const played = await playContext(
      code,
      "outgoing-call",
      {
        vars: {
          EXTEN: originate.headers.exten!,
          "CALLERID(num)": "79001234567",
          UNIQUEID: uniqueid,
          EPOCH: String(Date.UTC(2026, 11, 5, 12, 30) / 1000),
          ...Object.fromEntries(originate.variables.map((v) => v.split("=") as [string, string])),
        },
        dial: { status: "ANSWER", answeredSeconds: 5 },
        recording: "",
      },
      { curl: async (url) => (await fetch(url)).text() },
    );
    expect(played.dials).toEqual(["PJSIP/79001234567@trunk"]);
    expect(played.curls[0]).toContain("&code=101&externalPhone=%2B74951234567");
    const got = await until(
      () => received(uniqueid),
      (r) => r.events.length >= 1,
      15_000,
    );
    expect(got.events[0]).toMatchObject({ type: "out", externalPhone: "+74951234567", site: "demo-shop" });

    await crm.fireMakeCall({
      code: "101",
      phone: "+79001234567",
      userId: 3,
      externalPhone: "+74959999999",
      moduleCode,
    });
    expect(pbx.originates.at(-1)!.variables.some((v) => v.startsWith("CRM_EXTERNAL_PHONE="))).toBe(false);
  });
});
