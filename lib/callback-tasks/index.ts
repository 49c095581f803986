import type pg from "pg";
import { RetailCrmError } from "@/lib/retailcrm/errors";
import type { RetailCrmClient } from "@/lib/retailcrm/client";
import { callerIdName } from "@/lib/telephony/caller-name";
import { wallClock } from "@/lib/telephony/clock";
import { numberKey } from "@/lib/telephony/phone";
import { DEFAULT_LOCALE, isLocale, type Locale } from "@/lib/i18n/config";
import { translatorFor } from "@/lib/i18n/translate";

/**
 * Call-back tasks for missed calls (docs/crm-features.md, «Задача перезвонить»). An incoming call
 * that ended unanswered owes one (lib/calls/ingest.ts); its account's delivery lane sends it
 * after the call's telephony requests, one task at a time per account, so that two missed calls
 * from one number cannot both open a task.
 */

/** A missed call, as its MISSED_TASK delivery is built from the stored call. */
export interface MissedCall {
  uniqueid: string;
  phone: string;
  /** When it began. */
  startedAt: Date;
  /** The zone the account's CRM reads dates in: the task's date and text are on its clock. */
  timeZone: string;
  /** When the service first heard of it: calls stored later came after it. */
  heardAt: Date;
  waitSeconds: number;
  /** The store of the number it came in on, when the admin mapped it. */
  site?: string;
}

/** The cap a missed call met: at most `limit` written into tasks per 10 minutes, or per day. */
export interface CapReached {
  per: "10 minutes" | "day";
  limit: number;
}

export type TaskOutcome =
  | { action: "created"; taskId: number; performerId: number; customerId?: number }
  | { action: "added"; taskId: number; missedCalls: number }
  | { action: "skipped"; reason: "option-off" | "reached" }
  | ({ action: "skipped"; reason: "cap" } & CapReached);

interface Options {
  missedTasks: boolean;
  missedTaskWindowMinutes: number;
  missedTaskDefaultUserId: number | null;
  missedTaskTemplate: string;
  locale: string;
}

/**
 * How many missed calls the account's tasks took (opened or added to) in the last 10 minutes and
 * the last day, beside its caps. Reads at most a day's marks (callback_task_writes_accountId_at_idx).
 */
const CAP_SQL = `
  SELECT o."missedTasksPer10Minutes" AS "per10Minutes", o."missedTasksPerDay" AS "perDay",
    count(w."id") FILTER (WHERE w."at" > now() - interval '10 minutes')::int AS "recent", count(w."id")::int AS "day"
  FROM "crm_options" o LEFT JOIN "callback_task_writes" w ON w."accountId" = o."accountId" AND w."at" > now() - interval '1 day'
  WHERE o."accountId" = $1 GROUP BY o."accountId"`;

interface CapCounts {
  per10Minutes: number;
  perDay: number;
  recent: number;
  day: number;
}

function capReached(counts: CapCounts): CapReached | null {
  if (counts.recent >= counts.per10Minutes) return { per: "10 minutes", limit: counts.per10Minutes };
  if (counts.day >= counts.perDay) return { per: "day", limit: counts.perDay };
  return null;
}

/** The cap the account's tasks are at now, or null while they may take more (the alert's cause). */
export async function taskCapReached(pool: pg.Pool, accountId: string): Promise<CapReached | null> {
  const { rows } = await pool.query<CapCounts>({ name: "callback-task-cap", text: CAP_SQL, values: [accountId] });
  return rows[0] ? capReached(rows[0]) : null;
}

/**
 * How many more task requests may be queued now: what is left under both caps, less those
 * already queued. A CDR post owes tasks for no more missed calls than this (docs/ami-events.md).
 */
export async function taskRoom(pool: pg.Pool, accountId: string): Promise<number> {
  const [{ rows }, queued] = await Promise.all([
    pool.query<CapCounts>({ name: "callback-task-cap", text: CAP_SQL, values: [accountId] }),
    pool.query<{ count: number }>({
      name: "callback-task-queued",
      text: `SELECT count(*)::int AS "count" FROM "deliveries" WHERE "accountId" = $1 AND "state" = 'QUEUED' AND "kind" = 'MISSED_TASK'`,
      values: [accountId],
    }),
  ]);
  const counts = rows[0];
  if (!counts) return 0;
  const left = Math.min(counts.per10Minutes - counts.recent, counts.perDay - counts.day);
  return Math.max(0, left - queued.rows[0]!.count);
}

