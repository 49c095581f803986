import type pg from "pg";
import { log } from "@/lib/log";

export const DELIVER_CALL_TASK = "deliver-call";
export const CALL_JOB_MAX_ATTEMPTS = 30;
/** Named queues per account: how many of its calls can be delivered at once (see DISPATCH_SQL). */
export const CALL_QUEUES = 16;

/** Calls turned into jobs per statement; a full batch is followed by the next at once. */
const DISPATCH_BATCH = 500;

/**
 * Turns the calls marked as owing CRM requests (calls."deliveryPending", set by event ingest and
 * «Повторить» in the same statement or transaction that stores the requests) into delivery jobs,
 * and unmarks them, in one statement: after a crash either both happened or neither.
 *
 * One job per call (its job key) in one of its account's CALL_QUEUES named queues, chosen by the
 * call's id: a queue runs one job at a time, so a call's requests go out in order and never from
 * two workers at once, while up to CALL_QUEUES calls of an account are delivered side by side. A
 * queue per call would do the same, but graphile-worker 0.16 locks every idle queue at every job
 * fetch: with a queue for each call of the last hour, a fetch cost milliseconds and tens of
 * kilobytes of WAL. add_jobs with the call's job key gives what a new request needs: a waiting
 * job stays as it is, a job in retry backoff is retried now, and a running job (which may have
 * read the call's requests before these were stored) gets a new run, after it in the same queue.
 *
 * Marking a call locks its row, and claiming skips locked rows, so a call whose requests are
 * still being stored is claimed in a later round, once they are visible to its job. Calls are
 * claimed in batches: event ingest, which answers the dialplan, no longer pays for add_job.
 */
const DISPATCH_SQL = `
  WITH due AS (
    UPDATE "calls" c SET "deliveryPending" = false
    FROM (SELECT "id" FROM "calls" WHERE "deliveryPending" = true ORDER BY "id" LIMIT $3 FOR UPDATE SKIP LOCKED) claimed
    WHERE c."id" = claimed."id"
    RETURNING c."id", c."accountId"
  ), specs AS (
    SELECT array_agg(ROW($1::text, json_build_object('callId', "id"), 'calls:' || "accountId" || ':' || "id" % $4, NULL, $2::smallint, 'call:' || "id", NULL, NULL)::graphile_worker.job_spec ORDER BY "id") AS "list"
    FROM due
  )
  -- add_jobs notifies the workers even for an empty list: it is called only when there are calls.
  SELECT (SELECT count(*) FROM graphile_worker.add_jobs(specs."list", job_key_preserve_run_at := true))::int AS "jobs"
  FROM specs WHERE specs."list" IS NOT NULL`;

/** One round: makes jobs for up to `limit` marked calls and returns how many. */
export async function dispatchPendingCalls(pool: pg.Pool, limit = DISPATCH_BATCH): Promise<number> {
  const { rows } = await pool.query<{ jobs: number }>({
    name: "dispatch-pending-calls",
    text: DISPATCH_SQL,
    values: [DELIVER_CALL_TASK, CALL_JOB_MAX_ATTEMPTS, limit, CALL_QUEUES],
  });
  return rows[0]?.jobs ?? 0;
}

export interface Dispatcher {
  stop(): Promise<void>;
}

const MAX_ERROR_DELAY_MS = 5_000;

/**
 * Runs dispatch rounds every `everyMs` (at once again after a full batch) until stopped. A
 * failing round (the database away) is logged and tried again with a growing pause.
 */
export function startDispatcher(pool: pg.Pool, everyMs: number): Dispatcher {
  let stopping = false;
  let wake: () => void = () => undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = (async () => {
    let errorDelay = everyMs;
    while (!stopping) {
      try {
        const jobs = await dispatchPendingCalls(pool);
        errorDelay = everyMs;
        if (jobs < DISPATCH_BATCH) await pause(everyMs);
      } catch (error) {
        if (stopping) break;
        log.warn({ err: error, retryInMs: errorDelay }, "making delivery jobs for new calls failed");
        await pause(errorDelay);
        errorDelay = Math.min(errorDelay * 2, MAX_ERROR_DELAY_MS);
      }
    }
  })();

  return {
    async stop() {
      stopping = true;
      wake();
      await loop;
    },
  };
}
