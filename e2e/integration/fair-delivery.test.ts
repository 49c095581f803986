// Fair delivery (docs/delivery.md): whatever one account's CRM does (hangs past the timeout,
// answers slowly, is down) and however large its backlog, another account's new calls reach
// their CRM within a second of what they take when the first account is idle. Time is
// compressed: the CRM timeout is 1.5 s here (CRM_TIMEOUT_MS), a slow CRM answers in 1.2 s.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { answeredHangup, FAST_DELIVERY } from "@/e2e/setup/delivery";
import { demoCrmAccount } from "@/e2e/setup/factories";
import { until } from "@/e2e/setup/until";
import { db } from "@/lib/db/client";
import { ingestCallEvent } from "@/lib/calls";
import { startDeliveryWorker, type DeliveryWorker } from "@/lib/delivery";

const ACCOUNT_CONCURRENCY = 16;
let worker: DeliveryWorker;
let b: { crm: RetailCrmSim; accountId: string };
let sequence = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function account(): Promise<{ crm: RetailCrmSim; accountId: string }> {
  const { crm, account } = await demoCrmAccount({ 3: "101" });
  return { crm, accountId: account.id };
}

/** Stores `count` finished calls of an account at once: a backlog of 2 requests each. */
async function backlog(accountId: string, count: number): Promise<void> {
  const prefix = `17${String(++sequence).padStart(8, "0")}`;
  for (let from = 0; from < count; from += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, count - from) }, (_, i) => answeredHangup(accountId, `${prefix}.${from + i}`)),
    );
  }
}

const queued = (accountId: string) => db().delivery.count({ where: { accountId, state: "QUEUED" } });

/** B's incoming calls, one every 100 ms: how long each took from being stored to reaching B's CRM (ms). */
async function latenciesOfB(count = 20): Promise<number[]> {
  const prefix = `16${String(++sequence).padStart(8, "0")}`;
  const storedAt = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const uniqueid = `${prefix}.${i}`;
    storedAt.set(uniqueid, Date.now());
    await ingestCallEvent(b.accountId, { clientId: "x", type: "in", uniqueid, phone: "+79001234567", code: "101" });
    await sleep(100);
  }
  const arrived = () =>
    b.crm.requests.filter((r) => r.status === 200 && r.form.event?.includes(`"${prefix}.`)).map((r) => r);
  await until(
    async () => arrived().length,
    (n) => n >= count,
    30_000,
  );
  return arrived().map((r) => {
    const uniqueid = (JSON.parse(r.form.event!) as { callExternalId: string }).callExternalId;
    return r.at - storedAt.get(uniqueid)!;
  });
}

let alone: number;

beforeAll(async () => {
  b = await account();
  worker = await startDeliveryWorker(process.env.DATABASE_URL!, {
    ...FAST_DELIVERY,
    lane: { ...FAST_DELIVERY.lane, accountConcurrency: ACCOUNT_CONCURRENCY },
  });
  await latenciesOfB(5);
  alone = Math.max(...(await latenciesOfB()));
}, 60_000);

afterAll(async () => {
  await worker.stop();
  await b.crm.close();
});

describe("one account's trouble is not another's", () => {
  it.each([
    { trouble: "hangs past the timeout", calls: 400, set: (crm: RetailCrmSim) => crm.setOutage("hang") },
    { trouble: "answers in 1.2 s", calls: 400, set: (crm: RetailCrmSim) => crm.setLatency(1_200) },
    { trouble: "is down", calls: 400, set: (crm: RetailCrmSim) => crm.setOutage("reset") },
    { trouble: "is fine, but 3 000 calls are queued for it", calls: 3_000, set: () => undefined },
  ])(
    "delivers B's calls as fast as alone (+1 s) while A's CRM $trouble",
    async ({ calls, set }) => {
      const a = await account();
      try {
        set(a.crm);
        await backlog(a.accountId, calls);
        const before = await queued(a.accountId);
        a.crm.clearRequests();
        await sleep(500);
        const latencies = await latenciesOfB();
        expect(Math.max(...latencies)).toBeLessThanOrEqual(alone + 1_000);
        // A is still in trouble: most of its backlog is left, far more than the bound could drain.
        expect(await queued(a.accountId)).toBeGreaterThan(before / 2);
        // Its CRM never had more than its share of requests open at once.
        expect(a.crm.peakOpenRequests).toBeLessThanOrEqual(ACCOUNT_CONCURRENCY);
      } finally {
        a.crm.setOutage("none");
        a.crm.setLatency(0);
        await db().delivery.updateMany({
          where: { accountId: a.accountId, state: "QUEUED" },
          data: { state: "FAILED" },
        });
        await a.crm.close();
      }
    },
    120_000,
  );

  it("keeps hundreds of requests to slow CRMs in flight at once", async () => {
    const slow = await Promise.all(Array.from({ length: 20 }, () => account()));
    try {
      for (const { crm } of slow) crm.setLatency(1_200);
      await Promise.all(slow.map(({ accountId }) => backlog(accountId, 60)));
      let most = 0;
      await until(
        async () => {
          most = Math.max(
            most,
            slow.reduce((open, { crm }) => open + crm.openRequests, 0),
          );
          return most;
        },
        (n) => n >= 200,
        20_000,
        20,
      );
      expect(most).toBeGreaterThanOrEqual(200);
      for (const { crm } of slow) expect(crm.peakOpenRequests).toBeLessThanOrEqual(ACCOUNT_CONCURRENCY);
    } finally {
      for (const { accountId } of slow)
        await db().delivery.updateMany({ where: { accountId, state: "QUEUED" }, data: { state: "FAILED" } });
      await Promise.all(slow.map(({ crm }) => crm.close()));
    }
  }, 120_000);
});
