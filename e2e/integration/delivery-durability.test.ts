// Nothing is lost: a delivery worker killed with SIGKILL mid-delivery, and a CRM that stays down
// for a long while (time compressed: backoffs and breaker pauses of tenths of a second).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { connectAccount } from "@/lib/accounts";
import { db } from "@/lib/db/client";
import { ingestCallEvent } from "@/lib/calls";
import { startDeliveryWorker } from "@/lib/delivery";
import { spawnWorker } from "@/e2e/setup/spawn-worker";
import { until } from "@/e2e/setup/until";
import { FAST_DELIVERY } from "@/e2e/setup/delivery";

let crm: RetailCrmSim;
let accountId: string;

async function hangups(prefix: string, count: number) {
  for (let i = 0; i < count; i++) {
    await ingestCallEvent(accountId, {
      clientId: "x",
      type: "hangup",
      uniqueid: `${prefix}.${i}`,
      phone: "+79001234567",
      code: "101",
      status: "ANSWER",
      direct: "in",
      date: "2026-11-23 10:00:00",
      duration: 30,
    });
  }
}

const sent = (prefix: string) =>
  db().delivery.count({ where: { accountId, state: "SENT", call: { uniqueid: { startsWith: prefix } } } });

beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
  accountId = (await connectAccount({ crmUrl: crm.url, apiKey: DEMO.apiKey })).id;
});
afterAll(() => crm.close());

describe("durable delivery", () => {
  it("loses nothing when the worker process is killed mid-delivery", async () => {
    crm.setLatency(150, "/api/v5/telephony");
    await hangups("1900000000", 15);
    const { child } = await spawnWorker({ WORKER_CONCURRENCY: "4" });
    await until(
      () => sent("1900000000"),
      (n) => n >= 6,
      30_000,
    );
    const killed = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await killed;
    const before = await sent("1900000000");
    expect(before).toBeLessThan(30);

    const worker = await startDeliveryWorker(process.env.DATABASE_URL!, FAST_DELIVERY);
    try {
      expect(
        await until(
          () => sent("1900000000"),
          (n) => n === 30,
          30_000,
        ),
      ).toBe(30);
      const uploaded = new Set(
        crm.state.calls.map((c) => c.call.externalId).filter((id) => id?.startsWith("1900000000")),
      );
      expect(uploaded.size).toBe(15);
      const hangupEvents = crm.state.callEvents.filter((e) => String(e.event.callExternalId).startsWith("1900000000"));
      expect(hangupEvents.length).toBeGreaterThanOrEqual(15);
      expect(hangupEvents.length).toBeLessThanOrEqual(15 + 4);
    } finally {
      await worker.stop();
      crm.setLatency(0);
    }
  }, 90_000);

  it("keeps probing through a long CRM outage, backing off, and delivers everything once, in order, when it is back", async () => {
    crm.setOutage("reset");
    await ingestCallEvent(accountId, {
      clientId: "x",
      type: "in",
      uniqueid: "1900000001.1",
      phone: "+79001234567",
      code: "101",
    });
    await hangups("1900000001", 10);
    const worker = await startDeliveryWorker(process.env.DATABASE_URL!, FAST_DELIVERY);
    try {
      const attempts = () =>
        db().deliveryAttempt.count({
          where: { delivery: { accountId, call: { uniqueid: { startsWith: "1900000001" } } } },
        });
      // Once the breaker is open, one probe per pause (100–200 ms here): 4 s is about 20, where
      // retrying each of the 10 calls at its own backoff (at most 200 ms) would be about 200.
      await until(attempts, (n) => n >= 3, 10_000);
      const from = await attempts();
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      const during = (await attempts()) - from;
      expect(during).toBeGreaterThanOrEqual(6);
      expect(during).toBeLessThanOrEqual(40);
      expect(await sent("1900000001")).toBe(0);
      expect(await db().deliveryLane.findUniqueOrThrow({ where: { accountId } })).toMatchObject({
        breakerOpens: expect.any(Number),
        lastError: expect.stringMatching(/unreachable|did not answer/),
      });

      crm.setOutage("none");
      expect(
        await until(
          () => sent("1900000001"),
          (n) => n === 21,
          30_000,
        ),
      ).toBe(21);
      const first = crm.state.callEvents
        .filter((e) => e.event.callExternalId === "1900000001.1")
        .map((e) => e.event.type);
      expect(first).toEqual(["in", "hangup"]);
      expect(crm.state.calls.filter((c) => String(c.call.externalId).startsWith("1900000001"))).toHaveLength(10);
    } finally {
      await worker.stop();
      crm.setOutage("none");
    }
  }, 120_000);

  it("comes through a storm of 503 rate-limit refusals with every event once, in order", async () => {
    for (let i = 0; i < 5; i++) {
      await ingestCallEvent(accountId, {
        clientId: "x",
        type: "in",
        uniqueid: `1900000003.${i}`,
        phone: "+79001234567",
        code: "101",
      });
    }
    await hangups("1900000003", 5);
    crm.clearRequests();
    crm.failNext(60, { status: 503, body: { success: false, errorMsg: "Rate limit exceeded" } });
    const worker = await startDeliveryWorker(process.env.DATABASE_URL!, FAST_DELIVERY);
    try {
      expect(
        await until(
          () => sent("1900000003"),
          (n) => n === 15,
          40_000,
        ),
      ).toBe(15);
    } finally {
      await worker.stop();
    }
    expect(crm.requests.filter((r) => r.status === 503)).toHaveLength(60);
    for (let i = 0; i < 5; i++) {
      const id = `1900000003.${i}`;
      expect(
        crm.state.callEvents.filter((e) => e.event.callExternalId === id).map((e) => e.event.type),
        id,
      ).toEqual(["in", "hangup"]);
      const uploads = crm.requests.filter(
        (r) => r.status === 200 && r.path.endsWith("/calls/upload") && r.form.calls!.includes(`"${id}"`),
      );
      expect(uploads, id).toHaveLength(1);
    }
  }, 120_000);
});

