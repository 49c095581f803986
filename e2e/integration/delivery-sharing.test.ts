// Several delivery processes on one database (docs/delivery.md): they share the accounts' lanes
// out among themselves, deliver every request once, and when one of them dies another takes its
// lanes over and finishes its work.
import type { ChildProcess } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { answeredHangup } from "@/e2e/setup/delivery";
import { demoCrmAccount } from "@/e2e/setup/factories";
import { signalWorker, spawnWorker } from "@/e2e/setup/spawn-worker";
import { until } from "@/e2e/setup/until";
import { db } from "@/lib/db/client";

const ACCOUNTS = 8;
const CALLS = 60;
let accounts: { crm: RetailCrmSim; accountId: string }[];
const workers: ChildProcess[] = [];

/** Long beside the beat (200 ms), so that a take-over by the liveness lock and one by the lease cannot be confused. */
const LEASE_MS = 8_000;

async function startWorker(): Promise<ChildProcess> {
  const { child } = await spawnWorker({ DELIVERY_LEASE_MS: String(LEASE_MS) });
  workers.push(child);
  return child;
}

const stop = signalWorker;

async function hangups(prefix: string): Promise<void> {
  await Promise.all(
    accounts.flatMap(({ accountId }, a) =>
      Array.from({ length: CALLS }, (_, i) => answeredHangup(accountId, `${prefix}${a}.${i}`)),
    ),
  );
}

const sentCount = (prefix: string) =>
  db().delivery.count({ where: { state: "SENT", call: { uniqueid: { startsWith: prefix } } } });

/** How often each call of the round reached its CRM: its hangup event and its upload. */
function arrivals(prefix: string): { events: Map<string, number>; uploads: Map<string, number> } {
  const events = new Map<string, number>();
  const uploads = new Map<string, number>();
  for (const { crm } of accounts) {
    for (const request of crm.requests) {
      if (request.status !== 200) continue;
      if (request.path.endsWith("/call/event")) {
        const id = (JSON.parse(request.form.event!) as { callExternalId: string }).callExternalId;
        if (id.startsWith(prefix)) events.set(id, (events.get(id) ?? 0) + 1);
      } else if (request.path.endsWith("/calls/upload")) {
        for (const call of JSON.parse(request.form.calls!) as { externalId: string }[])
          if (call.externalId.startsWith(prefix)) uploads.set(call.externalId, (uploads.get(call.externalId) ?? 0) + 1);
      }
    }
  }
  return { events, uploads };
}

const holders = async () =>
  (await db().deliveryLane.groupBy({ by: ["workerId"], where: { workerId: { not: null } }, _count: true })).map(
    (group) => group._count,
  );

beforeAll(async () => {
  accounts = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const { crm, account } = await demoCrmAccount({ 3: "101" });
    crm.setLatency(60, "/api/v5/telephony");
    accounts.push({ crm, accountId: account.id });
  }
}, 60_000);

// A test's processes end with it: one left running would hold lanes in the next test's count.
afterEach(async () => {
  for (const child of workers.splice(0)) await stop(child, "SIGTERM");
});

afterAll(async () => {
  for (const child of workers) if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all(accounts.map(({ crm }) => crm.close()));
});

describe("delivery processes sharing one database", () => {
  it("share the lanes out and send every request once", async () => {
    const [first, second] = await Promise.all([startWorker(), startWorker()]);
    await hangups("1510000");
    expect(
      await until(
        () => sentCount("1510000"),
        (n) => n === 2 * ACCOUNTS * CALLS,
        60_000,
      ),
    ).toBe(2 * ACCOUNTS * CALLS);
    // Each held about half of the accounts while it delivered.
    const shares = await holders();
    expect(shares).toHaveLength(2);
    for (const share of shares) expect(share).toBeGreaterThanOrEqual(ACCOUNTS / 2 - 1);
    const { events, uploads } = arrivals("1510000");
    expect(events.size).toBe(ACCOUNTS * CALLS);
    expect(uploads.size).toBe(ACCOUNTS * CALLS);
    expect([...events.values(), ...uploads.values()].every((n) => n === 1)).toBe(true);

    // A process that stops gives its lanes back: the other delivers what comes next.
    await stop(first!, "SIGTERM");
    await hangups("1520000");
    expect(
      await until(
        () => sentCount("1520000"),
        (n) => n === 2 * ACCOUNTS * CALLS,
        60_000,
      ),
    ).toBe(2 * ACCOUNTS * CALLS);
    expect(await holders()).toEqual([ACCOUNTS]);
    const after = arrivals("1520000");
    expect([...after.events.values(), ...after.uploads.values()].every((n) => n === 1)).toBe(true);
    await stop(second!, "SIGTERM");
  }, 120_000);

  it("finish a killed process's work: its lanes are taken over, every call reaches its CRM", async () => {
    const [doomed] = await Promise.all([startWorker(), startWorker()]);
    for (const { crm } of accounts) crm.setLatency(300, "/api/v5/telephony");
    await hangups("1530000");
    await until(
      () => sentCount("1530000"),
      (n) => n >= (ACCOUNTS * CALLS) / 2,
      60_000,
    );
    await stop(doomed!, "SIGKILL");
    expect(
      await until(
        () => sentCount("1530000"),
        (n) => n === 2 * ACCOUNTS * CALLS,
        60_000,
      ),
    ).toBe(2 * ACCOUNTS * CALLS);
    const { events, uploads } = arrivals("1530000");
    expect(events.size).toBe(ACCOUNTS * CALLS);
    expect(uploads.size).toBe(ACCOUNTS * CALLS);
    // Only what was in flight when it died may have been sent twice (16 requests per account at most).
    const twice = [...events.values(), ...uploads.values()].filter((n) => n > 1).length;
    expect(twice).toBeLessThanOrEqual(16 * ACCOUNTS);
  }, 120_000);

  it("count a killed process out at the next beat: the survivor holds every lane, not half of them till the lease ends", async () => {
    const [doomed] = await Promise.all([startWorker(), startWorker()]);
    for (const { crm } of accounts) crm.setLatency(300, "/api/v5/telephony");
    await hangups("1540000");
    const both = await until(holders, (shares) => shares.length === 2, 30_000, 50);
    expect(both).toHaveLength(2);
    const killedAt = Date.now();
    await stop(doomed!, "SIGKILL");
    const one = await until(holders, (shares) => shares.length === 1, 2 * LEASE_MS, 50);
    const tookMs = Date.now() - killedAt;
    expect(one).toHaveLength(1);
    // The survivor's beat finds the dead process's liveness lock gone and takes its lanes.
    expect(tookMs).toBeLessThan(LEASE_MS / 2);
    expect(
      await until(
        () => sentCount("1540000"),
        (n) => n === 2 * ACCOUNTS * CALLS,
        60_000,
      ),
    ).toBe(2 * ACCOUNTS * CALLS);
  }, 120_000);
});
