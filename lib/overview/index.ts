import { db } from "@/lib/db/client";
import { TIME_ZONE } from "@/lib/i18n/config";

/** The periods «Обзор» offers (docs/overview.md). */
export const PERIODS = [7, 30] as const;
export type Period = (typeof PERIODS)[number];

export interface OverviewDay {
  /** YYYY-MM-DD in the cabinet's time zone. */
  day: string;
  answered: number;
  missed: number;
  /** Outgoing calls nobody picked up. */
  unanswered: number;
}

export interface OverviewManager {
  extension: string;
  name: string | null;
  incoming: number;
  outgoing: number;
  talkSeconds: number;
}

export interface Overview {
  days: OverviewDay[];
  calls: number;
  incoming: number;
  missed: number;
  /** missed / incoming, 0..1; null without incoming calls. */
  missedShare: number | null;
  averageWaitSeconds: number | null;
  p90WaitSeconds: number | null;
  managers: OverviewManager[];
  delivery: {
    sent: number;
    waiting: number;
    failed: number;
    oldestWaitingAt: Date | null;
    lastError: LastError | null;
  };
}

interface LastError {
  at: Date;
  message: string;
}

/** Managers shown by name; the rest of a large team is summed into one row. */
const TOP_MANAGERS = 15;

/** Each ended call once: a missed one is an incoming call that ended unanswered (docs/crm-features.md). */
const CALLS_IN_PERIOD = `
  SELECT "direction", "result", "waitSeconds", "talkSeconds", "extension",
         to_char((COALESCE("startedAt", "createdAt") AT TIME ZONE $3)::date, 'YYYY-MM-DD') AS "day"
    FROM "calls"
   WHERE "accountId" = $1::uuid AND "createdAt" >= $2 AND "result" IS NOT NULL`;

/**
 * «Обзор» of one account for the last `period` days, today included. Every figure comes from the
 * account's own calls and deliveries through their (accountId, createdAt) indexes: an account
 * with 100 000 calls is answered in tens of milliseconds (README, «overview»).
 */
