// The named queue of every call is deleted once the call is finished and quiet, never earlier.
import { beforeAll, describe, expect, it } from "vitest";
import { createTestAccount } from "@/e2e/setup/factories";
import { db, dbPool } from "@/lib/db/client";
import { ingestCallEvent } from "@/lib/dialplan/event-ingest";
import { dispatchPendingCalls } from "./dispatch";
import { deleteFinishedCallQueues } from "./queue-gc";
import { installQueue } from "./worker";

let accountId: string;

async function call(uniqueid: string): Promise<number> {
  await ingestCallEvent(accountId, { clientId: "c", type: "in", uniqueid, phone: "+79001234567", code: "101" });
  await dispatchPendingCalls(dbPool());
  return (await db().call.findUniqueOrThrow({ where: { accountId_uniqueid: { accountId, uniqueid } } })).id;
}

async function queueOf(callId: number): Promise<{ queue: boolean; jobQueued: boolean | null }> {
  const { rows } = await dbPool().query<{ queue: boolean; job_queued: boolean | null }>(
    `SELECT EXISTS (SELECT 1 FROM graphile_worker._private_job_queues WHERE queue_name = $1) AS queue,
            (SELECT job_queue_id IS NOT NULL FROM graphile_worker._private_jobs WHERE key = $1) AS job_queued`,
    [`call:${callId}`],
  );
  return { queue: rows[0]!.queue, jobQueued: rows[0]!.job_queued };
}

const finish = (callId: number) => dbPool().query("DELETE FROM graphile_worker._private_jobs WHERE key = $1", [`call:${callId}`]);
const age = (callId: number, hours: number) => dbPool().query(`UPDATE calls SET "updatedAt" = now() - make_interval(hours => $2) WHERE id = $1`, [callId, hours]);

beforeAll(async () => {
  await installQueue(process.env.DATABASE_URL!);
  accountId = (await createTestAccount()).id;
});

describe("deleteFinishedCallQueues", () => {
  it("deletes the queue of a call with no job that has been quiet for an hour, and keeps the rest", async () => {
    const [done, recent, waiting] = [await call("1700000000.1"), await call("1700000000.2"), await call("1700000000.3")];
    await finish(done);
    await age(done, 2);
    await finish(recent);
    await age(waiting, 2);
    await dbPool().query("INSERT INTO graphile_worker._private_job_queues (queue_name) VALUES ('not-a-call')");

    expect(await deleteFinishedCallQueues(dbPool())).toBe(1);
    expect(await queueOf(done)).toEqual({ queue: false, jobQueued: null });
    expect(await queueOf(recent)).toEqual({ queue: true, jobQueued: null });
    expect(await queueOf(waiting)).toEqual({ queue: true, jobQueued: true });
    const { rows } = await dbPool().query("SELECT 1 FROM graphile_worker._private_job_queues WHERE queue_name = 'not-a-call'");
    expect(rows).toHaveLength(1);
  });

  it("gives a late event of a collected call a queue again", async () => {
    const id = await call("1700000000.4");
    await finish(id);
    await age(id, 2);
    await deleteFinishedCallQueues(dbPool());
    await ingestCallEvent(accountId, { clientId: "c", type: "hangup", uniqueid: "1700000000.4", phone: "+79001234567", status: "ANSWER" });
    await dispatchPendingCalls(dbPool());
    expect(await queueOf(id)).toEqual({ queue: true, jobQueued: true });
  });
});
