// Call-back tasks for missed calls, end to end: /api/event as the dialplan reports calls, the real
// delivery worker, and the retailCRM simulator's tasks/create, tasks/{id}/edit and tasks/{id}
// with their validation. The window, the chain of performers and the general rate limit.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { FAST_DELIVERY } from "@/e2e/setup/delivery";
import { demoCrmAccount, crmOptionsInput } from "@/e2e/setup/factories";
import { serveRoutes } from "@/e2e/setup/route-server";
import { until } from "@/e2e/setup/until";
import { forgetRecentAccounts } from "@/lib/accounts";
import { saveCrmOptions } from "@/lib/crm-options";
import { defaultTemplate } from "@/lib/callback-tasks";
import { db } from "@/lib/db/client";
import { startDeliveryWorker, type DeliveryWorker } from "@/lib/delivery";
import { listCalls } from "@/lib/journal";

let crm: RetailCrmSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let worker: DeliveryWorker;
let clientId: string;
let accountId: string;
let moduleCode: string;
let sequence = 0;

const OPTIONS = crmOptionsInput({
  missedTasks: true,
  missedTaskDefaultUserId: "7",
  missedTaskTemplate: "Перезвонить {customer} {phone}: пропущенный звонок {time}, ждал {wait} с",
});

interface Call {
  phone: string;
  status?: string;
  direct?: "in" | "out";
  hold?: number;
  duration?: number;
  date?: string;
  code?: string;
}

/** A hangup as event.sh reports it; returns the call's uniqueid. */
async function hangup(call: Call): Promise<string> {
  const uniqueid = `1733390000.${++sequence}`;
  const response = await fetch(
    `${app.url}/api/event?${new URLSearchParams({
      clientId,
      type: "hangup",
      uniqueid,
      phone: call.phone,
      status: call.status ?? "NOANSWER",
      direct: call.direct ?? "in",
      hold: String(call.hold ?? 12),
      duration: String(call.duration ?? 0),
      date: call.date ?? "2026-12-05 10:15:00",
      ...(call.code ? { code: call.code } : {}),
    })}`,
  );
  expect(response.status).toBe(200);
  return uniqueid;
}

async function deliveriesOf(uniqueid: string) {
  return until(
    () =>
      db().delivery.findMany({
        where: { accountId, call: { uniqueid } },
        orderBy: { id: "asc" },
        include: { attempts: { orderBy: { id: "desc" }, take: 1 } },
      }),
    (rows) => rows.length > 0 && rows.every((d) => d.state !== "QUEUED"),
    15_000,
  );
}

function tasks() {
  return [...crm.state.tasks.values()];
}

beforeAll(async () => {
  app = await serveRoutes({
    "/api/event": await import("@/app/api/event/route"),
    "/api/crm/user-status": await import("@/app/api/crm/user-status/route"),
  });
  process.env.PUBLIC_URL = app.url;
  const demo = await demoCrmAccount({ 3: "101", 5: "103", 7: "107" });
  crm = demo.crm;
  clientId = demo.account.clientId;
  accountId = demo.account.id;
  moduleCode = demo.account.moduleCode;
  worker = await startDeliveryWorker(process.env.DATABASE_URL!, FAST_DELIVERY);
});

afterAll(async () => {
  await worker.stop();
  await app.close();
  await crm.close();
});

beforeEach(async () => {
  expect(await saveCrmOptions(accountId, OPTIONS)).toMatchObject({ ok: true });
  forgetRecentAccounts();
});

