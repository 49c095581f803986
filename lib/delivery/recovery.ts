import { makeWorkerUtils } from "graphile-worker";
import type pg from "pg";
import { LIVENESS_LOCK_CLASS } from "./liveness";

/**
 * A worker process that dies (SIGKILL, power loss) leaves its jobs locked; graphile-worker 0.16
 * would wait hours before running them again. A job whose worker holds no liveness lock (see
 * liveness.ts) belongs to a dead worker: release it so a live one delivers it now. Jobs locked
 * only moments ago are left alone, as their worker may still be taking its lock.
 */
export async function releaseJobsOfDeadWorkers(pool: pg.Pool, lockedForMs: number): Promise<number> {
  const { rows } = await pool.query<{ locked_by: string }>(
    `SELECT DISTINCT j.locked_by FROM graphile_worker._private_jobs j
      WHERE j.locked_by IS NOT NULL AND j.locked_at < now() - make_interval(secs => $1::float8 / 1000)
        AND NOT EXISTS (
          SELECT 1 FROM pg_locks l
           WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND l.classid = $2::int::oid AND l.objid = hashtext(j.locked_by)::oid)`,
    [lockedForMs, LIVENESS_LOCK_CLASS],
  );
  const workerIds = rows.map((r) => r.locked_by);
  await unlockWorkers(pool, workerIds);
  return workerIds.length;
}

/** Releases every job and queue the given (dead) workers hold, so that live ones run them now. */
export async function unlockWorkers(pool: pg.Pool, workerIds: string[]): Promise<void> {
  if (workerIds.length === 0) return;
  const utils = await makeWorkerUtils({ pgPool: pool });
  try {
    await utils.forceUnlockWorkers(workerIds);
  } finally {
    await utils.release();
  }
}
