// Calls from AMI events, end to end (docs/ami-events.md): the simulator replays what a real
// Asterisk 22 sent for each scenario (e2e/fixtures/ami-transcripts), to a user configured with
// the read classes and eventfilter lines the «API» tab gives; the service holds the account's
// event connection, derives the calls and delivers them; the CRM gets exactly these requests.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pcmWav } from "@/e2e/fixtures/audio";
import { serveRoutes } from "@/e2e/setup/route-server";
import { renderScript } from "@/lib/pbx-scripts";
import { announceAccountChange } from "@/lib/cache/changes";
import { ingestCallEvent } from "@/lib/calls";
import { timed, transcriptEvents, when, type Scenario, type Step } from "@/e2e/fixtures/ami-transcripts";
import { FAST_DELIVERY, FAST_TRACKING } from "@/e2e/setup/delivery";
import { demoCrmAccount, AMI_EVENTS_USER } from "@/e2e/setup/factories";
import { amiModeSettings, eventConnectionUp } from "@/e2e/setup/ami-mode";
import { crmRequestsFor } from "@/e2e/setup/crm-calls";
import { until } from "@/e2e/setup/until";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { db } from "@/lib/db/client";
import { startCallTracking, type CallTracking } from "@/lib/call-tracking";
import { startRecordingWork } from "@/lib/recordings";
import { startDeliveryWorker, type DeliveryWorker } from "@/lib/delivery";

const ami = AMI_EVENTS_USER;
let pbx: AsteriskSim;
let crm: RetailCrmSim;
let accountId: string;
let worker: DeliveryWorker;
let tracking: CallTracking;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let clientId: string;
let moduleCode: string;
let run = 0;

/** Plays a scenario as a new call (ids renumbered), its clock starting now. */
function play(
  scenario: Scenario,
  steps: Step[],
  options: { clickId?: string; from?: number; to?: number; prefix?: string } = {},
): (id: string) => string {
  const prefix = options.prefix ?? `${Date.now() % 100_000}${++run}`;
  const renumber = (id: string) =>
    !id
      ? id
      : id.startsWith("crm-")
        ? id.replace(/^crm-\d{13}-[0-9a-f]{8}/, options.clickId ?? "$&")
        : `${prefix}-${id}`;
  const events = timed(transcriptEvents(scenario), steps, Date.now() / 1000).slice(options.from ?? 0, options.to);
  pbx.replay(events, { renumber });
  return renumber;
}

/** What the CRM got about one call, in order: call/event bodies and the call's calls/upload entry. */
const requestsFor = (uniqueid: string) => crmRequestsFor(crm, uniqueid);

beforeAll(async () => {
  pbx = await createAsteriskSim({ tcpPort: 0, httpPort: null, users: [ami] });
  app = await serveRoutes({
    "/api/event": await import("@/app/api/event/route"),
    "/api/cdr": await import("@/app/api/cdr/route"),
    "/api/crm/make-call": await import("@/app/api/crm/make-call/route"),
  });
  // The module registers its callbacks at PUBLIC_URL: the routes are served first.
  process.env.PUBLIC_URL = app.url;
  let account;
  ({ crm, account } = await demoCrmAccount({ 3: "102", 4: "103", 5: "105" }));
  accountId = account.id;
  clientId = account.clientId;
  moduleCode = account.moduleCode;
  await db().asteriskSettings.upsert({
    where: { accountId },
    create: { accountId },
    update: {},
  });
  await db().asteriskSettings.update({
    where: { accountId },
    data: {
      ...amiModeSettings(pbx, ami),
      inboundContexts: ["init-channel", "plain-in"],
      outboundContexts: ["from-manager"],
      channelTemplate: "Local/{code}@managers",
      outgoingContext: "default",
    },
  });
  worker = await startDeliveryWorker(process.env.DATABASE_URL!, FAST_DELIVERY);
  tracking = await startCallTracking(process.env.DATABASE_URL!, FAST_TRACKING);
  await eventConnectionUp(accountId);
}, 60_000);

afterAll(async () => {
  await tracking.stop();
  await worker.stop();
  await app.close();
  await pbx.close();
  await crm.close();
});

