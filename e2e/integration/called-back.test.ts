// «Перезвонили» end to end (docs/crm-features.md): missed calls marked called back when a later
// call with the number is answered, whichever way the calls came in: /api/event as the dialplan
// reports them, AMI events a real Asterisk 22 sent (replayed by the simulated PBX), and CDR lines
// posted as cdr-sync.sh posts them, a missed call told late included. The number's call-back task
// is completed in the retailCRM simulator once, through the delivery queue, 503s retried.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cdrLines, timed, transcriptEvents, when, type Scenario, type Step } from "@/e2e/fixtures/ami-transcripts";
import { amiModeSettings, eventConnectionUp } from "@/e2e/setup/ami-mode";
import { serveCallRoutes, startWorkers } from "@/e2e/setup/delivery";
import {
  AMI_EVENTS_USER,
  amiConnected,
  crmOptionsInput,
  demoCrmAccount,
  fullCdrAllowance,
  listenToAmi,
} from "@/e2e/setup/factories";
import { until } from "@/e2e/setup/until";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { forgetRecentAccounts } from "@/lib/accounts";
import { saveCrmOptions } from "@/lib/crm-options";
import { db } from "@/lib/db/client";
import { listCalls, pageOfCall } from "@/lib/journal";
import { accountOverview } from "@/lib/overview";

interface Account {
  crm: RetailCrmSim;
  id: string;
  clientId: string;
}

let app: Awaited<ReturnType<typeof serveCallRoutes>>;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let dialplan: Account;
let amiAccount: Account;
let cdrAccount: Account;
let amiPbx: AsteriskSim;
let cdrPbx: AsteriskSim;
let sequence = 0;
let lateMissed: string;

const TASKS_ON = crmOptionsInput({ missedTasks: true, missedTaskDefaultUserId: "7" });

async function account(extensions: Record<number, string>): Promise<Account> {
  const { crm, account } = await demoCrmAccount(extensions);
  expect(await saveCrmOptions(account.id, TASKS_ON)).toMatchObject({ ok: true });
  return { crm, id: account.id, clientId: account.clientId };
}

interface Hangup {
  phone: string;
  status: string;
  direct: "in" | "out";
  /** The hangup's date: the call began `hold` + `duration` seconds before. */
  date: string;
  hold: number;
  duration: number;
  code?: string;
}

/** A hangup as event.sh reports it; returns the call's uniqueid. */
async function hangup(call: Hangup): Promise<string> {
  const uniqueid = `1733400000.${++sequence}`;
  const { code, hold, duration, ...rest } = call;
  const response = await fetch(
    `${app.url}/api/event?${new URLSearchParams({
      clientId: dialplan.clientId,
      type: "hangup",
      uniqueid,
      ...rest,
      hold: String(hold),
      duration: String(duration),
      ...(code ? { code } : {}),
    })}`,
  );
  expect(response.status).toBe(200);
  return uniqueid;
}

function callOf(accountId: string, uniqueid: string) {
  return db().call.findUniqueOrThrow({ where: { accountId_uniqueid: { accountId, uniqueid } } });
}

/** The call's deliveries once none is queued. */
function settled(accountId: string, uniqueid: string, count: number) {
  return until(
    () =>
      db().delivery.findMany({
        where: { accountId, call: { uniqueid } },
        orderBy: { id: "asc" },
        include: { attempts: { orderBy: { id: "asc" } } },
      }),
    (rows) => rows.length >= count && rows.every((d) => d.state !== "QUEUED"),
    15_000,
  );
}

/** Successful tasks/{id}/edit requests the CRM got for the task. */
const completions = (crm: RetailCrmSim, taskId: number) =>
  crm.requests.filter(
    (request) =>
      request.path === `/api/v5/tasks/${taskId}/edit` &&
      request.status === 200 &&
      (JSON.parse(request.form.task!) as { complete?: boolean }).complete === true,
  );

