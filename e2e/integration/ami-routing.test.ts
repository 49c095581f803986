// Naming the caller and ringing the responsible manager over AMI, with no dialplan edits
// (docs/ami-routing.md), as a real Asterisk 22 answers Setvar and Redirect (the third recording:
// setvar-callerid-before-dial, redirect-from-queue, redirect-no-answer-and-back,
// redirect-bridged-call-refused). Each recorded call is played up to the moment the service must
// act; the actions the simulator got are checked; then what the real Asterisk did next is played,
// and the CRM must have one call with the right cards, manager, wait and talk.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { timed, transcriptEvents, when, type Scenario, type Step } from "@/e2e/fixtures/ami-transcripts";
import { amiForm } from "@/e2e/setup/ami-form";
import { amiModeSettings, eventConnectionUp } from "@/e2e/setup/ami-mode";
import { crmRequestsFor } from "@/e2e/setup/crm-calls";
import { FAST_DELIVERY, FAST_TRACKING } from "@/e2e/setup/delivery";
import { AMI_EVENTS_USER, createTestAccount, crmOptionsInput, demoCrmAccount } from "@/e2e/setup/factories";
import { serveRoutes } from "@/e2e/setup/route-server";
import { until } from "@/e2e/setup/until";
import { createAsteriskSim, type AmiUser, type AsteriskSim, type RecordedAction } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { saveAsteriskSettings, forgetRecentAccounts } from "@/lib/accounts";
import type { AmiMessage } from "@/lib/asterisk/ami/message";
import { announceAccountChange } from "@/lib/cache/changes";
import { startCallTracking, type CallTracking } from "@/lib/call-tracking";
import { ingestCallEvent } from "@/lib/calls";
import { saveCrmOptions } from "@/lib/crm-options";
import { db } from "@/lib/db/client";
import { startDeliveryWorker, type DeliveryWorker } from "@/lib/delivery";
import { clearCallerCache } from "@/lib/dialplan";

// The «API» tab's AMI-mode block with write = call (routing's), and without it (before routing).
const withCall = (username: string): AmiUser => ({
  ...AMI_EVENTS_USER,
  username,
  secret: `${username}-s3cret`,
  write: "originate,reporting,call",
});
const NAMING = withCall("naming");
const ROUTING = withCall("routing");
const NO_CALL: AmiUser = { ...AMI_EVENTS_USER, username: "no-call", secret: "no-call-s3cret" };

/** The recordings' caller (84950000001), a customer of the CRM: whose manager each test says. */
const CUSTOMER = { id: 900, firstName: "Иван", lastName: "Петров", phones: [{ number: "+7 (495) 000-00-01" }] };
/** CRM users and their extensions: 103 and 102 answer or ring in the recordings, 105 is busy, 104 only a queue member. */
const MANAGERS = { 3: "103", 7: "102", 1: "105", 4: "104" } as const;
const managerOf = (extension: string) => Number(Object.entries(MANAGERS).find(([, code]) => code === extension)![0]);

interface Tenant {
  crm: RetailCrmSim;
  id: string;
  clientId: string;
  moduleCode: string;
}
let pbx: AsteriskSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let worker: DeliveryWorker;
let tracking: CallTracking;
/** Names callers only: its calls ring whom the recording's dialplan rang. */
let naming: Tenant;
/** Names and routes: to-manager,<extension>,1 rings the phone (as the recordings' glue), back to inbound-hold,s,1. */
let routing: Tenant;
let run = 0;

async function tenant(user: AmiUser, inbound: string[], routed: boolean): Promise<Tenant> {
  const { crm, account } = await demoCrmAccount(MANAGERS);
  crm.seedCustomers([{ ...CUSTOMER, managerId: 3 }]);
  await db().asteriskSettings.update({
    where: { accountId: account.id },
    data: {
      ...amiModeSettings(pbx, user),
      inboundContexts: inbound,
      amiCallerName: true,
      amiRouting: routed,
      routingContext: "to-manager",
      // Short, for the test: the real default is 20 s.
      routingAnswerSeconds: 2,
      routingFallback: "inbound-hold,s,1",
    },
  });
  return { crm, id: account.id, clientId: account.clientId, moduleCode: account.moduleCode };
}

