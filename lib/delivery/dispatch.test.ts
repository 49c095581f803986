// What the delivery workers make of calls marked by event ingest: one job per call, whatever
// state the call's earlier job is in, and never a call whose requests are still being stored.
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestAccount } from "@/e2e/setup/factories";
import { db, dbPool } from "@/lib/db/client";
import { ingestCallEvent } from "@/lib/dialplan/event-ingest";
import { CALL_JOB_MAX_ATTEMPTS, CALL_QUEUES, dispatchPendingCalls, startDispatcher } from "./dispatch";
import { installQueue } from "./worker";

let accountId: string;
let sequence = 0;

type Job = { key: string | null; attempts: number; due: boolean; locked: boolean };

async function start(): Promise<{ uniqueid: string; callId: number; key: string }> {
  const uniqueid = `1810000000.${++sequence}`;
  await ingestCallEvent(accountId, { clientId: "c", type: "in", uniqueid, phone: "+79001234567", code: "101" });
  const callId = (await db().call.findUniqueOrThrow({ where: { accountId_uniqueid: { accountId, uniqueid } } })).id;
  return { uniqueid, callId, key: `call:${callId}` };
}

const hangup = (uniqueid: string) =>
  ingestCallEvent(accountId, { clientId: "c", type: "hangup", uniqueid, phone: "+79001234567", status: "ANSWER" });

async function jobsOf(callId: number): Promise<Job[]> {
  const { rows } = await dbPool().query<Job>(
    `SELECT key, attempts, run_at <= now() AS due, locked_at IS NOT NULL AS locked FROM graphile_worker._private_jobs
      WHERE payload::jsonb = $1::jsonb ORDER BY id`,
    [JSON.stringify({ callId })],
  );
  return rows;
}

const pending = async (callId: number) =>
  (await db().call.findUniqueOrThrow({ where: { id: callId } })).deliveryPending;

/** Dispatches until nothing is marked: other tests' calls are dispatched along the way. */
async function dispatchAll(): Promise<void> {
  while ((await dispatchPendingCalls(dbPool())) > 0);
}

beforeAll(async () => {
  await installQueue(process.env.DATABASE_URL!);
  accountId = (await createTestAccount()).id;
});

describe("dispatchPendingCalls", () => {
  it("makes one job per marked call, in one of its account's queues chosen by the call's id, and unmarks it", async () => {
    const [first, second] = [await start(), await start()];
    expect(await dispatchPendingCalls(dbPool())).toBe(2);
    for (const call of [first, second]) {
      expect(await jobsOf(call.callId)).toEqual([{ key: call.key, attempts: 0, due: true, locked: false }]);
      expect(await pending(call.callId)).toBe(false);
    }
    const { rows } = await dbPool().query<{ queue_name: string; max_attempts: number }>(
      `SELECT q.queue_name, j.max_attempts FROM graphile_worker._private_jobs j JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id WHERE j.key = $1`,
      [first.key],
    );
    expect(rows).toEqual([
      { queue_name: `calls:${accountId}:${first.callId % CALL_QUEUES}`, max_attempts: CALL_JOB_MAX_ATTEMPTS },
    ]);
    expect(await dispatchPendingCalls(dbPool())).toBe(0);
  });

  it("takes at most a batch at a time, oldest calls first", async () => {
    await dispatchAll();
    const calls = [await start(), await start(), await start()];
    expect(await dispatchPendingCalls(dbPool(), 2)).toBe(2);
    expect(await Promise.all(calls.map((call) => pending(call.callId)))).toEqual([false, false, true]);
    expect(await dispatchPendingCalls(dbPool(), 2)).toBe(1);
  });

  it("leaves a job that waits untried as it is", async () => {
    const call = await start();
    await dispatchAll();
    await dbPool().query(
      "UPDATE graphile_worker._private_jobs SET run_at = now() + interval '1 minute' WHERE key = $1",
      [call.key],
    );
    await hangup(call.uniqueid);
    await dispatchAll();
    expect(await jobsOf(call.callId)).toEqual([{ key: call.key, attempts: 0, due: false, locked: false }]);
  });

  it("gives a running job a new run: it may have read the call's requests before the new ones", async () => {
    const call = await start();
    await dispatchAll();
    await dbPool().query(
      "UPDATE graphile_worker._private_jobs SET locked_at = now(), locked_by = 'test-worker' WHERE key = $1",
      [call.key],
    );
    await hangup(call.uniqueid);
    await dispatchAll();
    expect(await jobsOf(call.callId)).toEqual([
      { key: null, attempts: CALL_JOB_MAX_ATTEMPTS, due: true, locked: true },
      { key: call.key, attempts: 0, due: true, locked: false },
    ]);
  });

  it("retries a job in backoff at once", async () => {
    const call = await start();
    await dispatchAll();
    await dbPool().query(
      "UPDATE graphile_worker._private_jobs SET attempts = 3, run_at = now() + interval '1 hour' WHERE key = $1",
      [call.key],
    );
    await hangup(call.uniqueid);
    await dispatchAll();
    expect(await jobsOf(call.callId)).toEqual([{ key: call.key, attempts: 0, due: true, locked: false }]);
  });

  it("skips a call whose requests are still being stored, and takes it once they are", async () => {
    const call = await start();
    await dispatchAll();
    await dbPool().query("DELETE FROM graphile_worker._private_jobs WHERE key = $1", [call.key]);
    const storing = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await storing.connect();
    try {
      // What event ingest does to the call's row, in a transaction not yet committed.
      await storing.query("BEGIN");
      await storing.query(`UPDATE calls SET "deliveryPending" = true WHERE id = $1`, [call.callId]);
      await dispatchAll();
      expect(await jobsOf(call.callId)).toEqual([]);
      await storing.query("COMMIT");
    } finally {
      await storing.end();
    }
    await dispatchAll();
    expect(await jobsOf(call.callId)).toEqual([{ key: call.key, attempts: 0, due: true, locked: false }]);
  });

  it("marks again a call whose event arrives while it is being dispatched", async () => {
    const call = await start();
    const dispatching = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await dispatching.connect();
    try {
      await dispatching.query("BEGIN");
      await dispatching.query(`UPDATE calls SET "deliveryPending" = false WHERE id = $1`, [call.callId]);
      const stored = hangup(call.uniqueid);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await dispatching.query("COMMIT");
      await stored;
    } finally {
      await dispatching.end();
    }
    expect(await pending(call.callId)).toBe(true);
  });
});

describe("startDispatcher", () => {
  it("makes the jobs of newly marked calls by itself until stopped", async () => {
    const dispatcher = startDispatcher(dbPool(), 20);
    try {
      const call = await start();
      await expect.poll(() => jobsOf(call.callId), { timeout: 5_000 }).toHaveLength(1);
    } finally {
      await dispatcher.stop();
    }
    const late = await start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await pending(late.callId)).toBe(true);
  });
});