/**
 * Marks one missed call written into a task, unless that would pass a cap: then says which. The
 * options' row is locked meanwhile, so that two processes cannot both take the last place; marks
 * older than a day, which no cap counts any more, are dropped on the way.
 */
async function takeCapPlace(pool: pg.Pool, accountId: string): Promise<{ mark: number } | { reached: CapReached }> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    await client.query({
      name: "callback-task-cap-lock",
      text: `SELECT 1 FROM "crm_options" WHERE "accountId" = $1 FOR UPDATE`,
      values: [accountId],
    });
    const { rows } = await client.query<CapCounts>({ name: "callback-task-cap", text: CAP_SQL, values: [accountId] });
    const reached = rows[0] ? capReached(rows[0]) : null;
    if (reached) {
      await client.query("COMMIT");
      return { reached };
    }
    const marked = await client.query<{ id: number }>({
      name: "callback-task-cap-mark",
      text: `WITH old AS (DELETE FROM "callback_task_writes" WHERE "accountId" = $1 AND "at" <= now() - interval '1 day')
        INSERT INTO "callback_task_writes" ("accountId", "at") VALUES ($1, now()) RETURNING "id"`,
      values: [accountId],
    });
    await client.query("COMMIT");
    return { mark: marked.rows[0]!.id };
  } catch (error) {
    await client.query("ROLLBACK").catch((failure: Error) => (broken = failure));
    throw error;
  } finally {
    client.release(broken);
  }
}

/** What the service writes into the CRM, in the language the admin set the options in (docs/i18n.md). */
function textsOf(locale: string) {
  return translatorFor(isLocale(locale) ? locale : DEFAULT_LOCALE, "crmTexts");
}

/** The task text an account starts with, its placeholders left for taskText() to fill. */
export function defaultTemplate(locale: Locale): string {
  return textsOf(locale)("taskTemplate", { customer: "{customer}", phone: "{phone}", time: "{time}", wait: "{wait}" });
}

/** "d.m.Y H:i" of when the call began, on the CRM's clock. */
function shownTime(missed: MissedCall): string {
  const wall = wallClock(missed.startedAt, missed.timeZone);
  return `${wall.slice(8, 10)}.${wall.slice(5, 7)}.${wall.slice(0, 4)} ${wall.slice(11, 16)}`;
}

/** The template with the call filled in; a placeholder without a value leaves no double space. */
export function taskText(template: string, values: { phone: string; time: string; wait: number; customer: string }) {
  return template
    .replace(/\{(phone|time|wait|customer)\}/g, (_, name: keyof typeof values) => String(values[name]))
    .replace(/ {2,}/g, " ")
    .replace(/ ([:,.])/g, "$1")
    .trim();
}

function addedLine(missed: MissedCall, locale: string): string {
  return textsOf(locale)("taskAdded", { time: shownTime(missed), wait: missed.waitSeconds });
}

/**
 * The performer: the customer's manager when they are active and free (as changeUserStatusUrl
 * last told; a manager never reported is taken as free), else the admin's default manager.
 */
async function performerFor(
  pool: pg.Pool,
  accountId: string,
  managerId: number | undefined,
  options: Options,
): Promise<number> {
  if (managerId !== undefined) {
    const { rows } = await pool.query<{ free: boolean }>({
      name: "callback-task-manager-free",
      text: `SELECT "active" AND COALESCE("status", 'free') = 'free' AS "free" FROM "crm_users" WHERE "accountId" = $1 AND "crmUserId" = $2`,
      values: [accountId, managerId],
    });
    if (rows[0]?.free ?? true) return managerId;
  }
  if (options.missedTaskDefaultUserId !== null) return options.missedTaskDefaultUserId;
  if (managerId !== undefined) return managerId;
  throw new RetailCrmError("validation", textsOf(options.locale)("noPerformer"));
}

/**
 * Whether the number was reached after the missed call: an answered call with it or a call to it
 * stored since, or the call already marked called back (a missed call the CDR told late, after
 * the call that called it back: lib/calls/called-back.ts).
 */