/** The customer's manager in the CRM, as the recording needs it; the service forgets what it knew of the caller. */
async function managedBy(who: Tenant, extension: string): Promise<void> {
  who.crm.state.customers.get(CUSTOMER.id)!.managerId = managerOf(extension);
  await clearCallerCache();
}

/**
 * One call of a recording (the events of its Linkedid), as a new call (ids renumbered), its clock
 * starting now; played in parts. `since` marks the simulator's actions before it.
 */
function recorded(scenario: Scenario, linkedid: string, steps: Step[] = []) {
  const prefix = `${Date.now() % 100_000}${++run}`;
  const renumber = (id: string) => (id ? `${prefix}-${id}` : id);
  const events = timed(
    transcriptEvents(scenario).filter((event) => (event.Linkedid ?? event.DestLinkedid) === linkedid),
    steps,
    Date.now() / 1000,
  );
  const since = pbx.actions.length;
  return {
    key: renumber,
    /** Plays the events before the first that `until` matches (all that are left, without it). */
    play(until?: (event: AmiMessage) => boolean) {
      const end = until ? events.findIndex(until) : events.length;
      pbx.replay(events.splice(0, end < 0 ? events.length : end), { renumber });
    },
    /** Plays only the hangups of what is left: the call ends without what the recorder did next. */
    hangUp() {
      pbx.replay(
        events.splice(0).filter((event) => event.Event === "Hangup"),
        { renumber },
      );
    },
    /** The actions the service sent the simulator about a channel since the call began. */
    sent(action: string, channel: string): RecordedAction[] {
      return pbx.actions.slice(since).filter((a) => a.action === action && a.headers.channel === channel);
    },
  };
}

type Recorded = ReturnType<typeof recorded>;

/** Waits for the service's `count`-th Redirect of the channel; returns where each went. */
async function redirected(call: Recorded, channel: string, count: number): Promise<string[]> {
  const redirects = await until(
    () => call.sent("Redirect", channel),
    (sent) => sent.length >= count,
    5_000,
    20,
  );
  return redirects.map(({ headers }) => `${headers.context},${headers.exten},${headers.priority}`);
}

/** Nothing is sent about the channel for a while (longer than a lookup and a decision take). */
async function quiet(call: Recorded, action: string, channel: string): Promise<RecordedAction[]> {
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  return call.sent(action, channel);
}

/** What the CRM gets of a call that rang these extensions, in order, and was answered by one of them. */
const ringsAndAnswer = (rung: string[], answeredBy: string) => [
  ...rung.map((code) => ({ request: "call/event", type: "in", phone: "84950000001", codes: [code] })),
  { request: "call/event", type: "hangup", codes: [answeredBy], hangupStatus: "answered" },
  { request: "calls/upload", type: "in", code: answeredBy, result: "answered" },
];

/**
 * The recording's caller in an IVR (redirect-from-queue, part B), which no event of the «API»
 * tab's user shows: sent to 103, who answers 4 s later and talks 15 s. `dialplan` reports what a
 * dialplan would before the caller's Hangup. Returns what the CRM got of the call.
 */
async function fromIvrTo103(dialplan?: (uniqueid: string) => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const caller = "Local/s@inbound-ivr-0000000a;2";
  const call = recorded("redirect-from-queue.read-all", "1796588839.20", [
    { matches: when("DialBegin", { Channel: caller }), seconds: 2 },
    { matches: answer, seconds: 4 },
    { matches: anyHangup, seconds: 15 },
  ]);
  call.play(when("Newchannel", { Channel: "Local/103@managers-0000000b;1" }));
  expect(await redirected(call, caller, 1)).toEqual(["to-manager,103,1"]);
  call.play(when("Hangup", { Channel: caller }));
  await dialplan?.(call.key("1796588839.21"));
  call.play();
  const requests = await crmRequestsFor(routing.crm, call.key("1796588839.21"));
  expect(await db().call.count({ where: { accountId: routing.id, uniqueid: call.key("1796588839.21") } })).toBe(1);
  return requests;
}