describe("calls/upload under backlog", () => {
  it("sends queued uploads of many calls in batches of at most 50, each call once", async () => {
    await hangups("1900000002", 60);
    crm.clearRequests();
    // The CRM refuses uploads for a moment: the calls' events go out meanwhile and their uploads pile up.
    crm.failNext(60, {
      status: 503,
      pathPrefix: "/api/v5/telephony/calls/upload",
      body: { success: false, errorMsg: "Rate limit exceeded" },
    });
    const worker = await startDeliveryWorker(process.env.DATABASE_URL!, { ...FAST_DELIVERY, concurrency: 2 });
    try {
      expect(
        await until(
          () => sent("1900000002"),
          (n) => n === 120,
          60_000,
        ),
      ).toBe(120);
    } finally {
      await worker.stop();
    }
    const uploads = crm.requests.filter((r) => r.path === "/api/v5/telephony/calls/upload" && r.status === 200);
    const sizes = uploads.map((r) => (JSON.parse(r.form.calls!) as unknown[]).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(uploads.length).toBeLessThan(60);
    const externalIds = uploads.flatMap((r) =>
      (JSON.parse(r.form.calls!) as { externalId: string }[]).map((c) => c.externalId),
    );
    expect(new Set(externalIds).size).toBe(60);
    expect(externalIds).toHaveLength(60);
  }, 90_000);
});

describe("a key replaced while a lane is held", () => {
  it("sends the account's next requests with the new key", async () => {
    const worker = await startDeliveryWorker(process.env.DATABASE_URL!, FAST_DELIVERY);
    try {
      crm.clearRequests();
      await hangups("1900000005", 1);
      expect(
        await until(
          () => sent("1900000005"),
          (n) => n === 2,
          20_000,
        ),
      ).toBe(2);
      const replaced = { ...DEMO.key, key: "replaced-api-key-4c1d" };
      crm.addKey(replaced);
      await connectAccount({ crmUrl: crm.url, apiKey: replaced.key });
      await hangups("1900000006", 1);
      expect(
        await until(
          () => sent("1900000006"),
          (n) => n === 2,
          20_000,
        ),
      ).toBe(2);
    } finally {
      await worker.stop();
    }
    const keysOf = (prefix: string) =>
      new Set(crm.requests.filter((r) => JSON.stringify(r.form).includes(prefix)).map((r) => r.apiKey));
    expect(keysOf("1900000005")).toEqual(new Set([DEMO.apiKey]));
    expect(keysOf("1900000006")).toEqual(new Set(["replaced-api-key-4c1d"]));
  }, 60_000);
});