async function reachedSince(pool: pg.Pool, accountId: string, key: string, missed: MissedCall): Promise<boolean> {
  const { rows } = await pool.query<{ reached: boolean }>({
    name: "callback-task-reached",
    text: `SELECT EXISTS (SELECT 1 FROM "calls" WHERE "accountId" = $1 AND "phoneKey" = $2 AND "createdAt" > $3
      AND "uniqueid" <> $4 AND ("direction" = 'OUT' OR "result" = 'answered'))
      OR EXISTS (SELECT 1 FROM "calls" WHERE "accountId" = $1 AND "uniqueid" = $4 AND "calledBackAt" IS NOT NULL) AS "reached"`,
    values: [accountId, key, missed.heardAt, missed.uniqueid],
  });
  return rows[0]!.reached;
}

/**
 * Opens the call-back task of a missed call, or adds the call to the number's task that is still
 * open within the window. Nothing when the option was switched off meanwhile, the number was
 * reached since, or the account's tasks are at a cap (docs/crm-features.md, «Предел задач»): a
 * flood of made-up missed calls, each from another number, would otherwise become as many tasks.
 * A CRM error is thrown as it came, for the lane to retry or record; the call's place under the
 * caps is given back then (a retry takes its own).
 */
export async function sendCallbackTask(
  pool: pg.Pool,
  accountId: string,
  crm: RetailCrmClient,
  missed: MissedCall,
): Promise<TaskOutcome> {
  const { rows } = await pool.query<Options>({
    name: "callback-task-options",
    text: `SELECT "missedTasks", "missedTaskWindowMinutes", "missedTaskDefaultUserId", "missedTaskTemplate", "locale" FROM "crm_options" WHERE "accountId" = $1`,
    values: [accountId],
  });
  const options = rows[0];
  if (!options?.missedTasks) return { action: "skipped", reason: "option-off" };
  const key = numberKey(missed.phone);
  if (await reachedSince(pool, accountId, key, missed)) return { action: "skipped", reason: "reached" };
  const place = await takeCapPlace(pool, accountId);
  if ("reached" in place) return { action: "skipped", reason: "cap", ...place.reached };
  try {
    return await writeTask(pool, accountId, crm, missed, options, key);
  } catch (error) {
    await pool.query({
      name: "callback-task-cap-give-back",
      text: `DELETE FROM "callback_task_writes" WHERE "id" = $1`,
      values: [place.mark],
    });
    throw error;
  }
}

async function writeTask(
  pool: pg.Pool,
  accountId: string,
  crm: RetailCrmClient,
  missed: MissedCall,
  options: Options,
  key: string,
): Promise<TaskOutcome> {
  const open = await pool.query<{ crmTaskId: number; text: string; missedCalls: number }>({
    name: "callback-task-open",
    text: `SELECT "crmTaskId", "text", "missedCalls" FROM "callback_tasks"
      WHERE "accountId" = $1 AND "phone" = $2 AND "completedAt" IS NULL AND "createdAt" > now() - $3 * interval '1 minute'`,
    values: [accountId, key, options.missedTaskWindowMinutes],
  });
  const task = open.rows[0];
  if (task && (await stillOpen(crm, task.crmTaskId))) {
    const text = `${task.text}\n${addedLine(missed, options.locale)}`;
    await crm.editTask(task.crmTaskId, { text });
    await pool.query({
      name: "callback-task-added",
      text: `UPDATE "callback_tasks" SET "text" = $3, "missedCalls" = "missedCalls" + 1, "updatedAt" = now()
        WHERE "accountId" = $1 AND "phone" = $2`,
      values: [accountId, key, text],
    });
    return { action: "added", taskId: task.crmTaskId, missedCalls: task.missedCalls + 1 };
  }

  const found = await crm.telephonyManager(missed.phone, { details: true, ignoreStatus: true, site: missed.site });
  const customerId = found.customer?.id;
  const performerId = await performerFor(pool, accountId, found.manager?.id, options);
  const text = taskText(options.missedTaskTemplate, {
    phone: missed.phone,
    time: shownTime(missed),
    wait: missed.waitSeconds,
    customer: found.customer ? callerIdName(found.customer, { maxBytes: 200 }) : "",
  });
  const created = await crm.createTask(
    {
      text,
      performerId,
      datetime: wallClock(missed.startedAt, missed.timeZone).slice(0, 16),
      phone: missed.phone,
      ...(missed.site ? { phoneSite: missed.site } : {}),
      ...(customerId !== undefined ? { customer: { id: customerId } } : {}),
    },
    missed.site,
  );
  await pool.query({
    name: "callback-task-created",
    text: `INSERT INTO "callback_tasks" ("accountId", "phone", "crmTaskId", "performerId", "text", "missedCalls", "createdAt", "updatedAt")
      VALUES ($1, $2, $3, $4, $5, 1, now(), now())
      ON CONFLICT ("accountId", "phone") DO UPDATE SET "crmTaskId" = EXCLUDED."crmTaskId", "performerId" = EXCLUDED."performerId",
        "text" = EXCLUDED."text", "missedCalls" = 1, "completedAt" = NULL, "createdAt" = now(), "updatedAt" = now()`,
    values: [accountId, key, created.id, performerId, text],
  });
  return {
    action: "created",
    taskId: created.id,
    performerId,
    ...(customerId !== undefined ? { customerId } : {}),
  };
}

