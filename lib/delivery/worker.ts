import { Logger, run, runMigrations, type Runner, type TaskList } from "graphile-worker";
import { log } from "@/lib/log";
import { deliverCall } from "./deliver-call";
import { DELIVER_CALL_TASK } from "./enqueue";
import { releaseAbandonedJobs } from "./recovery";

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

/** Runs delivery workers in this process; any number of processes may do the same on one database. */
export async function startDeliveryWorker(connectionString: string, options: { concurrency?: number; pollInterval?: number } = {}): Promise<Runner> {
  const released = await releaseAbandonedJobs(connectionString, ABANDONED_AFTER_MS);
  if (released) log.warn({ workers: released }, "released jobs of delivery workers that died");
  const sweep = setInterval(() => {
    releaseAbandonedJobs(connectionString, ABANDONED_AFTER_MS).catch((error: unknown) => log.warn({ err: error }, "releasing abandoned jobs failed"));
  }, 60_000);
  sweep.unref();
  const runner = await run({
    connectionString,
    concurrency: options.concurrency ?? 5,
    pollInterval: options.pollInterval ?? 1_000,
    noHandleSignals: true,
    taskList: tasks,
    logger: quietLogger,
  });
  void runner.promise.finally(() => clearInterval(sweep));
  return runner;
}