/** The recording's caller rung by a Dial to 102 (redirect-from-queue, part C): sent to 103, who answers. */
async function fromRingingDialTo103(): Promise<void> {
  const caller = "Local/s@inbound-dial102-0000000c;2";
  const call = recorded("redirect-from-queue.read-all", "1796588861.24");
  call.play(when("DialEnd", { DialStatus: "CANCEL" }));
  expect(await redirected(call, caller, 1)).toEqual(["to-manager,103,1"]);
  call.play();
  expect(await crmRequestsFor(routing.crm, call.key("1796588861.25"))).toMatchObject(
    ringsAndAnswer(["102", "103"], "103"),
  );
}

const answer = when("DialEnd", { DialStatus: "ANSWER" });
const anyHangup = when("Hangup");

beforeAll(async () => {
  pbx = await createAsteriskSim({
    tcpPort: 0,
    httpPort: null,
    users: [NAMING, ROUTING, NO_CALL],
    hints: [{ context: "to-manager", exten: "103", hint: "Local/103@managers" }],
  });
  app = await serveRoutes({ "/api/crm/user-status": await import("@/app/api/crm/user-status/route") });
  process.env.PUBLIC_URL = app.url;
  naming = await tenant(NAMING, ["inbound-setvar"], false);
  routing = await tenant(
    ROUTING,
    ["inbound-queue", "inbound-ivr", "inbound-dial102", "inbound-hold", "inbound-direct"],
    true,
  );
  worker = await startDeliveryWorker(process.env.DATABASE_URL!, FAST_DELIVERY);
  tracking = await startCallTracking(process.env.DATABASE_URL!, FAST_TRACKING);
  for (const { id } of [naming, routing]) await eventConnectionUp(id);
}, 60_000);

afterAll(async () => {
  await tracking.stop();
  await worker.stop();
  await app.close();
  await pbx.close();
  await Promise.all([naming.crm.close(), routing.crm.close()]);
});

beforeEach(async () => {
  for (const { crm } of [naming, routing]) crm.setLatency(0);
  await managedBy(routing, "103");
});

describe("the caller's name", () => {
  it("is set on the caller as soon as the call appears, before the PBX dials: the phone rung next shows it", async () => {
    const caller = "Local/s@inbound-setvar-00000003;2";
    const call = recorded("setvar-callerid-before-dial.read-all", "1796588231.6", [
      { matches: when("DialBegin", { Channel: caller }), seconds: 5 },
      { matches: answer, seconds: 4 },
      { matches: anyHangup, seconds: 15 },
    ]);
    // The trunk is up, its caller known; the dialplan waits 5 s before its Dial.
    call.play(when("Newchannel", { Channel: "Local/103@managers-00000004;1" }));
    const setvar = await until(
      () => call.sent("Setvar", caller),
      (sent) => sent.length > 0,
      5_000,
      20,
    );
    expect(setvar.map(({ headers }) => [headers.variable, headers.value])).toEqual([["CALLERID(name)", "Иван Петров"]]);
    // What Asterisk did next: the Dial to 103 carries the name (the recording's DialBegin).
    call.play();
    expect(await crmRequestsFor(naming.crm, call.key("1796588231.7"))).toMatchObject([
      { request: "call/event", type: "in", phone: "84950000001", codes: ["103"] },
      { request: "call/event", type: "hangup", codes: ["103"], hangupStatus: "answered" },
      { request: "calls/upload", type: "in", code: "103", result: "answered", duration: 15, durationWaiting: 9 },
    ]);
    expect(call.sent("Redirect", caller)).toEqual([]);
  });

  it("is still set when the CRM answers after the PBX dialled: on the caller only, the call tracked as one", async () => {
    await clearCallerCache();
    naming.crm.setLatency(400);
    const caller = "Local/s@inbound-setvar-00000005;2";
    const call = recorded("setvar-callerid-before-dial.read-all", "1796588257.10", [
      { matches: answer, seconds: 4 },
      { matches: anyHangup, seconds: 15 },
    ]);
    call.play(answer);
    const dialled = Date.now();
    const [setvar] = await until(
      () => call.sent("Setvar", caller),
      (sent) => sent.length > 0,
      5_000,
      20,
    );
    expect(setvar?.headers.value).toBe("Иван Петров");
    // The DialBegin to 103 was already there: 103's phone keeps the number alone (docs/ami-routing.md).
    expect(setvar!.at).toBeGreaterThanOrEqual(dialled);
    call.play();
    expect(await crmRequestsFor(naming.crm, call.key("1796588257.11"))).toMatchObject([
      { request: "call/event", type: "in", codes: ["103"] },
      { request: "call/event", type: "hangup", codes: ["103"], hangupStatus: "answered" },
      { request: "calls/upload", type: "in", code: "103", result: "answered", duration: 15, durationWaiting: 4 },
    ]);
  });

  it("without write = call: Setvar is refused, «Настройки Asterisk» says why, and nothing more is tried", async () => {
    const denied = await tenant(NO_CALL, ["inbound-setvar"], false);
    await eventConnectionUp(denied.id);
    const listener = () => db().amiListener.findUnique({ where: { accountId: denied.id } });
    const caller = "Local/s@inbound-setvar-00000001;2";
    const call = recorded("setvar-callerid-before-dial.read-all", "1796588205.2");
    call.play(when("Newchannel", { Channel: "Local/103@managers-00000002;1" }));
    const warned = await until(listener, (row) => row?.lastError !== null, 5_000, 20);
    expect(warned?.lastError).toBe(
      "у пользователя AMI нет права write = call (Setvar, Redirect): сервис не называет звонящих и не направляет звонки менеджерам. Добавьте его в manager.conf, выполните manager reload и сохраните настройки снова (права Asterisk даёт при входе)",
    );
    expect(warned?.state).toBe("connected");
    const refused = pbx.actions.filter((a) => a.username === NO_CALL.username && a.action === "Setvar");
    expect(refused).toHaveLength(1);
    call.play();
    // The naming account, on the same PBX, has its right: its Setvar went through.
    expect(
      call
        .sent("Setvar", caller)
        .map((a) => a.username)
        .sort(),
    ).toEqual([NAMING.username, NO_CALL.username]);
    await db().account.update({ where: { id: denied.id }, data: { active: false } });
    await denied.crm.close();
  });
});

