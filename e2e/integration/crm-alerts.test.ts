// Alerts to the admins inside retailCRM (notifications/send): AMI down for longer than the admin's
// minutes, calls the CRM keeps refusing, and their end; at most one per cause an hour, whichever
// process checks. Time is moved by moving the stored moments back, as an hour would.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { FAST_DELIVERY } from "@/e2e/setup/delivery";
import { demoCrmAccount, crmOptionsInput } from "@/e2e/setup/factories";
import { until } from "@/e2e/setup/until";
import { checkAlerts } from "@/lib/alerts";
import { saveCrmOptions } from "@/lib/crm-options";
import { db, dbPool } from "@/lib/db/client";
import { startBackground } from "@/lib/background";

let crm: RetailCrmSim;
let accountId: string;

const ALERTS = crmOptionsInput({ alertsEnabled: true, alertUserIds: ["1", "3"] });

/** Moves the cause's stored moments back, as if `minutes` had passed. */
async function age(cause: string, minutes: number) {
  await dbPool().query(
    `UPDATE "alert_states" SET "since" = "since" - $3 * interval '1 minute', "lastSentAt" = "lastSentAt" - $3 * interval '1 minute'
     WHERE "accountId" = $1 AND "cause" = $2`,
    [accountId, cause, minutes],
  );
}

async function amiState(state: string, lastError: string | null) {
  await db().amiListener.upsert({
    where: { accountId },
    create: { accountId, state, lastError },
    update: { state, lastError },
  });
}

const sent = () => crm.state.notifications.map((n) => ({ type: n.type, message: n.message, userIds: n.userIds }));

beforeAll(async () => {
  const demo = await demoCrmAccount({ 3: "101" });
  crm = demo.crm;
  accountId = demo.account.id;
  await db().asteriskSettings.update({
    where: { accountId },
    data: { eventSource: "AMI", amiHost: "pbx.example.com", amiEventsPort: 5038, inboundContexts: ["from-trunk"] },
  });
  expect(await saveCrmOptions(accountId, ALERTS)).toMatchObject({ ok: true });
});

afterAll(async () => {
  await crm.close();
});

beforeEach(() => {
  crm.state.notifications.splice(0);
});

describe("alerts in retailCRM", () => {
  it("AMI down: nothing before the admin's minutes, one alert after them, one an hour at most, and one when it is back", async () => {
    await amiState("failed", "АТС недоступна: соединение отклонено");
    await checkAlerts(dbPool());
    expect(sent()).toEqual([]);

    await age("ami-down", 11);
    await checkAlerts(dbPool());
    await checkAlerts(dbPool());
    expect(sent()).toEqual([
      {
        type: "api.error",
        message: expect.stringMatching(
          /^Модуль Asterisk: нет подключения к AMI pbx\.example\.com:5038 уже 11 мин: АТС недоступна: соединение отклонено\./,
        ),
        userIds: [1, 3],
      },
    ]);

    await age("ami-down", 50);
    await checkAlerts(dbPool());
    expect(sent()).toHaveLength(1);
    await age("ami-down", 11);
    await checkAlerts(dbPool());
    expect(sent()).toHaveLength(2);

    await amiState("connected", null);
    await checkAlerts(dbPool());
    await checkAlerts(dbPool());
    expect(sent().slice(2)).toEqual([
      {
        type: "api.info",
        message: "Модуль Asterisk: подключение к AMI восстановлено, события звонков снова приходят.",
        userIds: [1, 3],
      },
    ]);
  });

  it("a short outage that ended before its alert tells nothing", async () => {
    await amiState("failed", "timeout");
    await checkAlerts(dbPool());
    await age("ami-down", 3);
    await amiState("connected", null);
    await checkAlerts(dbPool());
    expect(sent()).toEqual([]);
  });

  it("calls the CRM keeps refusing: the alert carries the CRM's error; one that could not be sent goes next round", async () => {
    const call = await db().call.create({
      data: { accountId, uniqueid: "1733392000.1", direction: "IN", phone: "89001234567", startedAt: new Date() },
    });
    const event = await db().callEvent.create({
      data: { accountId, uniqueid: call.uniqueid, type: "HANGUP", payload: { phone: "89001234567" } },
    });
    for (const kind of ["CALL_EVENT", "CALLS_UPLOAD", "CALL_EVENT"] as const)
      await db().delivery.create({
        data: {
          accountId,
          callId: call.id,
          eventId: event.id,
          kind,
          state: "FAILED",
          lastError: "Telephony not enabled",
        },
      });
    await checkAlerts(dbPool());
    await age("delivery-failing", 11);
    crm.failNext(1, { status: 503, pathPrefix: "/api/v5/notifications/send" });
    await checkAlerts(dbPool());
    expect(sent()).toEqual([]);
    await checkAlerts(dbPool());
    expect(sent()).toEqual([
      {
        type: "api.error",
        message: expect.stringContaining("звонки не доходят до CRM уже 11 мин: Telephony not enabled."),
        userIds: [1, 3],
      },
    ]);

    await db().delivery.create({
      data: { accountId, callId: call.id, eventId: event.id, kind: "CALLS_UPLOAD", state: "SENT" },
    });
    await checkAlerts(dbPool());
    expect(sent().at(-1)).toEqual({
      type: "api.info",
      message: "Модуль Asterisk: звонки снова доходят до CRM.",
      userIds: [1, 3],
    });
  });

  it("the delivery processes check on their own, and two of them send one alert", async () => {
    await amiState("failed", "АТС не приняла логин или пароль AMI");
    await checkAlerts(dbPool());
    // An hour after the first test's last alert: the next may go.
    await age("ami-down", 61);
    const workers = await Promise.all([
      startBackground(process.env.DATABASE_URL!, { delivery: FAST_DELIVERY, alertEveryMs: 50 }),
      startBackground(process.env.DATABASE_URL!, { delivery: FAST_DELIVERY, alertEveryMs: 50 }),
    ]);
    try {
      await until(
        () => sent(),
        (got) => got.length > 0,
        10_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(sent()).toHaveLength(1);
      expect(sent()[0]!.message).toContain("Модуль Asterisk: нет подключения к AMI pbx.example.com:5038 уже 61 мин");
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
    }
  });
});
