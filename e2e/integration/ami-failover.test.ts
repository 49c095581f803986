// One AMI event connection per account across every process (docs/ami-events.md): two worker
// processes, one holds it; killed mid-call, the other takes it over within seconds, takes up the
// call in progress from CoreShowChannels, and the CRM gets that call once, complete: a plain call
// of the first recording, and a call through a Local-channel trunk of the second.
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { timed, transcriptEvents, when } from "@/e2e/fixtures/ami-transcripts";
import { crmRequestsFor } from "@/e2e/setup/crm-calls";
import { demoCrmAccount, AMI_EVENTS_USER } from "@/e2e/setup/factories";
import { spawnWorker } from "@/e2e/setup/spawn-worker";
import { until } from "@/e2e/setup/until";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { encryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";

const ami = AMI_EVENTS_USER;
let pbx: AsteriskSim;
let crm: RetailCrmSim;
let accountId: string;
const workers = new Map<string, ChildProcess>();

async function startWorker(): Promise<void> {
  const { child, trackingId } = await spawnWorker();
  workers.set(trackingId, child);
}

/** The account's connection row; until the first beat made it, one that is not connected. */
const listener = async () =>
  (await db().amiListener.findUnique({ where: { accountId } })) ?? { state: "none", workerId: null };

beforeAll(async () => {
  pbx = await createAsteriskSim({ tcpPort: 0, httpPort: null, users: [ami] });
  let account;
  ({ crm, account } = await demoCrmAccount({ 3: "102", 4: "103" }));
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
      inboundContexts: ["init-channel", "inbound"],
      amiHost: "127.0.0.1",
      amiEventsPort: pbx.tcpPort!,
      amiPort: pbx.tcpPort!,
      amiTransport: "TCP",
      amiLogin: ami.username,
      amiSecretEnc: encryptSecret(ami.secret),
    },
  });
  await Promise.all([startWorker(), startWorker()]);
}, 60_000);

afterAll(async () => {
  for (const child of workers.values()) child.kill("SIGKILL");
  await pbx.close();
  await crm.close();
});

describe("the holder of an account's AMI event connection", () => {
  it("is one process; killed mid-call, another takes over and the call reaches the CRM once", async () => {
    const held = await until(listener, (l) => l.state === "connected" && l.workerId !== null, 20_000);
    expect(pbx.tcpConnections).toBe(1);
    const events = timed(
      transcriptEvents("incoming-known-direct-answered"),
      [
        { matches: when("DialEnd", { DialStatus: "ANSWER" }), seconds: 2 },
        { matches: when("Hangup"), seconds: 3 },
      ],
      Date.now() / 1000,
    );
    // The call rings and is answered while the first process holds the connection...
    const bridged = events.findIndex((e) => e.Event === "BridgeEnter" && e.Uniqueid === "1796313595.1");
    pbx.replay(events.slice(0, bridged + 1));
    // Its card has reached the CRM and been recorded as sent (a request in flight when a process
    // dies is sent again: delivery-durability.test.ts covers that, not this).
    await until(
      () => db().delivery.count({ where: { accountId, state: "SENT", call: { uniqueid: "1796313595.1" } } }),
      (n) => n === 1,
      15_000,
    );
    // ...then that process dies; the talk goes on without anyone listening.
    const killedAt = Date.now();
    const holder = workers.get(held.workerId!)!;
    const exited = new Promise((resolve) => holder.once("exit", resolve));
    holder.kill("SIGKILL");
    await exited;
    workers.delete(held.workerId!);
    const taken = await until(listener, (l) => l.state === "connected" && l.workerId !== held.workerId, 15_000);
    expect(taken.workerId).not.toBe(held.workerId);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    // The call ends after the new holder took the call in progress up from CoreShowChannels.
    pbx.replay(events.slice(bridged + 1));
    await until(
      () => crm.state.calls.filter((c) => c.call.externalId === "1796313595.1").length,
      (n) => n === 1,
      15_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const cardEvents = crm.state.callEvents.filter((e) => e.event.callExternalId === "1796313595.1");
    expect(cardEvents.map((e) => [e.event.type, e.event.codes])).toEqual([
      ["in", ["103"]],
      ["hangup", ["103"]],
    ]);
    expect(cardEvents[1]!.event.hangupStatus).toBe("answered");
    const uploaded = crm.state.calls.filter((c) => c.call.externalId === "1796313595.1");
    expect(uploaded).toHaveLength(1);
    expect(uploaded[0]!.call).toMatchObject({
      type: "in",
      code: "103",
      result: "answered",
      recordUrl: expect.any(String),
    });
    expect(pbx.tcpConnections).toBe(1);
  }, 90_000);

  it("killed mid-call through a Local-channel trunk, hands the call over keyed by its dialplan half, recording and all", async () => {
    const held = await until(listener, (l) => l.state === "connected" && l.workerId !== null, 20_000);
    const prefix = `kill${Date.now() % 100_000}`;
    const renumber = (id: string) => (id ? `${prefix}-${id}` : id);
    const events = timed(
      transcriptEvents("core-show-channels-mid-call.read-all"),
      [{ matches: when("Hangup"), seconds: 4 }],
      Date.now() / 1000,
    );
    const key = renumber("1796587247.21");
    // Rung and answered while the first process holds the connection; its card went out.
    const answered = events.findIndex((e) => e.Event === "DialEnd" && e.DialStatus === "ANSWER") + 2;
    pbx.replay(events.slice(0, answered), { renumber });
    await until(
      () => db().delivery.count({ where: { accountId, state: "SENT", call: { uniqueid: key } } }),
      (n) => n === 1,
      15_000,
    );
    const holder = workers.get(held.workerId!)!;
    const exited = new Promise((resolve) => holder.once("exit", resolve));
    holder.kill("SIGKILL");
    await exited;
    workers.delete(held.workerId!);
    await startWorker();
    const taken = await until(listener, (l) => l.state === "connected" && l.workerId !== held.workerId, 15_000);
    expect(taken.workerId).not.toBe(held.workerId);
    pbx.replay(events.slice(answered), { renumber });
    const requests = await crmRequestsFor(crm, key);
    expect(requests).toMatchObject([
      { request: "call/event", type: "in", codes: ["103"] },
      { request: "call/event", type: "hangup", codes: ["103"], hangupStatus: "answered" },
      { request: "calls/upload", type: "in", code: "103", result: "answered", recordUrl: expect.any(String) },
    ]);
    expect(requests).toHaveLength(3);
    expect(await db().call.count({ where: { accountId, uniqueid: { startsWith: `${prefix}-` } } })).toBe(1);
  }, 90_000);
});
