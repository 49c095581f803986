// Calls from AMI events, end to end (docs/ami-events.md): the simulator replays what a real
// Asterisk 22 sent for each scenario (e2e/fixtures/ami-transcripts), to a user configured with
// the read classes and eventfilter lines the «API» tab gives; the service holds the account's
// event connection, derives the calls and delivers them; the CRM gets exactly these requests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { timed, transcriptEvents, when, type Scenario, type Step } from "@/e2e/fixtures/ami-transcripts";
import { FAST_DELIVERY } from "@/e2e/setup/delivery";
import { demoCrmAccount } from "@/e2e/setup/factories";
import { until } from "@/e2e/setup/until";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { EVENT_FILTERS } from "@/lib/asterisk/snippets/ami-config";
import { encryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import { startDeliveryWorker, type DeliveryWorker } from "@/lib/delivery/worker";

const ami = {
  username: "crm",
  secret: "s3cret",
  read: "call,agent,dialplan",
  write: "originate,reporting",
  eventFilters: EVENT_FILTERS,
};
let pbx: AsteriskSim;
let crm: RetailCrmSim;
let accountId: string;
let worker: DeliveryWorker;
let run = 0;

/** Plays a scenario as a new call (ids renumbered), its clock starting now. */
function play(scenario: Scenario, steps: Step[]): (id: string) => string {
  const prefix = `${Date.now() % 100_000}${++run}`;
  const renumber = (id: string) => (id.startsWith("crm-") || !id ? id : `${prefix}-${id}`);
  pbx.replay(timed(transcriptEvents(scenario), steps, Date.now() / 1000), { renumber });
  return renumber;
}

/** What the CRM got about one call, in order: call/event bodies and the call's calls/upload entry. */
async function requestsFor(uniqueid: string): Promise<Record<string, unknown>[]> {
  const collect = () =>
    crm.requests.flatMap((request): Record<string, unknown>[] => {
      if (request.status !== 200) return [];
      if (request.path.endsWith("/call/event")) {
        const event = JSON.parse(request.form.event!) as Record<string, unknown>;
        return event.callExternalId === uniqueid ? [{ request: "call/event", ...event }] : [];
      }
      if (request.path.endsWith("/calls/upload"))
        return (JSON.parse(request.form.calls!) as Record<string, unknown>[])
          .filter((call) => call.externalId === uniqueid)
          .map((call) => ({ request: "calls/upload", ...call }));
      return [];
    });
  await until(collect, (requests) => requests.some((r) => r.request === "calls/upload"), 15_000);
  // Anything that would come after the upload has had its chance.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return collect();
}

beforeAll(async () => {
  pbx = await createAsteriskSim({ tcpPort: 0, httpPort: null, users: [ami] });
  let account;
  ({ crm, account } = await demoCrmAccount({ 3: "102", 4: "103", 5: "105" }));
  accountId = account.id;
  await db().asteriskSettings.upsert({
    where: { accountId },
    create: { accountId },
    update: {},
  });
  await db().asteriskSettings.update({
    where: { accountId },
    data: {
      eventSource: "AMI",
      inboundContexts: ["init-channel", "plain-in"],
      amiHost: "127.0.0.1",
      amiEventsPort: pbx.tcpPort!,
      amiLogin: ami.username,
      amiSecretEnc: encryptSecret(ami.secret),
      amiTransport: "TCP",
      amiPort: pbx.tcpPort!,
    },
  });
  worker = await startDeliveryWorker(process.env.DATABASE_URL!, FAST_DELIVERY);
  await until(
    () => db().amiListener.findUnique({ where: { accountId } }),
    (listener) => listener?.state === "connected",
    15_000,
  );
}, 60_000);

afterAll(async () => {
  await worker.stop();
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
});