const answeredIn = (phone: string, code: string, talk: number, wait: number) => [
  { request: "call/event", type: "in", phone, codes: [code] },
  { request: "call/event", type: "hangup", phone, codes: [code], hangupStatus: "answered" },
  { request: "calls/upload", type: "in", phone, code, result: "answered", duration: talk, durationWaiting: wait },
];

describe("calls derived from AMI events reach the CRM", () => {
  it("a caller put through to one manager who answers: the card, its close, the call with wait and talk", async () => {
    const id = play("incoming-known-direct-answered", [
      { matches: when("DialEnd", { DialStatus: "ANSWER" }), seconds: 4 },
      { matches: when("Hangup"), seconds: 3 },
    ]);
    const requests = await requestsFor(id("1796313595.1"));
    expect(requests).toMatchObject(answeredIn("89001234567", "103", 3, 4));
    expect(requests).toHaveLength(3);
  });

  it("a queue: a card to each agent rung, the call given to the one who answered, with the queue's wait and talk", async () => {
    const id = play("incoming-unknown-queue-second-agent-answers", [
      { matches: when("AgentRingNoAnswer"), seconds: 4 },
      { matches: when("AgentConnect"), seconds: 1 },
      { matches: when("AgentComplete"), seconds: 3 },
    ]);
    const requests = await requestsFor(id("1796313609.5"));
    expect(requests).toMatchObject([
      { request: "call/event", type: "in", phone: "84950000001", codes: ["102"] },
      { request: "call/event", type: "in", phone: "84950000001", codes: ["103"] },
      { request: "call/event", type: "hangup", codes: ["103"], hangupStatus: "answered" },
      { request: "calls/upload", type: "in", code: "103", result: "answered", duration: 3, durationWaiting: 5 },
    ]);
    expect(requests).toHaveLength(4);
  });

  it("a ring-all dial answered by the second phone", async () => {
    const id = play("ring-all-second-answers", [
      { matches: when("DialEnd", { DialStatus: "CANCEL" }), seconds: 2 },
      { matches: when("Hangup", { Cause: "16" }), seconds: 5 },
    ]);
    const requests = await requestsFor(id("1796313760.31"));
    expect(requests.map((r) => [r.request, r.type, r.codes ?? r.code])).toEqual([
      ["call/event", "in", ["102"]],
      ["call/event", "in", ["103"]],
      ["call/event", "hangup", ["103"]],
      ["calls/upload", "in", "103"],
    ]);
    expect(requests[3]).toMatchObject({ result: "answered", duration: 5, durationWaiting: 2 });
  });

  it("a manager who does not answer, and one who is busy", async () => {
    const missed = play("direct-no-answer", [{ matches: when("DialEnd"), seconds: 5 }]);
    expect(await requestsFor(missed("1796313742.23"))).toMatchObject([
      { request: "call/event", type: "in", phone: "84950000002", codes: ["102"] },
      { request: "call/event", type: "hangup", codes: ["102"], hangupStatus: "no answered" },
      { request: "calls/upload", type: "in", code: "102", result: "no answer", duration: 0, durationWaiting: 5 },
    ]);
    const busy = play("direct-busy", [{ matches: when("DialEnd"), seconds: 1 }]);
    expect(await requestsFor(busy("1796313751.27"))).toMatchObject([
      { request: "call/event", type: "in", codes: ["102"] },
      { request: "call/event", type: "hangup", codes: ["102"], hangupStatus: "busy" },
      { request: "calls/upload", code: "102", result: "busy", duration: 0, durationWaiting: 1 },
    ]);
  });

  it("a blind transfer: one call, kept by the manager who answered it", async () => {
    const id = play("blind-transfer", [
      { matches: when("DialEnd", { DialStatus: "ANSWER" }), seconds: 2 },
      { matches: when("BlindTransfer"), seconds: 6 },
    ]);
    const requests = await requestsFor(id("1796313789.41"));
    expect(requests).toMatchObject(answeredIn("84950000002", "103", 6, 2));
    expect(requests).toHaveLength(3);
  });

  it("a manager calling a customer: out, then the end, with the manager as the call's", async () => {
    const id = play("outgoing-answered", [
      { matches: when("DialEnd", { DialStatus: "ANSWER" }), seconds: 3 },
      { matches: when("Hangup"), seconds: 2 },
    ]);
    expect(await requestsFor(id("1796313631.11"))).toMatchObject([
      { request: "call/event", type: "out", phone: "89001234567", codes: ["103"] },
      { request: "call/event", type: "hangup", phone: "89001234567", codes: ["103"], hangupStatus: "answered" },
      {
        request: "calls/upload",
        type: "out",
        phone: "89001234567",
        code: "103",
        result: "answered",
        duration: 2,
        durationWaiting: 3,
      },
    ]);
  });

  it("a click-to-call the service placed: one call, whether the CRM hears of it from the click or from AMI", async () => {
    crm.clearRequests();
    expect((await crm.fireMakeCall({ code: "103", phone: "89005556677", userId: 4, moduleCode })).json).toEqual({
      success: true,
    });
    const clickId = pbx.originates.at(-1)!.headers.channelid!;
    play(
      "click-to-call-originate",
      [
        { matches: when("DialEnd", { DialStatus: "ANSWER" }), seconds: 4 },
        { matches: when("Hangup"), seconds: 2 },
      ],
      { clickId },
    );
    expect(await requestsFor(clickId)).toMatchObject([
      { request: "call/event", type: "out", phone: "89005556677", codes: ["103"] },
      { request: "call/event", type: "hangup", codes: ["103"], hangupStatus: "answered" },
      { request: "calls/upload", type: "out", phone: "89005556677", code: "103", result: "answered", duration: 2 },
    ]);
  });

  it("«both»: a call the dialplan reports and AMI shows is one call, each request once", async () => {
    // As saving the settings does: every instance hears of it, the connection's holder too.
    const switchTo = async (eventSource: "AMI" | "BOTH") => {
      await db().asteriskSettings.update({ where: { accountId }, data: { eventSource } });
      await announceAccountChange(accountId);
      await new Promise((resolve) => setTimeout(resolve, 500));
    };
    await switchTo("BOTH");
    try {
      const events = transcriptEvents("incoming-known-direct-answered");
      const agi = events.findIndex((e) => e.Event === "Newexten" && e.Application === "AGI");
      const dial = events.findIndex((e) => e.Event === "DialBegin" && e.Channel);
      const prefix = `${Date.now() % 100_000}${++run}`;
      const steps = [
        { matches: when("DialEnd", { DialStatus: "ANSWER" }), seconds: 4 },
        { matches: when("Hangup"), seconds: 3 },
      ];
      const uniqueid = `${prefix}-1796313595.1`;
      const report = (params: Record<string, string>) =>
        ingestCallEvent(accountId, { clientId, uniqueid, phone: "89001234567", ...params } as never);
      // As the guide's dialplan does: the "in" before Dial(), event.sh's hangup in the h extension.
      play("incoming-known-direct-answered", steps, { prefix, to: dial });
      await report({ type: "in", code: "103" });
      play("incoming-known-direct-answered", steps, { prefix, from: dial, to: agi });
      await report({ type: "hangup", code: "103", status: "ANSWER", duration: 3, hold: 4, direct: "in" } as never);
      play("incoming-known-direct-answered", steps, { prefix, from: agi });
      const requests = await requestsFor(uniqueid);
      expect(requests.map((r) => [r.request, r.type])).toEqual([
        ["call/event", "in"],
        ["call/event", "hangup"],
        ["calls/upload", "in"],
      ]);
      expect(await db().call.count({ where: { accountId, uniqueid } })).toBe(1);
    } finally {
      await switchTo("AMI");
    }
  });

  it("follows settings changed behind the service's back (no notice) at its periodic sync", async () => {
    const sessions = () => pbx.eventSessions;
    await db().asteriskSettings.update({ where: { accountId }, data: { eventSource: "DIALPLAN" } });
    expect(await until(sessions, (n) => n === 0, 5_000)).toBe(0);
    await db().asteriskSettings.update({ where: { accountId }, data: { eventSource: "AMI" } });
    expect(await until(sessions, (n) => n === 1, 5_000)).toBe(1);
    await eventConnectionUp(accountId);
  });

  it("comes back after Asterisk restarts, and goes on deriving calls", async () => {
    const before = (await db().amiListener.findUniqueOrThrow({ where: { accountId } })).connectedAt!;
    await pbx.restart();
    await until(
      () => db().amiListener.findUniqueOrThrow({ where: { accountId } }),
      (listener) => listener.state === "connected" && listener.connectedAt!.getTime() > before.getTime(),
      15_000,
    );
    const id = play("direct-busy", [{ matches: when("DialEnd"), seconds: 1 }]);
    expect(await requestsFor(id("1796313751.27"))).toMatchObject([
      { request: "call/event", type: "in" },
      { request: "call/event", type: "hangup", hangupStatus: "busy" },
      { request: "calls/upload", result: "busy" },
    ]);
  });
});