beforeAll(async () => {
  app = await serveCallRoutes();
  dialplan = await account({ 3: "101", 4: "103", 7: "107" });
  amiPbx = await createAsteriskSim({ tcpPort: 0, httpPort: null, users: [AMI_EVENTS_USER] });
  cdrPbx = await createAsteriskSim({ tcpPort: 0, httpPort: null, users: [AMI_EVENTS_USER] });
  amiAccount = await account({ 3: "102", 4: "103", 7: "105" });
  const amiSettings = {
    ...amiModeSettings(amiPbx, AMI_EVENTS_USER),
    inboundContexts: ["init-channel", "plain-in"],
    outboundContexts: ["from-manager"],
  };
  await db().asteriskSettings.upsert({
    where: { accountId: amiAccount.id },
    create: { accountId: amiAccount.id, ...amiSettings },
    update: amiSettings,
  });

  cdrAccount = await account({ 3: "102", 4: "103", 7: "107" });
  // The transcripts' PBX kept its clock in UTC.
  await listenToAmi(cdrAccount.id, cdrPbx, { inboundContexts: ["inbound", "inbound-queue"], pbxTimeZone: "UTC" });
  forgetRecentAccounts();
  workers = await startWorkers();
  await eventConnectionUp(amiAccount.id);
  await amiConnected(cdrAccount.id);
}, 60_000);

afterAll(async () => {
  await workers.stop();
  await Promise.all([app.close(), amiPbx.close(), cdrPbx.close()]);
  await Promise.all([dialplan.crm.close(), amiAccount.crm.close(), cdrAccount.crm.close()]);
});

