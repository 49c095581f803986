import { TtlCache } from "@/lib/cache/ttl-cache";
import { reportsDb } from "@/lib/db/client";
import { outOfTime } from "@/lib/db/unavailable";
import { TIME_ZONE } from "@/lib/i18n/config";
import { log } from "@/lib/log";
import { wallClock } from "@/lib/telephony/clock";

/** The periods «Обзор» offers (docs/overview.md). */
export const PERIODS = [7, 30] as const;
export type Period = (typeof PERIODS)[number];

export interface OverviewDay {
  /** YYYY-MM-DD in the time zone of the account's CRM. */
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

/** Called back by one manager (the extension the call back ended with). */
export interface CallBackManager {
  extension: string;
  name: string | null;
  calledBack: number;
  medianSeconds: number | null;
}

/** A missed call of the period nobody called back, newest first. */
export interface NotCalledBack {
  id: number;
  phone: string | null;
  /** When it began, "Y-m-d H:i:s" on the CRM's clock, as the journal shows it. */
  startedAt: string | null;
}

/** «Перезвонили» (docs/overview.md): how the period's missed calls were called back. */
export interface CallBacks {
  missed: number;
  calledBack: number;
  /** Shares of the missed calls called back within 5, 15 and 60 minutes, 0..1; null without missed calls. */
  within: { minutes: 5 | 15 | 60; share: number | null }[];
  medianSeconds: number | null;
  managers: CallBackManager[];
  /** The newest of those never called back (at most NOT_CALLED_BACK_SHOWN). */
  notCalledBack: NotCalledBack[];
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
  callBacks: CallBacks;
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

/** What the tab shows: the figures, or that they could not be read in time (docs/overview.md). */
export type OverviewView = { ok: true; overview: Overview } | { ok: false };

/** Managers shown by name; the rest of a large team is summed into one row. */
const TOP_MANAGERS = 15;

/**
 * Each ended call of the period once, with its day: the day its start shows in the journal and
 * the CRM (the CRM's time zone, $3), or, without a start, the day it was stored. A call is stored
 * after it starts, so the createdAt bound (a day before the period) lets the index find them all;
 * the day decides. The day stays a date until the output (to_char on every row cost a third of
 * the query).
 */
const CALLS_IN_PERIOD = `
  SELECT * FROM (
    SELECT "id", "createdAt", "phone", "startedAt", "direction", "result", "waitSeconds", "talkSeconds", "extension",
           "calledBackSeconds", "calledBackExtension",
           (COALESCE("startedAt", "createdAt") AT TIME ZONE $3)::date AS "day"
      FROM "calls"
     WHERE "accountId" = $1::uuid AND "createdAt" >= $2 AND "result" IS NOT NULL
  ) c WHERE "day" BETWEEN $4::date AND $5::date`;

const DAY_MS = 24 * 3600_000;

/** Missed: an incoming call that ended unanswered (docs/overview.md). */
const MISSED = `"direction" = 'IN' AND "result" <> 'answered'`;

type GroupedRow = OverviewDay &
  Omit<OverviewManager, "name"> & {
    grouping: "day" | "manager" | "callBack" | "total";
    calls: number;
    incoming: number;
    avg: number | null;
    p90: number | null;
    calledBackExtension: string | null;
    calledBack: number;
    within5: number;
    within15: number;
    within60: number;
    medianBack: number | null;
  };

/** Missed calls never called back listed by «Обзор»; the count says how many there are in all. */
const NOT_CALLED_BACK_SHOWN = 20;

/** How long a view's figures, or a reading too heavy for its time limit, are shown again before reading anew. */
export const VIEW_FRESH_MS = 30_000;
const MAX_VIEWS = 1_000;

const views = new TtlCache<OverviewView>(MAX_VIEWS);
const reading = new Map<string, Promise<OverviewView>>();

/**
 * «Обзор» as the tab shows it (docs/overview.md). Views of one account and period at the same
 * time share one reading, and its figures are shown for VIEW_FRESH_MS. A reading that runs out
 * of time (reportsDb's limits) is answered as such: when the database cut it, that too is shown
 * for VIEW_FRESH_MS rather than read again at every click; when it only waited for a connection
 * behind other accounts' readings, the next view tries again. Any other failure is the tab's error.
 */
export function viewOverview(accountId: string, period: Period): Promise<OverviewView> {
  const key = `${accountId}:${period}`;
  const hit = views.get(key);
  if (hit) return Promise.resolve(hit.value);
  let running = reading.get(key);
  if (!running) {
    running = accountOverview(accountId, period)
      .then(
        (overview): OverviewView => {
          const view = { ok: true as const, overview };
          views.set(key, view, VIEW_FRESH_MS, VIEW_FRESH_MS);
          return view;
        },
        (error: unknown): OverviewView => {
          const cut = outOfTime(error);
          if (!cut) throw error;
          log.warn({ accountId, period, cut }, "«Обзор» ran out of time");
          if (cut === "statement") views.set(key, { ok: false }, VIEW_FRESH_MS, VIEW_FRESH_MS);
          return { ok: false };
        },
      )
      .finally(() => reading.delete(key));
    reading.set(key, running);
  }
  return running;
}

/**
 * «Обзор» of one account for the last `period` days, today included, read now. The calls are
 * read once (per day, per manager and in total by GROUPING SETS) and the deliveries once, both
 * through the account's (accountId, createdAt) indexes, on reportsDb's pool: two of its
 * connections for a reading, none of the pool the dialplan's lookups need (timings:
 * docs/performance.md, «overview»).
 */
export async function accountOverview(accountId: string, period: Period, now = new Date()): Promise<Overview> {
  // The days of the account's CRM, as the journal and the CRM date its calls (docs/overview.md).
  const account = await reportsDb().account.findUnique({ where: { id: accountId }, select: { crmTimeZone: true } });
  const zone = account?.crmTimeZone ?? TIME_ZONE;
  const days = everyDay(period, now, zone);
  const since = zonedMidnight(days[0]!, zone);
  const [grouped, [delivery]] = await Promise.all([
    reportsDb().$queryRawUnsafe<GroupedRow[]>(
      `WITH c AS (${CALLS_IN_PERIOD})
       SELECT CASE WHEN GROUPING("day") = 0 THEN 'day' WHEN GROUPING("extension") = 0 THEN 'manager'
                WHEN GROUPING("calledBackExtension") = 0 THEN 'callBack' ELSE 'total' END AS "grouping",
              to_char("day", 'YYYY-MM-DD') AS "day", "extension", "calledBackExtension",
              count(*)::int AS "calls",
              count(*) FILTER (WHERE "result" = 'answered')::int AS "answered",
              count(*) FILTER (WHERE ${MISSED})::int AS "missed",
              count(*) FILTER (WHERE "direction" = 'OUT' AND "result" <> 'answered')::int AS "unanswered",
              count(*) FILTER (WHERE "direction" = 'IN')::int AS "incoming",
              count(*) FILTER (WHERE "direction" = 'OUT')::int AS "outgoing",
              COALESCE(sum("talkSeconds"), 0)::int AS "talkSeconds",
              avg("waitSeconds") FILTER (WHERE "direction" = 'IN')::float8 AS "avg",
              percentile_cont(0.9) WITHIN GROUP (ORDER BY "waitSeconds")
                FILTER (WHERE "direction" = 'IN' AND "waitSeconds" IS NOT NULL)::float8 AS "p90",
              count("calledBackSeconds") FILTER (WHERE ${MISSED})::int AS "calledBack",
              count(*) FILTER (WHERE ${MISSED} AND "calledBackSeconds" <= 300)::int AS "within5",
              count(*) FILTER (WHERE ${MISSED} AND "calledBackSeconds" <= 900)::int AS "within15",
              count(*) FILTER (WHERE ${MISSED} AND "calledBackSeconds" <= 3600)::int AS "within60",
              percentile_cont(0.5) WITHIN GROUP (ORDER BY "calledBackSeconds")
                FILTER (WHERE ${MISSED} AND "calledBackSeconds" IS NOT NULL)::float8 AS "medianBack"
         FROM c GROUP BY GROUPING SETS (("day"), ("extension"), ("calledBackExtension"), ())`,
      accountId,
      new Date(since.getTime() - DAY_MS),
      zone,
      days[0],
      days.at(-1),
    ),
    reportsDb().$queryRawUnsafe<
      {
        sent: number;
        waiting: number;
        failed: number;
        oldest: Date | null;
        errorAt: Date | null;
        error: string | null;
      }[]
    >(
      `SELECT count(*) FILTER (WHERE "state" = 'SENT' AND "createdAt" >= $2)::int AS "sent",
              count(*) FILTER (WHERE "state" = 'QUEUED')::int AS "waiting",
              count(*) FILTER (WHERE "state" = 'FAILED' AND "createdAt" >= $2)::int AS "failed",
              min("createdAt") FILTER (WHERE "state" = 'QUEUED') AS "oldest",
              max("updatedAt") FILTER (WHERE "lastError" IS NOT NULL AND "createdAt" >= $2) AS "errorAt",
              (array_agg("lastError" ORDER BY "updatedAt" DESC)
                 FILTER (WHERE "lastError" IS NOT NULL AND "createdAt" >= $2))[1] AS "error"
         FROM (SELECT "state", "createdAt", "updatedAt", "lastError" FROM "deliveries"
                WHERE "accountId" = $1::uuid AND "createdAt" >= $2
               UNION ALL
               SELECT "state", "createdAt", "updatedAt", NULL FROM "deliveries"
                WHERE "accountId" = $1::uuid AND "state" = 'QUEUED' AND "createdAt" < $2) d`,
      accountId,
      since,
    ),
  ]);
  const managers = grouped.filter((row) => row.grouping === "manager" && row.extension);
  const backers = grouped.filter((row) => row.grouping === "callBack" && row.calledBackExtension && row.calledBack > 0);
  const [names, notCalledBack] = await Promise.all([
    managerNames(accountId, [...managers.map((m) => m.extension), ...backers.map((b) => b.calledBackExtension!)]),
    reportsDb().$queryRawUnsafe<{ id: number; phone: string | null; startedAt: Date | null }[]>(
      `WITH c AS (${CALLS_IN_PERIOD})
       SELECT "id", "phone", "startedAt" FROM c WHERE ${MISSED} AND "calledBackSeconds" IS NULL
        ORDER BY "createdAt" DESC, "id" DESC LIMIT ${NOT_CALLED_BACK_SHOWN}`,
      accountId,
      new Date(since.getTime() - DAY_MS),
      zone,
      days[0],
      days.at(-1),
    ),
  ]);
  const total = grouped.find((row) => row.grouping === "total") ?? {
    calls: 0,
    incoming: 0,
    missed: 0,
    avg: null,
    p90: null,
    calledBack: 0,
    within5: 0,
    within15: 0,
    within60: 0,
    medianBack: null,
  };
  const share = (count: number) => (total.missed > 0 ? count / total.missed : null);
  return {
    days: days.map((day) => {
      const row = grouped.find((found) => found.grouping === "day" && found.day === day);
      return row ? { day, answered: row.answered, missed: row.missed, unanswered: row.unanswered } : empty(day);
    }),
    calls: total.calls,
    incoming: total.incoming,
    missed: total.missed,
    missedShare: total.incoming > 0 ? total.missed / total.incoming : null,
    averageWaitSeconds: total.avg,
    p90WaitSeconds: total.p90,
    managers: topManagers(
      managers
        .map((m) => ({
          extension: m.extension,
          name: names.get(m.extension) ?? null,
          incoming: m.incoming - m.missed,
          outgoing: m.outgoing,
          talkSeconds: m.talkSeconds,
        }))
        .sort((a, b) => b.incoming + b.outgoing - (a.incoming + a.outgoing) || a.extension.localeCompare(b.extension)),
    ),
    callBacks: {
      missed: total.missed,
      calledBack: total.calledBack,
      within: [
        { minutes: 5, share: share(total.within5) },
        { minutes: 15, share: share(total.within15) },
        { minutes: 60, share: share(total.within60) },
      ],
      medianSeconds: total.medianBack,
      managers: backers
        .map((b) => ({
          extension: b.calledBackExtension!,
          name: names.get(b.calledBackExtension!) ?? null,
          calledBack: b.calledBack,
          medianSeconds: b.medianBack,
        }))
        .sort((a, b) => b.calledBack - a.calledBack || a.extension.localeCompare(b.extension))
        .slice(0, TOP_MANAGERS),
      notCalledBack: notCalledBack.map((call) => ({
        id: call.id,
        phone: call.phone,
        startedAt: call.startedAt ? wallClock(call.startedAt, zone) : null,
      })),
    },
    delivery: {
      sent: delivery!.sent,
      waiting: delivery!.waiting,
      failed: delivery!.failed,
      oldestWaitingAt: delivery!.oldest,
      lastError: delivery!.error && delivery!.errorAt ? { at: delivery!.errorAt, message: delivery!.error } : null,
    },
  };
}

/** The managers' names as «Ваши телефоны» has them, by extension. */
async function managerNames(accountId: string, extensions: string[]): Promise<Map<string, string>> {
  if (extensions.length === 0) return new Map();
  const users = await reportsDb().crmUser.findMany({
    where: { accountId, extension: { in: extensions } },
    select: { extension: true, lastName: true, firstName: true },
  });
  return new Map(
    users.flatMap((u) => {
      const name = [u.lastName, u.firstName].filter(Boolean).join(" ");
      return u.extension && name ? [[u.extension, name] as const] : [];
    }),
  );
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

/** The period's days in the zone, oldest first, today last. */
function everyDay(period: Period, now: Date, zone: string): string[] {
  const { year, month, day } = zonedParts(now, zone);
  return Array.from({ length: period }, (_, i) =>
    new Date(Date.UTC(year, month - 1, day - (period - 1 - i))).toISOString().slice(0, 10),
  );
}

function zonedMidnight(day: string, zone: string): Date {
  const utcMidnight = new Date(`${day}T00:00:00Z`);
  const offsetMinutes = zoneOffsetMinutes(utcMidnight, zone);
  return new Date(utcMidnight.getTime() - offsetMinutes * 60_000);
}

/** The time zone's offset from UTC at an instant, in minutes (e.g. +180 for Moscow). */
function zoneOffsetMinutes(at: Date, zone: string): number {
  const { year, month, day, hour, minute } = zonedParts(at, zone);
  return Math.round((Date.UTC(year, month - 1, day, hour, minute) - at.getTime()) / 60_000);
}

/** The zone's wall clock at an instant, as numbers. */
function zonedParts(at: Date, zone: string) {
  const wall = wallClock(at, zone);
  const part = (from: number, to: number) => Number(wall.slice(from, to));
  return { year: part(0, 4), month: part(5, 7), day: part(8, 10), hour: part(11, 13), minute: part(14, 16) };
}
