// Two accounts in AMI mode on one Asterisk (docs/ami-events.md, «Одна АТС на несколько аккаунтов»):
// a real Asterisk 22 gives both AMI users the same events, each other's calls and Originates
// included (the second recording's two-ami-users-one-pbx), and both accounts map extension 103.
// Each account's CRM gets exactly its own calls: those that entered its inbound contexts, its
// managers' outgoing calls dialled in its outbound contexts, its own clicks, and nothing of a
// `crm-…` call no account placed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { timed, transcriptEvents, when, type Scenario, type Step } from "@/e2e/fixtures/ami-transcripts";
import { amiModeSettings, eventConnectionUp } from "@/e2e/setup/ami-mode";
import { crmRequestsFor, crmRequestsOf } from "@/e2e/setup/crm-calls";
import { FAST_DELIVERY, FAST_TRACKING } from "@/e2e/setup/delivery";
import { AMI_EVENTS_USER, demoCrmAccount } from "@/e2e/setup/factories";
import { serveRoutes } from "@/e2e/setup/route-server";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { startCallTracking, type CallTracking } from "@/lib/call-tracking";
import { db } from "@/lib/db/client";
import { startDeliveryWorker, type DeliveryWorker } from "@/lib/delivery";

// The «API» tab's AMI-mode block, twice: users asterisk and asterisk2 of one PBX.
const users = [
  { ...AMI_EVENTS_USER, username: "asterisk" },
  { ...AMI_EVENTS_USER, username: "asterisk2", secret: "two-s3cret" },
];
let pbx: AsteriskSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let worker: DeliveryWorker;
let tracking: CallTracking;
interface Tenant {
  crm: RetailCrmSim;
  id: string;
  moduleCode: string;
}
let one: Tenant;
let two: Tenant;
let run = 0;

async function tenant(
  user: (typeof users)[number],
  extensions: Record<number, string>,
  contexts: { inbound: string[]; outbound: string[] },
): Promise<Tenant> {
  const { crm, account } = await demoCrmAccount(extensions);
  await db().asteriskSettings.upsert({
    where: { accountId: account.id },
    create: { accountId: account.id },
    update: {},
  });
  await db().asteriskSettings.update({
    where: { accountId: account.id },
    data: {
      ...amiModeSettings(pbx, user),
      inboundContexts: contexts.inbound,
      outboundContexts: contexts.outbound,
      channelTemplate: "Local/{code}@managers",
      outgoingContext: "default",
    },
  });
  return { crm, id: account.id, moduleCode: account.moduleCode };
}

/** Plays a recorded scenario as new calls (ids renumbered; a click's id made the one given), its clock starting now. */
function play(scenario: Scenario, steps: Step[], clicks: Record<string, string> = {}): (id: string) => string {
  const prefix = `${Date.now() % 100_000}${++run}`;
  // A click the test names no id for stands for one no account placed: an id of our form all the same.
  const stray = `crm-${Date.now()}-0000dead`;
  const renumber = (id: string) => {
    if (!id) return id;
    const click = /^(crm-test-\d+|crm-\d{13}-[0-9a-f]{8})(;2)?$/.exec(id);
    if (click) return `${clicks[click[1]!] ?? stray}${click[2] ?? ""}`;
    return `${prefix}-${id}`;
  };
  pbx.replay(timed(transcriptEvents(scenario), steps, Date.now() / 1000), { renumber });
  return renumber;
}

/** The click-to-call the CRM of `who` asks for; the id the Originate gave it. */
async function click(who: Tenant, code: string, userId: number, phone: string): Promise<string> {
  const answer = await who.crm.fireMakeCall({ code, phone, userId, moduleCode: who.moduleCode });
  expect(answer.json).toEqual({ success: true });
  return pbx.originates.at(-1)!.headers.channelid!;
}

beforeAll(async () => {
  pbx = await createAsteriskSim({ tcpPort: 0, httpPort: null, users });
  app = await serveRoutes({
    "/api/event": await import("@/app/api/event/route"),
    "/api/crm/make-call": await import("@/app/api/crm/make-call/route"),
  });
  process.env.PUBLIC_URL = app.url;
  // Account 1: its trunk is inbound-a, its phones dial out in outgoing-call; 103 is Инна.
  one = await tenant(users[0]!, { 3: "103" }, { inbound: ["inbound-a"], outbound: ["outgoing-call"] });
  // Account 2: inbound-b, phones in from-internal; 107 is Инна, and 103 is someone of its own too.
  two = await tenant(users[1]!, { 3: "107", 4: "103" }, { inbound: ["inbound-b"], outbound: ["from-internal"] });
  worker = await startDeliveryWorker(process.env.DATABASE_URL!, FAST_DELIVERY);
  tracking = await startCallTracking(process.env.DATABASE_URL!, FAST_TRACKING);
  for (const { id } of [one, two]) await eventConnectionUp(id);
  expect(pbx.tcpConnections).toBe(2);
}, 60_000);

