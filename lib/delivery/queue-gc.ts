import type pg from "pg";

/** A call's queue is kept this long after the call last changed: its events arrive within it. */
export const CALL_QUEUE_KEPT_FOR_MS = 60 * 60 * 1000;

/**
 * Every call gets a named queue in graphile-worker (one job at a time per call), and
 * graphile-worker 0.16 never deletes a queue by itself: one row per call, forever, read by every
 * job fetch. This deletes the queues of calls that have no job and did not change for an hour.
 * graphile-worker's own cleanup would also delete the queue of a call between its events, and
 * a job added in that instant would run outside its queue, beside the call's other job.
 */
export async function deleteFinishedCallQueues(pool: pg.Pool, keptForMs = CALL_QUEUE_KEPT_FOR_MS): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM graphile_worker._private_job_queues q
      WHERE q.locked_at IS NULL AND q.queue_name LIKE 'call:%'
        AND NOT EXISTS (SELECT 1 FROM graphile_worker._private_jobs j WHERE j.job_queue_id = q.id)
        AND NOT EXISTS (
          SELECT 1 FROM "calls" c
           WHERE c."id"::text = substr(q.queue_name, 6) AND c."updatedAt" > now() - make_interval(secs => $1::float8 / 1000))`,
    [keptForMs],
  );
  return rowCount ?? 0;
}
