import { Logger, run, runMigrations, type Runner, type TaskList } from "graphile-worker";
import { log } from "@/lib/log";
import { deliverCall } from "./deliver-call";
import { DELIVER_CALL_TASK } from "./enqueue";

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

/** Runs delivery workers in this process; any number of processes may do the same on one database. */
export async function startDeliveryWorker(connectionString: string, options: { concurrency?: number; pollInterval?: number } = {}): Promise<Runner> {
  return run({
    connectionString,
    concurrency: options.concurrency ?? 5,
    pollInterval: options.pollInterval ?? 1_000,
    noHandleSignals: true,
    taskList: tasks,
    logger: quietLogger,
  });
}