describe("calls from the dialplan", () => {
  let missed: string;
  let taskId: number;

  it("a missed call opens its task and is not called back yet", async () => {
    missed = await hangup({
      phone: "89001234567",
      status: "NOANSWER",
      direct: "in",
      date: "2026-12-05 10:15:00",
      hold: 12,
      duration: 0,
    });
    const deliveries = await settled(dialplan.id, missed, 3);
    expect(deliveries.map((d) => [d.kind, d.state])).toContainEqual(["MISSED_TASK", "SENT"]);
    taskId = [...dialplan.crm.state.tasks.values()][0]!.id;
    expect(await callOf(dialplan.id, missed)).toMatchObject({ calledBackAt: null, calledBackSeconds: null });
  });

  it("an outgoing call answered 12 minutes later, the number spelt otherwise, marks it and completes the task once, through 503s", async () => {
    dialplan.crm.failNext(2, {
      status: 503,
      body: { success: false, errorMsg: "Rate limit exceeded" },
      pathPrefix: `/api/v5/tasks/${taskId}/edit`,
    });
    // Began at 10:27:00 (the hangup at 10:28:05 after 5 s of ringing and 60 s of talk): 12 minutes after the missed call ended.
    const back = await hangup({
      phone: "+7 (900) 123-45-67",
      status: "ANSWER",
      direct: "out",
      date: "2026-12-05 10:28:05",
      hold: 5,
      duration: 60,
      code: "103",
    });
    const backCall = await callOf(dialplan.id, back);
    expect(await callOf(dialplan.id, missed)).toMatchObject({
      calledBackAt: backCall.startedAt,
      calledBackSeconds: 720,
      calledBackByCallId: backCall.id,
      calledBackExtension: "103",
    });
    const deliveries = await settled(dialplan.id, back, 3);
    expect(deliveries.map((d) => [d.kind, d.state])).toEqual([
      ["CALL_EVENT", "SENT"],
      ["CALLS_UPLOAD", "SENT"],
      ["TASK_COMPLETE", "SENT"],
    ]);
    const completion = deliveries[2]!;
    expect(completion.attempts.map((a) => a.httpStatus)).toEqual([503, 503, 200]);
    expect(completion.attempts.at(-1)!.response).toEqual({ action: "completed", taskId });
    expect(dialplan.crm.state.tasks.get(taskId)).toMatchObject({ complete: true });
    expect(completions(dialplan.crm, taskId)).toHaveLength(1);
    expect(
      await db().callbackTask.findUniqueOrThrow({
        where: { accountId_phone: { accountId: dialplan.id, phone: "9001234567" } },
      }),
    ).toMatchObject({ crmTaskId: taskId, completedAt: expect.any(Date) });

    const journal = await listCalls(dialplan.id, 1);
    expect(journal.calls.find((c) => c.uniqueid === missed)!.calledBack).toEqual({
      after: "перезвонили через 12 мин",
      extension: "103",
      manager: "Петрова Александра",
    });
    expect(journal.calls.find((c) => c.uniqueid === back)!.deliveries.map((d) => d.label)).toContain(
      "закрыть задачу перезвонить",
    );
  });

  it("a later answered call with the number marks nothing again and sends no second completion", async () => {
    const again = await hangup({
      phone: "89001234567",
      status: "ANSWER",
      direct: "in",
      date: "2026-12-05 11:00:00",
      hold: 3,
      duration: 30,
      code: "101",
    });
    expect((await settled(dialplan.id, again, 2)).map((d) => d.kind)).toEqual(["CALL_EVENT", "CALLS_UPLOAD"]);
    expect((await callOf(dialplan.id, missed)).calledBackExtension).toBe("103");
    expect(completions(dialplan.crm, taskId)).toHaveLength(1);
  });

  it("a key that may not edit tasks: the completion is recorded as refused, once, and the task stays open here", async () => {
    const missedNow = await hangup({
      phone: "89007770001",
      status: "NOANSWER",
      direct: "in",
      date: "2026-12-05 10:30:00",
      hold: 8,
      duration: 0,
    });
    await settled(dialplan.id, missedNow, 3);
    const task = [...dialplan.crm.state.tasks.values()].find((t) => t.phone === "89007770001")!;
    dialplan.crm.failNext(1, {
      status: 403,
      body: { success: false, errorMsg: "Access denied." },
      pathPrefix: `/api/v5/tasks/${task.id}/edit`,
    });
    const back = await hangup({
      phone: "89007770001",
      status: "ANSWER",
      direct: "out",
      date: "2026-12-05 10:40:00",
      hold: 5,
      duration: 20,
      code: "103",
    });
    const completion = (await settled(dialplan.id, back, 3)).find((d) => d.kind === "TASK_COMPLETE")!;
    expect(completion).toMatchObject({ state: "FAILED", lastError: "Access denied." });
    expect(completion.attempts.map((a) => a.httpStatus)).toEqual([403]);
    expect(dialplan.crm.state.tasks.get(task.id)!.complete).toBe(false);
    expect(
      await db().callbackTask.findUniqueOrThrow({
        where: { accountId_phone: { accountId: dialplan.id, phone: "9007770001" } },
      }),
    ).toMatchObject({ completedAt: null });
    expect((await callOf(dialplan.id, missedNow)).calledBackSeconds).toBe(575);
  });

  it("an answered incoming call counts too; a call back after the account's window does not", async () => {
    expect(await saveCrmOptions(dialplan.id, { ...TASKS_ON, callBackWindowHours: "1" })).toMatchObject({ ok: true });
    const early = await hangup({
      phone: "89005550001",
      status: "BUSY",
      direct: "in",
      date: "2026-12-05 12:00:10",
      hold: 10,
      duration: 0,
    });
    lateMissed = await hangup({
      phone: "89005550002",
      status: "NOANSWER",
      direct: "in",
      date: "2026-12-05 12:00:10",
      hold: 10,
      duration: 0,
    });
    await hangup({
      phone: "89005550001",
      status: "ANSWER",
      direct: "in",
      date: "2026-12-05 12:00:50",
      hold: 5,
      duration: 5,
      code: "101",
    });
    await hangup({
      phone: "89005550002",
      status: "ANSWER",
      direct: "out",
      date: "2026-12-05 13:01:00",
      hold: 5,
      duration: 5,
      code: "101",
    });
    expect(await callOf(dialplan.id, early)).toMatchObject({ calledBackSeconds: 30, calledBackExtension: "101" });
    expect(await callOf(dialplan.id, lateMissed)).toMatchObject({ calledBackAt: null });
  });
});

describe("«Обзор» of the dialplan's calls", () => {
  it("counts the missed calls called back within 5, 15 and 60 minutes, the median, who called back, and lists the rest", async () => {
    const overview = await accountOverview(dialplan.id, 7, new Date("2026-12-06T12:00:00Z"));
    const late = await callOf(dialplan.id, lateMissed);
    // Called back after 30 s (by 101), 9 min 35 s and 12 min (both by 103); one never.
    expect(overview.callBacks).toEqual({
      missed: 4,
      calledBack: 3,
      within: [
        { minutes: 5, share: 1 / 4 },
        { minutes: 15, share: 3 / 4 },
        { minutes: 60, share: 3 / 4 },
      ],
      medianSeconds: 575,
      managers: [
        { extension: "103", name: "Петрова Александра", calledBack: 2, medianSeconds: 647.5 },
        { extension: "101", name: "Соколова Инна", calledBack: 1, medianSeconds: 30 },
      ],
      notCalledBack: [{ id: late.id, phone: "89005550002", startedAt: "2026-12-05 12:00:00" }],
    });
    // Its link finds the call's page of the journal.
    expect(await pageOfCall(dialplan.id, late.id)).toBe(1);
  });
});