describe("the caller sent to their responsible manager", () => {
  it("from a queue ringing others: the members' rings, then the manager's, one call answered by them", async () => {
    const caller = "Local/s@inbound-queue-00000004;2";
    const call = recorded("redirect-from-queue.read-all", "1796588812.8");
    // Both members rang one round unanswered and ring again: the moment of the recorded Redirect.
    call.play(when("DialEnd", { DialStatus: "CANCEL", DestChannel: "Local/102@managers-noanswer-00000007;1" }));
    expect(await redirected(call, caller, 1)).toEqual(["to-manager,103,1"]);
    call.play();
    const requests = await crmRequestsFor(routing.crm, call.key("1796588812.9"));
    expect(requests).toMatchObject(ringsAndAnswer(["102", "104", "103"], "103"));
    expect(requests).toHaveLength(5);
    expect(call.sent("Setvar", caller).map(({ headers }) => headers.value)).toEqual(["Иван Петров"]);
    expect(await quiet(call, "Redirect", caller)).toHaveLength(1);
  });

  const answeredAfterIvr = [
    ...ringsAndAnswer(["103"], "103").slice(0, 2),
    { request: "calls/upload", code: "103", result: "answered", duration: 15, durationWaiting: 6 },
  ];

  it("from an IVR, which no event shows: the manager's ring and answer", async () => {
    expect(await fromIvrTo103()).toMatchObject(answeredAfterIvr);
  });

  it("in «both» mode too: the hangup the dialplan reports and AMI shows is one, the call one", async () => {
    const switchTo = async (eventSource: "AMI" | "BOTH") => {
      const before = (await db().amiListener.findUniqueOrThrow({ where: { accountId: routing.id } })).connectedAt!;
      await db().asteriskSettings.update({ where: { accountId: routing.id }, data: { eventSource } });
      await announceAccountChange(routing.id);
      // Saved settings log in anew: the next call is the new session's.
      await until(
        () => db().amiListener.findUniqueOrThrow({ where: { accountId: routing.id } }),
        (row) => row.state === "connected" && row.connectedAt!.getTime() > before.getTime(),
        10_000,
      );
    };
    await switchTo("BOTH");
    try {
      // event.sh reports the end from the h extension, before the caller's Hangup (15 s after the ring was stored).
      const requests = await fromIvrTo103(async (uniqueid) => {
        await until(
          () => db().callEvent.count({ where: { accountId: routing.id, uniqueid, type: "IN" } }),
          (rings) => rings > 0,
          5_000,
          20,
        );
        await ingestCallEvent(routing.id, {
          clientId: routing.clientId,
          type: "hangup",
          uniqueid,
          phone: "84950000001",
          code: "103",
          status: "ANSWER",
          duration: 15,
          hold: 6,
          direct: "in",
        } as never);
      });
      expect(requests).toMatchObject(answeredAfterIvr);
      expect(requests).toHaveLength(3);
    } finally {
      await switchTo("AMI");
    }
  });

  it("from a Dial ringing another phone: both rings, answered by the manager", fromRingingDialTo103);
});