/** Whether the CRM's task is still there and not done: a completed or deleted one gets a new task. */
async function stillOpen(crm: RetailCrmClient, taskId: number): Promise<boolean> {
  try {
    return !(await crm.task(taskId)).task.complete;
  } catch (error) {
    if (error instanceof RetailCrmError && error.status === 404) return false;
    throw error;
  }
}

/** A call that called a number back, as its TASK_COMPLETE delivery is built from the stored call. */
export interface CallBack {
  phone: string;
  /** When it began: a missed call after it keeps the task open. */
  startedAt: Date;
}

export type CompleteOutcome =
  | { action: "completed"; taskId: number }
  | { action: "skipped"; reason: "no-open-task" | "missed-since" }
  | { action: "skipped"; reason: "gone"; taskId: number };

/**
 * Completes the number's open call-back task (docs/crm-features.md, «Перезвонили»):
 * tasks/{id}/edit with complete, once. Nothing when no task of it is open, or when a missed
 * call of the number came after the call back and is not called back yet: the task holds it. A
 * task the CRM no longer has (404) is taken as done. Any other CRM error is thrown as it came,
 * for the lane to retry (503, 429) or record (403: the key may not edit tasks); the task stays
 * open here until the CRM said yes, so a retry sends the same edit.
 */
export async function completeCallbackTask(
  pool: pg.Pool,
  accountId: string,
  crm: RetailCrmClient,
  back: CallBack,
): Promise<CompleteOutcome> {
  const key = numberKey(back.phone);
  const { rows } = await pool.query<{ crmTaskId: number; missedSince: boolean }>({
    name: "callback-task-to-complete",
    text: `SELECT t."crmTaskId", EXISTS (SELECT 1 FROM "calls" m WHERE m."accountId" = t."accountId" AND m."phoneKey" = t."phone"
        AND m."direction" = 'IN' AND m."result" <> 'answered' AND m."calledBackAt" IS NULL AND m."startedAt" > $3) AS "missedSince"
      FROM "callback_tasks" t WHERE t."accountId" = $1 AND t."phone" = $2 AND t."completedAt" IS NULL`,
    values: [accountId, key, back.startedAt],
  });
  const task = rows[0];
  if (!task) return { action: "skipped", reason: "no-open-task" };
  if (task.missedSince) return { action: "skipped", reason: "missed-since" };
  let gone = false;
  try {
    await crm.editTask(task.crmTaskId, { complete: true });
  } catch (error) {
    if (!(error instanceof RetailCrmError && error.status === 404)) throw error;
    gone = true;
  }
  await pool.query({
    name: "callback-task-completed",
    text: `UPDATE "callback_tasks" SET "completedAt" = now(), "updatedAt" = now()
      WHERE "accountId" = $1 AND "phone" = $2 AND "crmTaskId" = $3 AND "completedAt" IS NULL`,
    values: [accountId, key, task.crmTaskId],
  });
  return gone
    ? { action: "skipped", reason: "gone", taskId: task.crmTaskId }
    : { action: "completed", taskId: task.crmTaskId };
}