/** Plays a scenario as a new call (ids prefixed), its clock starting `later` seconds from now. */
function play(scenario: Scenario, steps: Step[], later = 0): (id: string) => string {
  const prefix = `cb${Date.now() % 100_000}${++sequence}`;
  const renumber = (id: string) => (id ? `${prefix}-${id}` : id);
  amiPbx.replay(timed(transcriptEvents(scenario), steps, Date.now() / 1000 + later), { renumber });
  return renumber;
}

describe("calls from AMI events", () => {
  it("a caller nobody answered, then put through to a manager: the missed call is called back, its task completed", async () => {
    const missed = play("direct-no-answer", [{ matches: when("DialEnd"), seconds: 5 }])("1796313742.23");
    const task = await until(
      () => [...amiAccount.crm.state.tasks.values()][0],
      (found) => found !== undefined,
    );
    expect(task).toMatchObject({ phone: "84950000002", complete: false });
    // A minute later on the PBX's clock (its Timestamps); the calls' starts are whole seconds.
    const back = play(
      "blind-transfer",
      [
        { matches: when("DialEnd", { DialStatus: "ANSWER" }), seconds: 2 },
        { matches: when("BlindTransfer"), seconds: 6 },
      ],
      60,
    )("1796313789.41");
    const marked = await until(
      () => callOf(amiAccount.id, missed),
      (call) => call.calledBackAt !== null,
    );
    const backCall = await callOf(amiAccount.id, back);
    expect(marked).toMatchObject({ calledBackByCallId: backCall.id, calledBackExtension: "103" });
    // Rang 5 s, called back a minute after it began.
    expect(marked.calledBackSeconds).toBeGreaterThanOrEqual(54);
    expect(marked.calledBackSeconds).toBeLessThanOrEqual(56);
    await until(
      () => amiAccount.crm.state.tasks.get(task!.id)!.complete,
      (complete) => complete,
    );
    expect(completions(amiAccount.crm, task!.id)).toHaveLength(1);
  });
});

describe("calls from the CDR", () => {
  const CDR = cdrLines();
  /** The lines of a call, its uniqueids prefixed: another call than the fixture's. */
  const prefixed = (lines: string[], prefix: string) =>
    lines.map((line) => line.replace(/"(\d{10}\.\d+)"/g, `"${prefix}-$1"`));
  /** (a), the caller put through to 103, as if 103 had not answered: the whole ring a wait. */
  const unanswered = (lines: string[]) =>
    lines.map((line) =>
      line
        .replace(/"(2026-12-06 20:04:14)","2026-12-06 20:04:14"/, '"$1",')
        .replace(/,20,20,"ANSWERED"/, ',20,0,"NO ANSWER"'),
    );

  async function postCdr(lines: string[]): Promise<unknown> {
    await fullCdrAllowance(cdrAccount.id);
    const response = await fetch(`${app.url}/api/cdr?clientId=${cdrAccount.clientId}`, {
      method: "POST",
      body: `${lines.join("\n")}\n`,
    });
    return response.json();
  }

  it("a missed call the CDR tells after the call that called it back still finds it", async () => {
    // (c): 103 dialled 89001234567 at 20:05:06, answered.
    expect(await postCdr(prefixed(CDR.c!, "cdr"))).toMatchObject({ recovered: 1 });
    // (a) unanswered: 89001234567 rang 103 from 20:04:14 for 20 s, posted only now.
    expect(await postCdr(prefixed(unanswered(CDR.a!), "cdr"))).toMatchObject({ recovered: 1 });
    const missed = await callOf(cdrAccount.id, "cdr-1796587454.55");
    const back = await callOf(cdrAccount.id, "cdr-1796587506.65");
    expect(missed).toMatchObject({ direction: "IN", result: "no answer", waitSeconds: 20 });
    expect(back).toMatchObject({ direction: "OUT", result: "answered" });
    // Rang until 20:04:34; called back at 20:05:06.
    expect(missed).toMatchObject({ calledBackAt: back.startedAt, calledBackSeconds: 32, calledBackByCallId: back.id });
  });
});