describe("a way back", () => {
  it("no answer in the admin's time: back to the fallback while the phone rings, never routed again", async () => {
    await managedBy(routing, "102");
    const caller = "Local/s@inbound-hold-0000001b;2";
    const call = recorded("redirect-no-answer-and-back.read-all", "1796588538.54");
    call.play(when("Newchannel", { Channel: "Local/102@managers-noanswer-0000001c;1" }));
    expect(await redirected(call, caller, 1)).toEqual(["to-manager,102,1"]);
    call.play(when("DialEnd", { DialStatus: "CANCEL" }));
    const sentAt = Date.now();
    // 2 s, the time this account gives a manager, after the first Redirect.
    expect(await redirected(call, caller, 2)).toEqual(["to-manager,102,1", "inbound-hold,s,1"]);
    expect(Date.now() - sentAt).toBeGreaterThan(1_000);
    // What followed in the recording: 102's legs cancelled, the recorder's own Redirect to 103, who answered.
    call.play();
    expect(await crmRequestsFor(routing.crm, call.key("1796588538.55"))).toMatchObject(
      ringsAndAnswer(["102", "103"], "103"),
    );
    expect(await quiet(call, "Redirect", caller)).toHaveLength(2);
  });

  it("the manager's Dial gave up (NOANSWER): back at once", async () => {
    await managedBy(routing, "102");
    const caller = "Local/s@inbound-hold-0000001e;2";
    const call = recorded("redirect-no-answer-and-back.read-all", "1796588567.60");
    call.play(when("Newchannel", { Channel: "Local/102@managers-noanswer-0000001f;1" }));
    expect(await redirected(call, caller, 1)).toEqual(["to-manager,102,1"]);
    call.play(when("Hangup"));
    const noAnswer = Date.now();
    expect(await redirected(call, caller, 2)).toEqual(["to-manager,102,1", "inbound-hold,s,1"]);
    expect(Date.now() - noAnswer).toBeLessThan(1_000);
    call.play();
    expect(await crmRequestsFor(routing.crm, call.key("1796588567.61"))).toMatchObject([
      { request: "call/event", type: "in", codes: ["102"] },
      { request: "call/event", type: "hangup", codes: ["102"], hangupStatus: "no answered" },
      { request: "calls/upload", type: "in", code: "102", result: "no answer" },
    ]);
  });

  it("the manager is busy (DialEnd BUSY): back at once, the call a busy one of that manager", async () => {
    await managedBy(routing, "105");
    const caller = "Local/s@inbound-hold-00000020;2";
    const call = recorded("redirect-no-answer-and-back.read-all", "1796588608.64");
    call.play(when("Newchannel", { Channel: "Local/105@managers-busy-00000021;1" }));
    expect(await redirected(call, caller, 1)).toEqual(["to-manager,105,1"]);
    call.play(when("Hangup"));
    expect(await redirected(call, caller, 2)).toEqual(["to-manager,105,1", "inbound-hold,s,1"]);
    call.play();
    expect(await crmRequestsFor(routing.crm, call.key("1796588608.65"))).toMatchObject([
      { request: "call/event", type: "in", codes: ["105"] },
      { request: "call/event", type: "hangup", codes: ["105"], hangupStatus: "busy" },
      { request: "calls/upload", type: "in", code: "105", result: "busy" },
    ]);
  });
});

