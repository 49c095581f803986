// How worker processes share the accounts' AMI event connections (docs/ami-events.md, «One
// connection per account») when one of them dies or hangs. A killed process's liveness lock is
// gone at once, so the survivor counts it out and takes its share at its next beat, well before
// the lease would run out; a hung process keeps its lock, and loses its share when its lease does.
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AMI_EVENTS_USER, createTestAccount, listenToAmi } from "@/e2e/setup/factories";
import { signalWorker, spawnWorker } from "@/e2e/setup/spawn-worker";
import { until } from "@/e2e/setup/until";
import { createPbxFarm, type PbxFarm } from "@/e2e/sim/asterisk/farm";
import { db } from "@/lib/db/client";

const ACCOUNTS = 6;
const BEAT_MS = 200;
/** Long beside the beat, so that a take-over by the lock and one by the lease cannot be confused. */
const LEASE_MS = 8_000;
let farm: PbxFarm;
const workers = new Map<string, ChildProcess>();

async function startWorker(): Promise<string> {
  const { child, trackingId } = await spawnWorker({ TRACKING_LEASE_MS: String(LEASE_MS) });
  workers.set(trackingId, child);
  return trackingId;
}

async function kill(id: string): Promise<void> {
  await signalWorker(workers.get(id)!, "SIGKILL");
  workers.delete(id);
}

/** Connected event connections by holder, and the event sessions each PBX has. */
async function holdings() {
  const rows = await db().amiListener.findMany({ where: { state: "connected" } });
  const byWorker = new Map<string, number>();
  for (const row of rows) if (row.workerId) byWorker.set(row.workerId, (byWorker.get(row.workerId) ?? 0) + 1);
  return { byWorker, sessions: farm.pbxs.map((pbx) => pbx.eventSessions) };
}

const heldBy = (id: string) => (h: Awaited<ReturnType<typeof holdings>>) =>
  h.byWorker.size === 1 && h.byWorker.get(id) === ACCOUNTS && h.sessions.every((n) => n === 1);

const shared = (h: Awaited<ReturnType<typeof holdings>>) =>
  h.byWorker.size === 2 &&
  [...h.byWorker.values()].every((n) => n === ACCOUNTS / 2) &&
  h.sessions.every((n) => n === 1);

beforeAll(async () => {
  farm = await createPbxFarm(ACCOUNTS, { users: [AMI_EVENTS_USER] });
  for (const pbx of farm.pbxs) await listenToAmi((await createTestAccount()).id, pbx);
}, 60_000);

afterAll(async () => {
  for (const child of workers.values()) {
    child.kill("SIGCONT");
    child.kill("SIGKILL");
  }
  await farm.close();
});

describe("the holders of the AMI event connections", () => {
  it("take a killed holder's share at the next beat, not when its lease runs out", async () => {
    const [first, second] = await Promise.all([startWorker(), startWorker()]);
    expect(await until(holdings, shared, 20_000)).toSatisfy(shared);
    const killedAt = Date.now();
    await kill(first);
    expect(await until(holdings, heldBy(second), LEASE_MS * 2, 50)).toSatisfy(heldBy(second));
    const tookMs = Date.now() - killedAt;
    // A beat to count the dead holder out and claim, then the connections' login and listing.
    expect(tookMs).toBeLessThan(LEASE_MS / 2);
  }, 60_000);

  it("take a hung holder's share when its lease runs out, and the holder lets it go when it wakes", async () => {
    const [survivor] = [...workers.keys()];
    const hung = await startWorker();
    expect(await until(holdings, shared, 20_000)).toSatisfy(shared);
    // Stopped, not dead: its connections to PostgreSQL (its liveness lock) and to the PBXs stay open.
    const stoppedAt = Date.now();
    workers.get(hung)!.kill("SIGSTOP");
    const taken = await until(
      async () => (await db().amiListener.count({ where: { workerId: survivor, state: "connected" } })) === ACCOUNTS,
      (all) => all,
      LEASE_MS * 3,
      50,
    );
    expect(taken).toBe(true);
    expect(Date.now() - stoppedAt).toBeGreaterThan(LEASE_MS - 2 * BEAT_MS);
    workers.get(hung)!.kill("SIGCONT");
    // Woken, it finds its leases gone and closes its connections; then the two share again.
    expect(await until(holdings, shared, 20_000)).toSatisfy(shared);
  }, 90_000);
});
