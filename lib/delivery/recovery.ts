import { makeWorkerUtils } from "graphile-worker";
import pg from "pg";

/**
 * A worker process that dies (SIGKILL, power loss) leaves its jobs locked; graphile-worker 0.16
 * would wait hours before running them again. Jobs locked longer than any delivery can take
 * belong to dead workers: release them so another process delivers them now.
 */
export async function releaseAbandonedJobs(connectionString: string, olderThanMs: number): Promise<number> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  let workerIds: string[];
  try {
    const { rows } = await client.query<{ locked_by: string }>(
      `SELECT DISTINCT locked_by FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL AND locked_at < now() - make_interval(secs => $1::float8 / 1000)`,
      [olderThanMs],
    );
    workerIds = rows.map((r) => r.locked_by);
  } finally {
    await client.end();
  }
  if (workerIds.length === 0) return 0;
  const utils = await makeWorkerUtils({ connectionString });
  try {
    await utils.forceUnlockWorkers(workerIds);
  } finally {
    await utils.release();
  }
  return workerIds.length;
}
