// Calls in progress when the event connection (re)starts (docs/ami-events.md, «Подхват звонков»),
// as a real Asterisk 22 shows them (the second recording: Local channels as trunks, MixMonitor in
// every call): taken up from CoreShowChannels keyed as live events would key them, once, with
// their manager and their recording; a call that rings while the connection starts is whole; and
// the rights AMI mode needs are checked when the settings are saved and asked for anew at login.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { timed, transcriptEvents, when, type Scenario, type Step } from "@/e2e/fixtures/ami-transcripts";
import { amiForm } from "@/e2e/setup/ami-form";
import { crmRequestsFor } from "@/e2e/setup/crm-calls";
import { FAST_DELIVERY, FAST_TRACKING } from "@/e2e/setup/delivery";
import { AMI_EVENTS_USER, demoCrmAccount } from "@/e2e/setup/factories";
import { until } from "@/e2e/setup/until";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { saveAsteriskSettings } from "@/lib/accounts";
import { startCallTracking, type CallTracking } from "@/lib/call-tracking";
import { encryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import { startDeliveryWorker, type DeliveryWorker } from "@/lib/delivery";

const ami = AMI_EVENTS_USER;
let pbx: AsteriskSim;
let crm: RetailCrmSim;
let accountId: string;
let worker: DeliveryWorker;
let tracking: CallTracking | undefined;
let run = 0;

const listener = () => db().amiListener.findUnique({ where: { accountId } });

async function listen(options = FAST_TRACKING): Promise<void> {
  tracking = await startCallTracking(process.env.DATABASE_URL!, options);
  expect((await until(listener, (row) => row?.state === "connected", 15_000))?.state).toBe("connected");
}

async function stopListening(): Promise<void> {
  await tracking?.stop();
  tracking = undefined;
}

/** A recorded call as a new one (ids renumbered), its clock starting now; played in parts. */
function call(scenario: Scenario, steps: Step[]) {
  const prefix = `${Date.now() % 100_000}${++run}`;
  const renumber = (id: string) => (id ? `${prefix}-${id}` : id);
  const events = timed(transcriptEvents(scenario), steps, Date.now() / 1000);
  return {
    id: renumber,
    /** The calls this one made in the account (one, when all is well). */
    stored: () => db().call.count({ where: { accountId, uniqueid: { startsWith: `${prefix}-` } } }),
    /** Plays the events before the first that `until` matches (all that are left, without it). */
    play(until?: (event: Record<string, string>) => boolean) {
      const end = until ? events.findIndex(until) : events.length;
      pbx.replay(events.splice(0, end < 0 ? events.length : end), { renumber });
    },
  };
}

const answer = when("DialEnd", { DialStatus: "ANSWER" });
const firstHangup = when("Hangup");

beforeAll(async () => {
  pbx = await createAsteriskSim({ tcpPort: 0, httpPort: null, users: [ami] });
  let account;
  ({ crm, account } = await demoCrmAccount({ 3: "103", 4: "102" }));
  accountId = account.id;
  await db().asteriskSettings.upsert({ where: { accountId }, create: { accountId }, update: {} });
  await db().asteriskSettings.update({
    where: { accountId },
    data: {
      eventSource: "AMI",
      inboundContexts: ["inbound", "inbound-queue", "inbound-ringall"],
      amiHost: "127.0.0.1",
      amiEventsPort: pbx.tcpPort!,
      amiPort: pbx.tcpPort!,
      amiTransport: "TCP",
      amiLogin: ami.username,
      amiSecretEnc: encryptSecret(ami.secret),
    },
  });
  worker = await startDeliveryWorker(process.env.DATABASE_URL!, FAST_DELIVERY);
}, 60_000);

afterEach(stopListening);

afterAll(async () => {
  await worker.stop();
  await pbx.close();
  await crm.close();
});

const answeredBy = (code: string) => [
  { request: "call/event", type: "in", codes: [code] },
  { request: "call/event", type: "hangup", codes: [code], hangupStatus: "answered" },
  { request: "calls/upload", type: "in", code, result: "answered", recordUrl: expect.any(String) },
];

describe("a call in progress when the service (re)connects", () => {
  it("is taken up once after a restart, keyed by the trunk's dialplan half, with its recording", async () => {
    await listen();
    const direct = call("core-show-channels-mid-call.read-all", [{ matches: firstHangup, seconds: 5 }]);
    direct.play(firstHangup);
    const key = direct.id("1796587247.21");
    // The file was stored as soon as its VarSet came: an upload of it finds the call whatever happens next.
    expect(
      await until(
        () => db().recordingFile.findFirst({ where: { accountId, uniqueid: key } }),
        (file) => file !== null,
        5_000,
      ),
    ).not.toBeNull();
    // The service restarts mid-call: nobody remembers the call but the database.
    await stopListening();
    await db().recordingFile.deleteMany({ where: { accountId, uniqueid: key } });
    await listen();
    direct.play();
    expect(await crmRequestsFor(crm, key)).toMatchObject(answeredBy("103"));
    expect(await crmRequestsFor(crm, key)).toHaveLength(3);
    expect(await direct.stored()).toBe(1);
    // Asked for on the key channel after the restart (Getvar): the file is the call's again.
    expect(await db().recordingFile.findFirst({ where: { accountId, uniqueid: key } })).toMatchObject({
      file: `/var/spool/asterisk/monitor/2026-12-06/1796587247.21.wav`,
    });
  });

  it("never seen before, is taken up by its dialplan half whatever the listing's order (direct, queue, ring-all)", async () => {
    const direct = call("core-show-channels-mid-call.read-all", [{ matches: firstHangup, seconds: 5 }]);
    direct.play(firstHangup);
    const queue = call("core-show-channels-mid-call-queue.read-all", [{ matches: firstHangup, seconds: 5 }]);
    queue.play(when("AgentComplete"));
    const ringAll = call("core-show-channels-mid-call-ring-all.read-all", [{ matches: answer, seconds: 3 }]);
    ringAll.play(when("DialEnd", { DialStatus: "CANCEL" }));
    await listen();
    direct.play();
    queue.play();
    ringAll.play();
    expect(await crmRequestsFor(crm, direct.id("1796587247.21"))).toMatchObject(answeredBy("103"));
    expect(await crmRequestsFor(crm, queue.id("1796587272.25"))).toMatchObject([
      { request: "call/event", type: "in", codes: ["103"] },
      { request: "call/event", type: "hangup", codes: ["103"], hangupStatus: "answered" },
      { request: "calls/upload", type: "in", code: "103", result: "answered", recordUrl: expect.any(String) },
    ]);
    expect(await crmRequestsFor(crm, ringAll.id("1796587302.31"))).toMatchObject([
      { request: "call/event", type: "in", codes: ["102"] },
      { request: "call/event", type: "in", codes: ["103"] },
      { request: "call/event", type: "hangup", codes: ["103"], hangupStatus: "answered" },
      { request: "calls/upload", type: "in", code: "103", result: "answered", recordUrl: expect.any(String) },
    ]);
    // One call each: neither trunk's `;1` half became a call of its own.
    for (const played of [direct, queue, ringAll]) expect(await played.stored()).toBe(1);
  });

  it("that rings while the connection is starting reaches the CRM whole", async () => {
    const direct = call("core-show-channels-mid-call.read-all", [{ matches: firstHangup, seconds: 5 }]);
    // The trunk came in before the service logged in; the manager is rung and answers right after.
    direct.play(when("Newchannel", { Channel: "Local/103@managers-0000000b;1" }));
    pbx.afterLogin(ami.username, () => direct.play(firstHangup));
    await listen();
    direct.play();
    expect(await crmRequestsFor(crm, direct.id("1796587247.21"))).toMatchObject(answeredBy("103"));
  });
});

describe("the rights AMI mode needs", () => {
  it("are checked when AMI mode is saved: without write = reporting nothing is saved", async () => {
    const dialplanRights = { username: "asterisk3", secret: "three-s3cret", read: "call", write: "originate" };
    pbx.setUsers([ami, dialplanRights]);
    const before = await db().asteriskSettings.findUniqueOrThrow({ where: { accountId } });
    const outcome = await saveAsteriskSettings(
      accountId,
      amiForm(pbx, dialplanRights, "TCP", { eventSource: "AMI", amiEventsPort: String(pbx.tcpPort) }),
    );
    expect(outcome).toEqual({
      ok: false,
      formError:
        "У пользователя AMI нет прав, нужных событиям из AMI: write = reporting (без него звонки, идущие при подключении, не подхватываются). В manager.conf нужны read = call,agent,dialplan и write = originate,agent,reporting, как в блоке на вкладке «API»; после правки выполните manager reload и сохраните настройки снова",
    });
    expect(await db().asteriskSettings.findUniqueOrThrow({ where: { accountId } })).toEqual(before);
  });

  it("are taken at login: a session refused CoreShowChannels says so, and logs in anew to get fixed rights", async () => {
    const reporting = ami.write;
    pbx.setUsers([{ ...ami, write: "originate" }]);
    const logins = () => pbx.actions.filter((a) => a.action.toLowerCase() === "login").length;
    const before = logins();
    await listen({ ...FAST_TRACKING, timing: { ...FAST_TRACKING.timing, rightsMs: 500, maxRightsMs: 500 } });
    expect((await listener())?.lastError).toMatch(
      /^у пользователя AMI нет права write = reporting \(CoreShowChannels\)/,
    );
    // manager.conf fixed and reloaded: the session logged in before keeps its rights; the next login has them.
    pbx.setUsers([{ ...ami, write: reporting }]);
    const fixed = await until(listener, (row) => row?.state === "connected" && row.lastError === null, 10_000);
    expect([fixed?.state, fixed?.lastError]).toEqual(["connected", null]);
    expect(logins() - before).toBeGreaterThanOrEqual(2);
  });

  it("are asked for anew when the settings are saved again", async () => {
    await listen();
    // The event connection's logins (Events: on); the save's own check logs in with events off.
    const eventLogins = () =>
      pbx.actions.filter((a) => a.action.toLowerCase() === "login" && a.headers.events?.toLowerCase() === "on").length;
    const before = eventLogins();
    const saved = await saveAsteriskSettings(
      accountId,
      amiForm(pbx, ami, "TCP", {
        eventSource: "AMI",
        amiEventsPort: String(pbx.tcpPort),
        inboundContexts: "inbound, inbound-queue, inbound-ringall",
      }),
    );
    expect(saved).toEqual({ ok: true });
    // Within a beat or two of the save (beats are 200 ms here), not whenever the connection next drops.
    expect(await until(eventLogins, (n) => n === before + 1, 3_000)).toBe(before + 1);
    expect((await until(listener, (row) => row?.state === "connected", 10_000))?.state).toBe("connected");
  });
});