export async function accountOverview(accountId: string, period: Period, now = new Date()): Promise<Overview> {
  const since = periodStart(period, now);
  const [days, totals, managers, delivery, lastError] = await Promise.all([
    db().$queryRawUnsafe<{ day: string; answered: number; missed: number; unanswered: number }[]>(
      `WITH c AS (${CALLS_IN_PERIOD})
       SELECT "day",
              count(*) FILTER (WHERE "result" = 'answered')::int AS "answered",
              count(*) FILTER (WHERE "direction" = 'IN' AND "result" <> 'answered')::int AS "missed",
              count(*) FILTER (WHERE "direction" = 'OUT' AND "result" <> 'answered')::int AS "unanswered"
         FROM c GROUP BY "day" ORDER BY "day"`,
      accountId,
      since,
      TIME_ZONE,
    ),
    db().$queryRawUnsafe<{ calls: number; incoming: number; missed: number; avg: number | null; p90: number | null }[]>(
      `WITH c AS (${CALLS_IN_PERIOD})
       SELECT count(*)::int AS "calls",
              count(*) FILTER (WHERE "direction" = 'IN')::int AS "incoming",
              count(*) FILTER (WHERE "direction" = 'IN' AND "result" <> 'answered')::int AS "missed",
              avg("waitSeconds") FILTER (WHERE "direction" = 'IN')::float8 AS "avg",
              percentile_cont(0.9) WITHIN GROUP (ORDER BY "waitSeconds")
                FILTER (WHERE "direction" = 'IN' AND "waitSeconds" IS NOT NULL)::float8 AS "p90"
         FROM c`,
      accountId,
      since,
      TIME_ZONE,
    ),
    db().$queryRawUnsafe<OverviewManager[]>(
      `WITH c AS (${CALLS_IN_PERIOD})
       SELECT c."extension",
              (SELECT NULLIF(concat_ws(' ', u."lastName", u."firstName"), '') FROM "crm_users" u
                WHERE u."accountId" = $1::uuid AND u."extension" = c."extension") AS "name",
              count(*) FILTER (WHERE c."direction" = 'IN' AND c."result" = 'answered')::int AS "incoming",
              count(*) FILTER (WHERE c."direction" = 'OUT')::int AS "outgoing",
              COALESCE(sum(c."talkSeconds"), 0)::int AS "talkSeconds"
         FROM c WHERE c."extension" IS NOT NULL AND c."extension" <> ''
        GROUP BY c."extension"
        ORDER BY count(*) FILTER (WHERE c."direction" = 'IN' AND c."result" = 'answered') + count(*) FILTER (WHERE c."direction" = 'OUT') DESC, c."extension"`,
      accountId,
      since,
      TIME_ZONE,
    ),
    db().$queryRawUnsafe<{ sent: number; waiting: number; failed: number; oldest: Date | null }[]>(
      `SELECT count(*) FILTER (WHERE "state" = 'SENT' AND "createdAt" >= $2)::int AS "sent",
              count(*) FILTER (WHERE "state" = 'QUEUED')::int AS "waiting",
              count(*) FILTER (WHERE "state" = 'FAILED' AND "createdAt" >= $2)::int AS "failed",
              min("createdAt") FILTER (WHERE "state" = 'QUEUED') AS "oldest"
         FROM (SELECT "state", "createdAt" FROM "deliveries" WHERE "accountId" = $1::uuid AND "createdAt" >= $2
               UNION ALL
               SELECT "state", "createdAt" FROM "deliveries"
                WHERE "accountId" = $1::uuid AND "state" = 'QUEUED' AND "createdAt" < $2) d`,
      accountId,
      since,
    ),
    db().$queryRawUnsafe<LastError[]>(
      `SELECT "updatedAt" AS "at", "lastError" AS "message" FROM "deliveries"
        WHERE "accountId" = $1::uuid AND "createdAt" >= $2 AND "lastError" IS NOT NULL
        ORDER BY "updatedAt" DESC LIMIT 1`,
      accountId,
      since,
    ),
  ]);
  const total = totals[0]!;
  return {
    days: everyDay(period, now).map((day) => days.find((row) => row.day === day) ?? empty(day)),
    calls: total.calls,
    incoming: total.incoming,
    missed: total.missed,
    missedShare: total.incoming > 0 ? total.missed / total.incoming : null,
    averageWaitSeconds: total.avg,
    p90WaitSeconds: total.p90,
    managers: topManagers(managers),
    delivery: {
      sent: delivery[0]!.sent,
      waiting: delivery[0]!.waiting,
      failed: delivery[0]!.failed,
      oldestWaitingAt: delivery[0]!.oldest,
      lastError: lastError[0] ?? null,
    },
  };
}

function empty(day: string): OverviewDay {
  return { day, answered: 0, missed: 0, unanswered: 0 };
}

function topManagers(managers: OverviewManager[]): OverviewManager[] {
  if (managers.length <= TOP_MANAGERS) return managers;
  const rest = managers.slice(TOP_MANAGERS - 1).reduce(
    (sum, m) => ({
      ...sum,
      incoming: sum.incoming + m.incoming,
      outgoing: sum.outgoing + m.outgoing,
      talkSeconds: sum.talkSeconds + m.talkSeconds,
    }),
    { extension: "", name: null, incoming: 0, outgoing: 0, talkSeconds: 0 },
  );
  return [...managers.slice(0, TOP_MANAGERS - 1), rest];
}

/** Local midnight of the first day of the period, as an instant. */
export function periodStart(period: Period, now: Date): Date {
  const first = everyDay(period, now)[0]!;
  return zonedMidnight(first);
}

/** The period's days in the cabinet's time zone, oldest first, today last. */
function everyDay(period: Period, now: Date): string[] {
  const format = new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE, dateStyle: "short" });
  const today = format.format(now);
  const days: string[] = [];
  for (let back = period - 1; back >= 0; back--) {
    const noon = new Date(`${today}T12:00:00Z`);
    noon.setUTCDate(noon.getUTCDate() - back);
    days.push(noon.toISOString().slice(0, 10));
  }
  return days;
}

function zonedMidnight(day: string): Date {
  const utcMidnight = new Date(`${day}T00:00:00Z`);
  const offsetMinutes = zoneOffsetMinutes(utcMidnight);
  return new Date(utcMidnight.getTime() - offsetMinutes * 60_000);
}

/** The time zone's offset from UTC at an instant, in minutes (e.g. +180 for Moscow). */
function zoneOffsetMinutes(at: Date): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: TIME_ZONE,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"));
  return Math.round((asUtc - at.getTime()) / 60_000);
}