describe("a call-back task for every missed call", () => {
  it("opens one task for the customer's free manager, with the customer, the number and the call in its text", async () => {
    const uniqueid = await hangup({ phone: "89001234567", hold: 17, date: "2026-12-05 10:15:00" });
    const deliveries = await deliveriesOf(uniqueid);
    expect(deliveries.map((d) => [d.kind, d.state])).toEqual([
      ["CALL_EVENT", "SENT"],
      ["CALLS_UPLOAD", "SENT"],
      ["MISSED_TASK", "SENT"],
    ]);
    expect(tasks()).toHaveLength(1);
    expect(tasks()[0]).toMatchObject({
      performerId: 3,
      customer: { id: 101 },
      phone: "89001234567",
      datetime: "2026-12-05 10:14",
      complete: false,
      text: "Перезвонить Иван Иванов 89001234567: пропущенный звонок 05.12.2026 10:14, ждал 17 с",
    });
    expect(deliveries[2]!.attempts[0]!.response).toMatchObject({ action: "created", performerId: 3, customerId: 101 });
  });

  it("adds a second missed call from the number (spelt otherwise) to the open task instead of opening another", async () => {
    const [task] = tasks();
    const uniqueid = await hangup({ phone: "+7 900 123-45-67", hold: 40, date: "2026-12-05 10:20:40" });
    const deliveries = await deliveriesOf(uniqueid);
    expect(deliveries.map((d) => [d.kind, d.state])).toContainEqual(["MISSED_TASK", "SENT"]);
    expect(tasks()).toHaveLength(1);
    expect(task!.edits).toHaveLength(1);
    expect(task!.text).toBe(
      "Перезвонить Иван Иванов 89001234567: пропущенный звонок 05.12.2026 10:14, ждал 17 с\n" +
        "Ещё пропущенный звонок 05.12.2026 10:20, ждал 40 с",
    );
    expect(
      await db().callbackTask.findUniqueOrThrow({ where: { accountId_phone: { accountId, phone: "9001234567" } } }),
    ).toMatchObject({ crmTaskId: task!.id, missedCalls: 2 });
  });

  it("writes in the language the admin set the options in: an English task and its added line", async () => {
    await db().crmOptions.update({
      where: { accountId },
      data: { locale: "en", missedTaskTemplate: defaultTemplate("en") },
    });
    await deliveriesOf(await hangup({ phone: "+79990002233", hold: 8, date: "2026-12-05 11:00:10" }));
    await deliveriesOf(await hangup({ phone: "+79990002233", hold: 12, date: "2026-12-05 11:05:20" }));
    const task = tasks().find((t) => t.phone === "+79990002233");
    expect(task?.text).toBe(
      "Call back +79990002233: missed call at 05.12.2026 11:00, waited 8 s\n" +
        "Another missed call at 05.12.2026 11:05, waited 12 s",
    );
    expect(defaultTemplate("ru")).toBe(OPTIONS.missedTaskTemplate);
  });

  it("opens one task for two missed calls from one number that arrive together", async () => {
    const before = tasks().length;
    const both = await Promise.all([
      hangup({ phone: "+79995550101", date: "2026-12-05 11:00:00" }),
      hangup({ phone: "+79995550101", date: "2026-12-05 11:00:30" }),
    ]);
    for (const uniqueid of both)
      expect((await deliveriesOf(uniqueid)).map((d) => [d.kind, d.state])).toContainEqual(["MISSED_TASK", "SENT"]);
    const opened = tasks().slice(before);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.edits).toHaveLength(1);
  });

  it("owes no task for an answered call, an outgoing call, or while the option is off", async () => {
    const before = tasks().length;
    const answered = await hangup({ phone: "89001234568", status: "ANSWER", duration: 30, code: "101" });
    const outgoing = await hangup({ phone: "89031234567", direct: "out", code: "101" });
    for (const uniqueid of [answered, outgoing])
      expect((await deliveriesOf(uniqueid)).map((d) => d.kind)).toEqual(["CALL_EVENT", "CALLS_UPLOAD"]);

    expect(await saveCrmOptions(accountId, { ...OPTIONS, missedTasks: false })).toMatchObject({ ok: true });
    const whileOff = await hangup({ phone: "89001112233" });
    expect((await deliveriesOf(whileOff)).map((d) => d.kind)).toEqual(["CALL_EVENT", "CALLS_UPLOAD"]);
    expect(tasks()).toHaveLength(before);
  });

  it("gives the task to the default manager when the customer's is not free (told by the CRM), and for a caller not in the CRM", async () => {
    const away = await crm.fireUserStatus({ userId: 5, status: "break", moduleCode });
    expect(away.status).toBe(200);
    const known = await hangup({ phone: "+79125550012" });
    const unknown = await hangup({ phone: "+79990001122", hold: 5 });
    await deliveriesOf(known);
    await deliveriesOf(unknown);
    expect(tasks().find((t) => t.phone === "+79125550012")).toMatchObject({ performerId: 7, customer: { id: 103 } });
    const stranger = tasks().find((t) => t.phone === "+79990001122");
    expect(stranger).toMatchObject({
      performerId: 7,
      text: "Перезвонить +79990001122: пропущенный звонок 05.12.2026 10:14, ждал 5 с",
    });
    expect(stranger!.customer).toBeUndefined();
    await crm.fireUserStatus({ userId: 5, status: "free", moduleCode });
  });

  it("opens no task for a number reached before its task went out", async () => {
    await worker.stop();
    const before = tasks().length;
    const missed = await hangup({ phone: "89161112233" });
    // The manager called back before the CRM got anything of the missed call.
    await hangup({ phone: "79161112233", direct: "out", status: "ANSWER", duration: 60, code: "107" });
    worker = await startDeliveryWorker(process.env.DATABASE_URL!, FAST_DELIVERY);
    const deliveries = await deliveriesOf(missed);
    const task = deliveries.find((d) => d.kind === "MISSED_TASK")!;
    expect(task.state).toBe("SENT");
    expect(task.attempts[0]!.response).toEqual({ action: "skipped", reason: "reached" });
    expect(tasks()).toHaveLength(before);
    const journal = (await listCalls(accountId, 1)).calls.find((call) => call.uniqueid === missed)!;
    expect(journal.deliveries.find((d) => d.kind === "MISSED_TASK")?.note).toBe(
      "не нужна: номер уже дозвонился или ему перезвонили",
    );
  });

  it("opens a new task once the number's task is done in the CRM", async () => {
    const [first] = tasks();
    first!.complete = true;
    const uniqueid = await hangup({ phone: "89001234567" });
    await deliveriesOf(uniqueid);
    const ivan = tasks().filter((t) => t.customer?.id === 101);
    expect(ivan).toHaveLength(2);
    expect(ivan[1]!.edits).toEqual([]);
  });

  it("records the CRM's refusal with the field it named, and does not send it again", async () => {
    // An inactive default manager: the CRM refuses the performer.
    await db().crmOptions.update({ where: { accountId }, data: { missedTaskDefaultUserId: 8 } });
    crm.clearRequests();
    const uniqueid = await hangup({ phone: "+79990003344" });
    const task = (await deliveriesOf(uniqueid)).find((d) => d.kind === "MISSED_TASK")!;
    expect([task.state, task.lastError]).toEqual([
      "FAILED",
      "Errors in the input parameters (performerId: This value is not valid.)",
    ]);
    expect(crm.requests.filter((r) => r.path === "/api/v5/tasks/create")).toHaveLength(1);
  });

  it("keeps tasks within the general limit of 10 requests a second: 25 missed calls at once, no 503", async () => {
    crm.clearRequests();
    const before = tasks().length;
    const phones = Array.from({ length: 25 }, (_, i) => `+7999100${String(i).padStart(4, "0")}`);
    await Promise.all(phones.map((phone) => hangup({ phone })));
    await until(
      () => tasks().length,
      (count) => count >= before + 25,
      30_000,
    );
    const general = crm.requests.filter((r) => r.path.startsWith("/api/v5/tasks"));
    expect(general.filter((r) => r.status === 503)).toEqual([]);
    const times = general.map((r) => r.at).sort((a, b) => a - b);
    // Any second holds at most the limit and the bucket's quarter-second burst.
    const busiest = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1_000).length));
    expect(busiest).toBeLessThanOrEqual(13);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(1_500);
  });
});

describe("turning tasks on", () => {
  it("checks that the key may call the task methods and names those it may not; off, it asks nothing", async () => {
    const key = crm.state.keys.get(DEMO.apiKey)!;
    const scopes = key.scopes;
    key.scopes = scopes.filter((scope) => !scope.startsWith("task_"));
    try {
      const refused = await saveCrmOptions(accountId, OPTIONS);
      expect(refused.ok).toBe(false);
      expect(!refused.ok && refused.formError).toContain("/api/tasks/create, /api/tasks/{id}/edit, /api/tasks/{id}");
      crm.clearRequests();
      expect(await saveCrmOptions(accountId, { ...OPTIONS, missedTasks: false })).toMatchObject({ ok: true });
      expect(crm.requests.filter((r) => r.path === "/api/credentials")).toEqual([]);
    } finally {
      key.scopes = scopes;
    }
  });

  it("refuses to turn tasks on without a default manager", async () => {
    expect(await saveCrmOptions(accountId, { ...OPTIONS, missedTaskDefaultUserId: "" })).toMatchObject({
      ok: false,
      fieldErrors: {
        missedTaskDefaultUserId: "Выберите, кому ставить задачу, когда у клиента нет менеджера или он не свободен",
      },
    });
  });
});
