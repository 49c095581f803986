import { Logger, run, runMigrations, type Runner, type TaskList } from "graphile-worker";
import type pg from "pg";
import { createPool } from "@/lib/db/pool";
import { log } from "@/lib/log";
import { deliverCall } from "./deliver-call";
import { DELIVER_CALL_TASK } from "./enqueue";
import { releaseAbandonedJobs, unlockWorkers } from "./recovery";

const quietLogger = new Logger(() => (level, message, meta) => {
  if (level === "error") log.error({ meta }, message);
  else if (level === "warning") log.warn({ meta }, message);
  else log.debug({ meta }, message);
});

const tasks: TaskList = {
  [DELIVER_CALL_TASK]: async (payload) => deliverCall((payload as { callId: number }).callId),
};

/** graphile-worker's own tables (schema graphile_worker); installed by the service, no network needed. */
export async function installQueue(connectionString: string): Promise<void> {
  await runMigrations({ connectionString, logger: quietLogger });
}

const ABANDONED_AFTER_MS = 5 * 60_000;
const MAX_RESTART_DELAY_MS = 30_000;

export interface DeliveryWorker {
  stop(): Promise<void>;
  /** Settles once the worker has been stopped. */
  promise: Promise<void>;
}

interface WorkerOptions {
  concurrency?: number;
  pollInterval?: number;
}

function startRunner(pool: pg.Pool, options: WorkerOptions): Promise<Runner> {
  return run({
    pgPool: pool,
    concurrency: options.concurrency ?? 5,
    pollInterval: options.pollInterval ?? 1_000,
    noHandleSignals: true,
    taskList: tasks,
    logger: quietLogger,
  });
}

/**
 * Runs delivery workers in this process; any number of processes may do the same on one database.
 * graphile-worker 0.16 retires a worker for good when it cannot record a job's outcome (the
 * database went away mid-job) and never replaces it, so a database restart would leave a pool
 * with no workers. This supervisor then replaces the whole runner, once the database answers,
 * and releases the dead workers' jobs at once rather than after ABANDONED_AFTER_MS.
 */
export async function startDeliveryWorker(connectionString: string, options: WorkerOptions = {}): Promise<DeliveryWorker> {
  // One pool for everything the workers do, with error listeners that stay: graphile-worker
  // removes its own when a runner stops, and a connection the database then drops would crash us.
  const pool = createPool({ connectionString, max: (options.concurrency ?? 5) + 3 }, "delivery");
  const released = await releaseAbandonedJobs(pool, ABANDONED_AFTER_MS);
  if (released) log.warn({ workers: released }, "released jobs of delivery workers that died");
  const sweep = setInterval(() => {
    releaseAbandonedJobs(pool, ABANDONED_AFTER_MS).catch((error: unknown) => log.warn({ err: error }, "releasing abandoned jobs failed"));
  }, 60_000);
  sweep.unref();

  let stopping = false;
  let restarting: Promise<void> | undefined;
  const deadWorkers = new Set<string>();

  const supervise = (runner: Runner) => {
    runner.events.on("worker:fatalError", ({ worker, error }) => {
      deadWorkers.add(worker.workerId);
      log.error({ err: error }, "a delivery worker could not record a job's outcome; restarting the delivery workers");
      restarting ??= restart().finally(() => (restarting = undefined));
    });
    return runner;
  };

  let runner = supervise(await startRunner(pool, options));

  async function restart(): Promise<void> {
    await runner.stop().catch(() => undefined);
    for (let delay = 250; !stopping; delay = Math.min(delay * 2, MAX_RESTART_DELAY_MS)) {
      try {
        await unlockWorkers(pool, [...deadWorkers]);
        deadWorkers.clear();
        runner = supervise(await startRunner(pool, options));
        log.info("delivery workers restarted");
        return;
      } catch (error) {
        log.warn({ err: error, retryInMs: delay }, "delivery workers cannot restart yet");
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  let stopped: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (stopped = resolve));
  return {
    promise,
    async stop() {
      stopping = true;
      clearInterval(sweep);
      await restarting;
      await runner.stop();
      await pool.end();
      stopped();
    },
  };
}
