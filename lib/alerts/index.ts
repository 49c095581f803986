import type pg from "pg";
import { crmClient } from "@/lib/accounts";
import { taskCapReached, type CapReached } from "@/lib/callback-tasks";
import { createPool } from "@/lib/db/pool";
import { periodic } from "@/lib/db/periodic";
import { log } from "@/lib/log";
import type { RetailCrmClient } from "@/lib/retailcrm/client";
import { DEFAULT_LOCALE, isLocale } from "@/lib/i18n/config";
import { translatorFor } from "@/lib/i18n/translate";

/**
 * Alerts to the admins inside retailCRM (docs/crm-features.md, «Уведомления»): when an account's
 * AMI event connection stays down, or its calls keep not reaching the CRM, for longer than the
 * admin's N minutes, or its call-back tasks reached a cap (at once), and when that ends. At most
 * one alert per cause an hour. Every delivery process checks; a conditional update decides which
 * one sends.
 */

export type AlertCause = "ami-down" | "delivery-failing" | "task-cap";

const THROTTLE = "interval '1 hour'";
// Requests the CRM refused in a row, the newest first, that make «keeps failing».
const REFUSALS_IN_ROW = 3;

interface AccountRow {
  accountId: string;
  crmUrl: string;
  apiKeyEnc: string;
  alertUserIds: number[];
  alertAfterMinutes: number;
  amiWatched: boolean;
  amiState: string | null;
  amiError: string | null;
  amiTarget: string | null;
  breakerOpen: boolean;
  breakerError: string | null;
  missedTasks: boolean;
  locale: string;
}

/** Accounts with alerts on, with what tells whether each cause holds. */
const ACCOUNTS_SQL = `
  SELECT a."id" AS "accountId", a."crmUrl", a."apiKeyEnc", o."alertUserIds", o."alertAfterMinutes", o."missedTasks", o."locale",
    COALESCE(s."eventSource" <> 'DIALPLAN', false) AS "amiWatched", l."state" AS "amiState", l."lastError" AS "amiError",
    s."amiHost" || ':' || s."amiEventsPort" AS "amiTarget",
    COALESCE(dl."breakerOpens" > 0, false) AS "breakerOpen", dl."lastError" AS "breakerError"
  FROM "crm_options" o JOIN "accounts" a ON a."id" = o."accountId"
  LEFT JOIN "asterisk_settings" s ON s."accountId" = a."id"
  LEFT JOIN "ami_listeners" l ON l."accountId" = a."id"
  LEFT JOIN "delivery_lanes" dl ON dl."accountId" = a."id"
  WHERE o."alertsEnabled" AND a."active" AND cardinality(o."alertUserIds") > 0`;

/** The account's last answered telephony requests, newest first: refused ones in a row mean its calls are not getting in. */
const REFUSALS_SQL = `
  SELECT d."state", d."lastError" FROM (
    SELECT "id" FROM "calls" WHERE "accountId" = $1 ORDER BY "createdAt" DESC LIMIT 20
  ) c JOIN "deliveries" d ON d."callId" = c."id"
  WHERE d."state" <> 'QUEUED' AND d."kind" NOT IN ('MISSED_TASK', 'TASK_COMPLETE') ORDER BY d."updatedAt" DESC LIMIT ${REFUSALS_IN_ROW}`;

interface Holds {
  cause: AlertCause;
  holds: boolean;
  detail: string | null;
  /** Minutes the cause must hold before its alert goes. */
  after: number;
  /** The cap the tasks reached (task-cap). */
  cap?: CapReached;
}

async function causes(pool: pg.Pool, account: AccountRow): Promise<Holds[]> {
  const { rows } = await pool.query<{ state: string; lastError: string | null }>({
    name: "alerts-refusals",
    text: REFUSALS_SQL,
    values: [account.accountId],
  });
  const refused = rows.length === REFUSALS_IN_ROW && rows.every((row) => row.state === "FAILED");
  const cap = account.missedTasks ? await taskCapReached(pool, account.accountId) : null;
  return [
    {
      cause: "ami-down",
      holds: account.amiWatched && account.amiState !== "connected",
      detail: account.amiError,
      after: account.alertAfterMinutes,
    },
    {
      cause: "delivery-failing",
      holds: account.breakerOpen || refused,
      detail: refused ? (rows[0]!.lastError ?? null) : account.breakerError,
      after: account.alertAfterMinutes,
    },
    // A cap is no outage that may pass by itself: the admin hears of it at once.
    {
      cause: "task-cap",
      holds: cap !== null,
      detail: cap ? `${cap.limit} per ${cap.per}` : null,
      after: 0,
      ...(cap ? { cap } : {}),
    },
  ];
}

/** The alert in the language the admin set the options in (docs/i18n.md). */
function alertText(held: Holds, account: AccountRow, minutes: number): string {
  const t = textsOf(account);
  const why = held.detail ? `: ${held.detail}` : "";
  if (held.cause === "ami-down") return t("amiDown", { target: account.amiTarget ?? "", minutes, why });
  if (held.cause === "task-cap")
    return t(held.cap?.per === "day" ? "taskCapDay" : "taskCap10Minutes", { limit: held.cap?.limit ?? 0 });
  return t("deliveryFailing", { minutes, why });
}

const RECOVERED = {
  "ami-down": "amiRecovered",
  "delivery-failing": "deliveryRecovered",
  "task-cap": "taskCapOver",
} as const;

function recoveredText(cause: AlertCause, account: AccountRow): string {
  return textsOf(account)(RECOVERED[cause]);
}