afterAll(async () => {
  await tracking.stop();
  await worker.stop();
  await app.close();
  await pbx.close();
  await Promise.all([one.crm.close(), two.crm.close()]);
});

describe("two accounts on one Asterisk", () => {
  it("get each the calls that entered its own inbound contexts, and neither a click no account placed", async () => {
    const id = play("two-ami-users-one-pbx.read-all", [{ matches: when("Hangup"), seconds: 6 }]);
    expect(await crmRequestsFor(one.crm, id("1796587335.37"))).toMatchObject([
      { request: "call/event", type: "in", codes: ["103"] },
      { request: "call/event", type: "hangup", codes: ["103"], hangupStatus: "answered" },
      { request: "calls/upload", type: "in", code: "103", result: "answered" },
    ]);
    expect(await crmRequestsFor(two.crm, id("1796587337.41"))).toMatchObject([
      { request: "call/event", type: "in", codes: ["107"] },
      { request: "call/event", type: "hangup", codes: ["107"], hangupStatus: "answered" },
      { request: "calls/upload", type: "in", code: "107", result: "answered" },
    ]);
    expect(crmRequestsOf(one.crm, id("1796587337.41"))).toEqual([]);
    expect(crmRequestsOf(two.crm, id("1796587335.37"))).toEqual([]);
    // The recording's click id (crm-test-2) stands for a click no account of ours placed.
    for (const { crm } of [one, two])
      expect(crm.requests.filter((r) => (r.form.event ?? r.form.calls ?? "").includes("0000dead"))).toEqual([]);
  });

  it("give each account's click-to-call to that account alone, though both PBX users see both", async () => {
    const clickOne = await click(one, "103", 3, "89005556677");
    const clickTwo = await click(two, "107", 3, "89007770003");
    // Account 1's click as the first recording has it (Local/103@managers), account 2's as the second.
    play("click-to-call-originate", [{ matches: when("Hangup"), seconds: 2 }], {
      "crm-1796313707213-2a5d1cdc": clickOne,
    });
    play("two-ami-users-one-pbx.read-all", [{ matches: when("Hangup"), seconds: 6 }], { "crm-test-2": clickTwo });
    expect(await crmRequestsFor(one.crm, clickOne)).toMatchObject([
      { request: "call/event", type: "out", codes: ["103"] },
      { request: "call/event", type: "hangup", codes: ["103"] },
      { request: "calls/upload", type: "out", code: "103" },
    ]);
    expect(await crmRequestsFor(two.crm, clickTwo)).toMatchObject([
      { request: "call/event", type: "out", codes: ["107"] },
      { request: "call/event", type: "hangup", codes: ["107"] },
      { request: "calls/upload", type: "out", code: "107" },
    ]);
    expect(crmRequestsOf(one.crm, clickTwo)).toEqual([]);
    expect(crmRequestsOf(two.crm, clickOne)).toEqual([]);
    // Nor the recording: its file belongs to the account whose click it was.
    const files = await db().recordingFile.findMany({ where: { uniqueid: clickTwo } });
    expect(files.map((f) => f.accountId)).toEqual([two.id]);
  });

  it("give a manager's outgoing call to the account it was dialled in, not to every account mapping 103", async () => {
    const id = play("outgoing-answered", [{ matches: when("Hangup"), seconds: 2 }]);
    expect(await crmRequestsFor(one.crm, id("1796313631.11"))).toMatchObject([
      { request: "call/event", type: "out", codes: ["103"] },
      { request: "call/event", type: "hangup", codes: ["103"] },
      { request: "calls/upload", type: "out", code: "103" },
    ]);
    expect(crmRequestsOf(two.crm, id("1796313631.11"))).toEqual([]);
    expect(await db().call.count({ where: { accountId: two.id, uniqueid: id("1796313631.11") } })).toBe(0);
  });
});
