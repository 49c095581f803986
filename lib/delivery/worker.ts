import { EventEmitter } from "node:events";
import { Logger, run, runMigrations, type Runner, type TaskList, type WorkerEvents } from "graphile-worker";
import type pg from "pg";
import { createPool } from "@/lib/db/pool";
import { log } from "@/lib/log";
import { deliverCall } from "./deliver-call";
import { DELIVER_CALL_TASK, startDispatcher } from "./dispatch";
import { WorkerLiveness } from "./liveness";
import { releaseJobsOfDeadWorkers, unlockWorkers } from "./recovery";

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

// A job locked this long whose worker shows no sign of life (see liveness.ts) is released.
const ABANDONED_AFTER_MS = 5_000;
const SWEEP_EVERY_MS = 10_000;
// How long a newly stored request may wait before its call has a job.
const DISPATCH_EVERY_MS = 100;
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

function startRunner(pool: pg.Pool, events: WorkerEvents, options: WorkerOptions): Promise<Runner> {
  return run({
    pgPool: pool,
    events,
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
 * and releases the dead workers' jobs at once.
 */
export async function startDeliveryWorker(
  connectionString: string,
  options: WorkerOptions = {},
): Promise<DeliveryWorker> {
  // One pool for everything the workers do, with error listeners that stay: graphile-worker
  // removes its own when a runner stops, and a connection the database then drops would crash us.
  // Taking and completing jobs need not wait for an fsync: see deliveryPool() for why that is safe.
  const pool = createPool(
    { connectionString, max: (options.concurrency ?? 5) + 3, options: "-c synchronous_commit=off" },
    "delivery-queue",
  );
  const liveness = new WorkerLiveness(connectionString);
  const releaseDead = () =>
    releaseJobsOfDeadWorkers(pool, ABANDONED_AFTER_MS).then((released) => {
      if (released) log.warn({ workers: released }, "released the jobs of delivery workers that died");
    });
  await releaseDead();
  const sweep = setInterval(
    () => releaseDead().catch((error: unknown) => log.warn({ err: error }, "releasing abandoned jobs failed")),
    SWEEP_EVERY_MS,
  );
  sweep.unref();

  let stopping = false;
  let restarting: Promise<void> | undefined;
  const deadWorkers = new Set<string>();

  // Listening before run() starts, so that no worker is created unseen.
  const events: WorkerEvents = new EventEmitter();
  events.on("worker:create", ({ worker }) => void liveness.hold(worker.workerId));
  events.on("worker:fatalError", ({ worker, error }) => {
    deadWorkers.add(worker.workerId);
    log.error({ err: error }, "a delivery worker could not record a job's outcome; restarting the delivery workers");
    restarting ??= restart().finally(() => (restarting = undefined));
  });

  let runner = await startRunner(pool, events, options);
  const dispatcher = startDispatcher(pool, DISPATCH_EVERY_MS);

  async function restart(): Promise<void> {
    await runner.stop().catch(() => undefined);
    for (let delay = 250; !stopping; delay = Math.min(delay * 2, MAX_RESTART_DELAY_MS)) {
      try {
        await unlockWorkers(pool, [...deadWorkers]);
        deadWorkers.clear();
        runner = await startRunner(pool, events, options);
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
      await dispatcher.stop();
      await restarting;
      await runner.stop();
      await liveness.close();
      await pool.end();
      stopped();
    },
  };
}