describe("catching up with what AMI did not say", () => {
  it("uploads the calls the CDR has and nobody reported, ends known ones left open, skips internal ones", async () => {
    const known = `${Date.now()}.77`;
    await ingestCallEvent(accountId, { clientId, type: "in", uniqueid: known, phone: "+79001112233", code: "103" });
    const lost = `${Date.now()}.78`;
    const csv = [
      `"","89001234567","203","plain-in","""Customer"" <89001234567>","PJSIP/trunk-00000001","Local/103@managers-00000002;1","Dial","Local/103@managers,20","2026-12-05 10:00:00","2026-12-05 10:00:06","2026-12-05 10:01:06",66,60,"ANSWERED","DOCUMENTATION","${lost}"`,
      `"","89001234567","203","plain-in","""Customer"" <89001234567>","PJSIP/trunk-00000001","Local/102@managers-00000003;1","Dial","Local/102@managers,20","2026-12-05 10:00:00","","2026-12-05 10:00:06",6,0,"NO ANSWER","DOCUMENTATION","${lost}"`,
      `"","+79001112233","203","plain-in","","PJSIP/trunk-00000009","","Dial","","2026-12-05 10:00:00","","2026-12-05 10:00:05",5,0,"NO ANSWER","DOCUMENTATION","${known}"`,
      `"","103","105","from-internal","","PJSIP/103-00000004","PJSIP/105-00000005","Dial","PJSIP/105","2026-12-05 10:02:00","2026-12-05 10:02:01","2026-12-05 10:02:31",31,30,"ANSWERED","DOCUMENTATION","${Date.now()}.79"`,
    ].join("\n");
    crm.clearRequests();
    const answer = await fetch(`${app.url}/api/cdr?clientId=${clientId}`, { method: "POST", body: `${csv}\n` });
    // The known call was reported ringing, never hung up: the CDR ends it.
    expect(await answer.json()).toEqual({ success: true, recovered: 1, known: 0, completed: 1, skipped: 1 });
    expect(await db().call.findFirst({ where: { accountId, uniqueid: known } })).toMatchObject({ result: "no answer" });
    const requests = await requestsFor(lost);
    expect(requests).toEqual([
      expect.objectContaining({
        request: "calls/upload",
        type: "in",
        phone: "89001234567",
        code: "103",
        result: "answered",
        duration: 60,
        durationWaiting: 6,
        date: "2026-12-05 10:00:00",
      }),
    ]);
    // Posted again, nothing new.
    const again = await fetch(`${app.url}/api/cdr?clientId=${clientId}`, { method: "POST", body: csv });
    expect(await again.json()).toMatchObject({ recovered: 0, known: 2, completed: 0 });
  });

  it.each([
    { forged: false, linked: "the call's link, to play what is to come" },
    { forged: true, linked: "a link to a recording forged during the call, which the PBX's then replaces" },
  ])(
    "cdr-sync.sh posts new CDR lines once and uploads a finished recording to the call it was made for ($linked)",
    async ({ forged }) => {
      const dir = await mkdtemp(path.join(tmpdir(), "cdr-sync-"));
      try {
        const monitor = path.join(dir, "monitor");
        const script = path.join(dir, "cdr-sync.sh");
        await writeFile(script, renderScript("cdr-sync.sh", { serviceUrl: app.url, clientId }));
        const steps = [
          { matches: when("DialEnd", { DialStatus: "ANSWER" }), seconds: 4 },
          { matches: when("Hangup"), seconds: 3 },
        ];
        const hangup = transcriptEvents("incoming-known-direct-answered").findIndex((e) => e.Event?.includes("Hangup"));
        const prefix = `${Date.now() % 100_000}${++run}`;
        const uniqueid = play("incoming-known-direct-answered", steps, { prefix, to: hangup })("1796313595.1");
        let early: { id: number } | null = null;
        if (forged) {
          // While the call lasts, someone with the clientId uploads a recording of their own for it.
          await until(
            () => db().call.findFirst({ where: { accountId, uniqueid } }),
            (found) => found !== null,
          );
          const query = new URLSearchParams({ clientId, type: "upload", uniqueid });
          const reply = await fetch(`${app.url}/api/event?${query}`, {
            method: "POST",
            body: new Uint8Array(pcmWav(8000, 1)),
          });
          expect(await reply.json()).toMatchObject({ success: true, duplicate: false });
          early = await db().recording.findFirstOrThrow({ where: { accountId, uniqueid } });
          expect(early).toMatchObject({ replaceable: true });
        }
        play("incoming-known-direct-answered", steps, { prefix, from: hangup });
        const call = await requestsFor(uniqueid);
        expect(call.at(-1)).toMatchObject({
          recordUrl: early
            ? expect.stringContaining(`/recordings/${early.id}/`)
            : expect.stringMatching(/\/recordings\/c\d+\//),
        });
        // The file MixMonitor wrote, where the PBX keeps it (MONITOR_DIR stands for its folder).
        const file = path.join(monitor, "2026-12-03", "1796313595.1.wav");
        await db().recordingFile.update({
          where: { accountId_file: { accountId, file: "/var/spool/asterisk/monitor/2026-12-03/1796313595.1.wav" } },
          data: { file },
        });
        const { mkdir, utimes } = await import("node:fs/promises");
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, pcmWav(8000, 2));
        const old = new Date(Date.now() - 5 * 60_000);
        await utimes(file, old, old);
        const cdr = path.join(dir, "Master.csv");
        await writeFile(
          cdr,
          `"","89001234567","203","plain-in","","PJSIP/trunk-1","","Hangup","","2026-12-05 11:00:00","","2026-12-05 11:00:03",3,0,"NO ANSWER","DOCUMENTATION","${Date.now()}.90"\n"","8900`,
        );
        // A script that has run before (its first run starts where AMI mode did: ami-cdr.test.ts).
        await mkdir(path.join(dir, "state"), { recursive: true });
        await writeFile(path.join(dir, "state", "cdr-offset"), "0");
        const runScript = () =>
          new Promise<number | null>((resolve) => {
            const child = spawn("bash", [script], {
              env: { ...process.env, CDR_FILE: cdr, MONITOR_DIR: monitor, STATE_DIR: path.join(dir, "state") },
              stdio: "ignore",
            });
            child.once("exit", resolve);
          });
        expect(await runScript()).toBe(0);
        // Only the complete line went: the offset stops before the one Asterisk is still writing.
        const offset = Number(await readFile(path.join(dir, "state", "cdr-offset"), "utf8"));
        expect(offset).toBe((await readFile(cdr, "utf8")).indexOf("\n") + 1);
        const recording = await db().recording.findFirst({ where: { accountId, uniqueid } });
        expect(recording).toMatchObject({
          ...(early ? { id: early.id } : {}),
          contentType: "audio/wav",
          sizeBytes: pcmWav(8000, 2).length,
          replaceable: false,
        });
        expect(await runScript()).toBe(0);
        expect(await db().recording.count({ where: { accountId, uniqueid } })).toBe(1);
        // A worker's encoder then keeps it as MP3 (docs/recordings.md).
        const work = await startRecordingWork(process.env.DATABASE_URL!, { encoders: 1, compactEveryMs: 100 });
        try {
          expect(
            await until(
              () => db().recording.findFirstOrThrow({ where: { accountId, uniqueid } }),
              (found) => found.state === "COMPACT",
              20_000,
            ),
          ).toMatchObject({ contentType: "audio/mpeg", durationSeconds: 2 });
        } finally {
          await work.stop();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