describe("never routed", () => {
  it("a caller already bridged when the CRM answers; nor, meanwhile, a caller whose manager talks on it", async () => {
    await clearCallerCache();
    routing.crm.setLatency(500);
    const bridged = "Local/s@inbound-direct-00000022;2";
    const call = recorded("redirect-bridged-call-refused.read-all", "1796588659.68", [
      { matches: answer, seconds: 4 },
      { matches: anyHangup, seconds: 3 },
    ]);
    // Answered by 103 and bridged before the CRM's answer came: the recorded Redirect would end the conversation.
    call.play(when("Hangup"));
    expect(await quiet(call, "Redirect", bridged)).toEqual([]);
    expect(call.sent("Setvar", bridged)).toHaveLength(1);
    // 103 talks: another call of their customer is left to the dialplan, which rings 102.
    const second = "Local/s@inbound-dial102-0000000c;2";
    const other = recorded("redirect-from-queue.read-all", "1796588861.24");
    other.play(when("DialEnd", { DialStatus: "CANCEL" }));
    expect(await quiet(other, "Redirect", second)).toEqual([]);
    other.hangUp();
    call.play();
    expect(await crmRequestsFor(routing.crm, call.key("1796588659.69"))).toMatchObject(ringsAndAnswer(["103"], "103"));
  });

  it("to a manager whose phone's hint says it is in use", async () => {
    pbx.setExtensionState("103", "to-manager", 1);
    const caller = "Local/s@inbound-ivr-0000000a;2";
    const call = recorded("redirect-from-queue.read-all", "1796588839.20");
    call.play(when("Newchannel", { Channel: "Local/103@managers-0000000b;1" }));
    expect(await quiet(call, "Redirect", caller)).toEqual([]);
    const asked = pbx.actions.filter((a) => a.action === "ExtensionState" && a.username === ROUTING.username).at(-1);
    expect(asked?.headers).toMatchObject({ exten: "103", context: "to-manager" });
    pbx.setExtensionState("103", "to-manager", 0);
    call.hangUp();
  });
});

describe("the chain of managers", () => {
  afterAll(() => saveCrmOptions(routing.id, crmOptionsInput()));

  it("passes over the customer's manager on dinner (changeUserStatusUrl) for the next in the chain", async () => {
    expect(
      await saveCrmOptions(
        routing.id,
        crmOptionsInput({
          managerChain: true,
          chainLastTalked: false,
          chainFallbackUserIds: [String(managerOf("103"))],
        }),
      ),
    ).toMatchObject({ ok: true });
    await managedBy(routing, "102");
    const status = await routing.crm.fireUserStatus({
      userId: managerOf("102"),
      status: "dinner",
      moduleCode: routing.moduleCode,
    });
    expect(status.status).toBe(200);
    forgetRecentAccounts();
    await fromRingingDialTo103();
  });
});

describe("the rights routing needs", () => {
  it("are checked when it is saved: without write = call nothing is saved, and the message names it", async () => {
    const account = await createTestAccount();
    const form = (user: AmiUser) =>
      amiForm(pbx, user, "TCP", {
        eventSource: "AMI",
        amiEventsPort: String(pbx.tcpPort),
        amiRouting: true,
        routingFallback: "ext-queues,400,1",
      });
    expect(await saveAsteriskSettings(account.id, form(NO_CALL))).toEqual({
      ok: false,
      formError:
        "У пользователя AMI нет прав, нужных событиям из AMI: write = call (без него сервис не назовёт звонящего и не направит звонок менеджеру: Setvar и Redirect). В manager.conf нужны read = call,agent,dialplan и write = originate,agent,reporting,call, как в блоке на вкладке «API»; после правки выполните manager reload и сохраните настройки снова",
    });
    expect(await db().asteriskSettings.findUnique({ where: { accountId: account.id } })).toBeNull();
    // The check's Setvar names no channel there is: it changes nothing on the PBX.
    const probe = pbx.actions.filter((a) => a.action === "Setvar" && a.username === NO_CALL.username).at(-1);
    expect(probe?.headers.channel).toBe("crm-rights-check");
    expect(await saveAsteriskSettings(account.id, form(ROUTING))).toEqual({ ok: true });
    expect(await db().asteriskSettings.findUnique({ where: { accountId: account.id } })).toMatchObject({
      amiRouting: true,
      routingFallback: "ext-queues,400,1",
    });
    await db().account.update({ where: { id: account.id }, data: { active: false } });
  });
});
