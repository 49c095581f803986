import { makeWorkerUtils } from "graphile-worker";
import type pg from "pg";

/**
 * A worker process that dies (SIGKILL, power loss) leaves its jobs locked; graphile-worker 0.16
 * would wait hours before running them again. Jobs locked longer than any delivery can take
 * belong to dead workers: release them so another process delivers them now.
 */
export async function releaseAbandonedJobs(pool: pg.Pool, olderThanMs: number): Promise<number> {
  const { rows } = await pool.query<{ locked_by: string }>(
    `SELECT DISTINCT locked_by FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL AND locked_at < now() - make_interval(secs => $1::float8 / 1000)`,
    [olderThanMs],
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