function textsOf(account: AccountRow) {
  return translatorFor(isLocale(account.locale) ? account.locale : DEFAULT_LOCALE, "crmTexts");
}

/** An alert_states row as it was before a claim changed it: put back when sending fails. */
interface Previous {
  since: Date | null;
  lastSentAt: Date | null;
  notified: boolean;
}

/**
 * Marks the cause as holding (since now, if it did not). When an alert is due, this process takes
 * it: the one whose update moves lastSentAt sends. Returns the row as it was, or null.
 */
async function claimAlert(pool: pg.Pool, account: AccountRow, held: Holds): Promise<Previous | null> {
  await pool.query({
    name: "alerts-holds",
    text: `INSERT INTO "alert_states" ("accountId", "cause", "active", "since", "detail") VALUES ($1, $2, true, now(), $3)
      ON CONFLICT ("accountId", "cause") DO UPDATE SET "detail" = EXCLUDED."detail",
        "since" = CASE WHEN "alert_states"."active" THEN "alert_states"."since" ELSE now() END, "active" = true`,
    values: [account.accountId, held.cause, held.detail],
  });
  const { rows } = await pool.query<Previous>({
    name: "alerts-claim",
    text: `UPDATE "alert_states" s SET "lastSentAt" = now(), "notified" = true
      FROM (SELECT "since", "lastSentAt", "notified" FROM "alert_states" WHERE "accountId" = $1 AND "cause" = $2 FOR UPDATE) p
      WHERE s."accountId" = $1 AND s."cause" = $2 AND s."active" AND s."since" <= now() - $3 * interval '1 minute'
        AND (s."lastSentAt" IS NULL OR s."lastSentAt" <= now() - ${THROTTLE})
      RETURNING p."since", p."lastSentAt", p."notified"`,
    values: [account.accountId, held.cause, held.after],
  });
  return rows[0] ?? null;
}

/** Marks the cause as over. When an alert had gone for it, this process takes telling its end: returns the row as it was. */
async function claimRecovery(pool: pg.Pool, account: AccountRow, cause: AlertCause): Promise<Previous | null> {
  const { rows } = await pool.query<Previous>({
    name: "alerts-over",
    text: `UPDATE "alert_states" s SET "active" = false, "since" = NULL, "notified" = false
      FROM (SELECT "since", "lastSentAt", "notified" FROM "alert_states" WHERE "accountId" = $1 AND "cause" = $2 FOR UPDATE) p
      WHERE s."accountId" = $1 AND s."cause" = $2 AND s."active" RETURNING p."since", p."lastSentAt", p."notified"`,
    values: [account.accountId, cause],
  });
  return rows[0]?.notified ? rows[0] : null;
}

/** Puts a claimed row back as it was: what could not be sent is tried again next round. */
async function restore(pool: pg.Pool, accountId: string, cause: AlertCause, previous: Previous): Promise<void> {
  await pool.query({
    name: "alerts-restore",
    text: `UPDATE "alert_states" SET "active" = true, "since" = $3, "lastSentAt" = $4, "notified" = $5
      WHERE "accountId" = $1 AND "cause" = $2`,
    values: [accountId, cause, previous.since, previous.lastSentAt, previous.notified],
  });
}

async function send(crm: RetailCrmClient, account: AccountRow, type: "api.info" | "api.error", message: string) {
  await crm.sendNotification({ type, message, userIds: account.alertUserIds });
  log.info({ accountId: account.accountId, type }, "alert sent to the CRM's users");
}

/** Checks one cause of one account, and sends what is due. */
async function check(pool: pg.Pool, crm: RetailCrmClient, account: AccountRow, held: Holds): Promise<void> {
  const previous = held.holds ? await claimAlert(pool, account, held) : await claimRecovery(pool, account, held.cause);
  if (!previous) return;
  try {
    if (held.holds) {
      const minutes = Math.max(
        held.after,
        Math.floor((Date.now() - (previous.since ?? new Date()).getTime()) / 60_000),
      );
      await send(crm, account, "api.error", alertText(held, account, minutes));
    } else await send(crm, account, "api.info", recoveredText(held.cause, account));
  } catch (error) {
    await restore(pool, account.accountId, held.cause, previous);
    throw error;
  }
}

/** One round of checks over every account with alerts on. */
export async function checkAlerts(
  pool: pg.Pool,
  crmFor: (account: { id: string; crmUrl: string; apiKeyEnc: string }) => RetailCrmClient = (stored) =>
    crmClient(stored, { retries: 0 }),
): Promise<void> {
  const { rows: accounts } = await pool.query<AccountRow>({ name: "alerts-accounts", text: ACCOUNTS_SQL });
  for (const account of accounts) {
    const crm = crmFor({ id: account.accountId, crmUrl: account.crmUrl, apiKeyEnc: account.apiKeyEnc });
    for (const held of await causes(pool, account)) {
      await check(pool, crm, account, held).catch((error: unknown) =>
        log.warn({ accountId: account.accountId, cause: held.cause, err: error }, "an alert could not be sent"),
      );
    }
  }
}

/** Alert checks running in this process until stopped. */
export interface AlertChecks {
  stop(): Promise<void>;
}

/**
 * Checks the admins' alerts every `everyMs` on a small pool of its own. Any number of processes
 * may check at once: one alert is sent for a cause all the same (docs/crm-features.md).
 */
export function startAlertChecks(connectionString: string, everyMs = 30_000): AlertChecks {
  const pool = createPool({ connectionString, max: 2 }, "alerts");
  const rounds = periodic(everyMs, () => checkAlerts(pool), "checking the admins' alerts");
  return {
    async stop() {
      await rounds.stop();
      await pool.end();
    },
  };
}
