import type pg from "pg";

/**
 * «Перезвонили» (docs/crm-features.md): a missed incoming call is called back when a later call
 * with its number (calls."phoneKey", however the PBX spelt it) is answered, incoming or outgoing,
 * within the account's window (crm_options."callBackWindowMinutes", a day unless set). Every call
 * that ends, from the dialplan, AMI or the CDR, passes here after it is stored
 * (lib/calls/ingest.ts), both ways: an answered call marks the missed calls before it, and a
 * missed call that arrives late (CDR catch-up) finds the answered call after it. Each missed call
 * takes the earliest such call and is marked once (the UPDATE's "calledBackAt" IS NULL holds under
 * concurrent statements too).
 *
 * A call is stored after it began, so the number's calls are read through
 * calls_accountId_phoneKey_createdAt_idx from a day before the earliest start that can match (a
 * day of slack for a PBX whose clock or zone is off): a number with a long history costs no more.
 * The ended calls themselves are read by their key, one lookup each (LATERAL … LIMIT 1 is not
 * flattened into a join): planned for jsonb_to_recordset's default hundred rows, a join read a
 * table of a few thousand calls whole, 0.9 ms a statement (docs/performance.md, «Tenants at scale»).
 *
 * A call-back task opened for a marked missed call (its MISSED_TASK) is owed a completion
 * (TASK_COMPLETE) on the call that called it back, one per such call, queued in the same
 * statement as the mark: the mark and the request are stored together or not at all.
 */
const CALLED_BACK_SQL = `
  WITH ended AS (
    SELECT c."id", c."accountId", c."uniqueid", c."phoneKey", c."direction", c."result", c."startedAt",
      c."startedAt" + COALESCE(c."waitSeconds", 0) * interval '1 second' AS "endedAt", c."calledBackAt", c."extension",
      COALESCE((SELECT o."callBackWindowMinutes" FROM "crm_options" o WHERE o."accountId" = c."accountId"), 1440)
        * interval '1 minute' AS "window"
    FROM jsonb_to_recordset($1::jsonb) AS i("accountId" uuid, "uniqueid" text)
    CROSS JOIN LATERAL (SELECT * FROM "calls" c WHERE c."accountId" = i."accountId" AND c."uniqueid" = i."uniqueid" LIMIT 1) c
    WHERE c."phoneKey" IS NOT NULL AND c."result" IS NOT NULL AND c."startedAt" IS NOT NULL
  ), pairs AS (
    -- An answered call that ended: the missed calls of its number before it, within the window.
    SELECT m."id" AS "missedId", e."id" AS "backId", e."uniqueid" AS "backUniqueid", e."accountId", e."startedAt" AS "backAt",
      e."extension", m."startedAt" + COALESCE(m."waitSeconds", 0) * interval '1 second' AS "missedEnd"
    FROM ended e JOIN "calls" m ON m."accountId" = e."accountId" AND m."phoneKey" = e."phoneKey"
    WHERE e."result" = 'answered' AND m."direction" = 'IN' AND m."result" <> 'answered' AND m."calledBackAt" IS NULL
      AND m."startedAt" < e."startedAt" AND m."startedAt" >= e."startedAt" - e."window"
      AND m."createdAt" >= e."startedAt" - e."window" - interval '1 day'
    UNION ALL
    -- A missed call that ended (or arrived late): the answered calls of its number after it.
    SELECT e."id", a."id", a."uniqueid", a."accountId", a."startedAt", a."extension", e."endedAt"
    FROM ended e JOIN "calls" a ON a."accountId" = e."accountId" AND a."phoneKey" = e."phoneKey"
    WHERE e."direction" = 'IN' AND e."result" <> 'answered' AND e."calledBackAt" IS NULL
      AND a."result" = 'answered' AND a."startedAt" > e."startedAt" AND a."startedAt" <= e."startedAt" + e."window"
      AND a."createdAt" >= e."startedAt" - interval '1 day'
  ), earliest AS (
    SELECT DISTINCT ON ("missedId") * FROM pairs ORDER BY "missedId", "backAt", "backId"
  ), marked AS (
    UPDATE "calls" m SET "calledBackAt" = p."backAt", "calledBackByCallId" = p."backId", "calledBackExtension" = p."extension",
      "calledBackSeconds" = GREATEST(0, floor(EXTRACT(EPOCH FROM p."backAt" - p."missedEnd")))::int, "updatedAt" = now()
    FROM earliest p WHERE m."id" = p."missedId" AND m."calledBackAt" IS NULL
    RETURNING m."id", p."backId", p."backUniqueid", p."accountId"
  ), owed AS (
    SELECT DISTINCT k."backId", k."backUniqueid", k."accountId" FROM marked k
    WHERE EXISTS (SELECT 1 FROM "deliveries" d WHERE d."callId" = k."id" AND d."kind" = 'MISSED_TASK')
  ), completion AS (
    INSERT INTO "deliveries" ("accountId", "callId", "eventId", "kind", "updatedAt")
    SELECT o."accountId", o."backId", ev."id", 'TASK_COMPLETE', now() FROM owed o
    CROSS JOIN LATERAL (SELECT ev."id" FROM "call_events" ev WHERE ev."accountId" = o."accountId" AND ev."uniqueid" = o."backUniqueid"
      ORDER BY ev."type" = 'HANGUP' DESC, ev."id" LIMIT 1) ev
    ORDER BY o."backId"
    RETURNING "callId"
  ), pending AS (
    UPDATE "calls" c SET "deliveryPending" = true FROM (SELECT DISTINCT "callId" FROM completion) q WHERE c."id" = q."callId"
  )
  SELECT count(*)::int AS "marked" FROM marked`;

/** Marks what these ended calls called back, or what called them back; returns how many missed calls it marked. */
export async function noteCalledBack(
  pool: pg.Pool,
  calls: readonly { accountId: string; uniqueid: string }[],
): Promise<number> {
  if (calls.length === 0) return 0;
  const { rows } = await pool.query<{ marked: number }>({
    name: "note-called-back",
    text: CALLED_BACK_SQL,
    values: [JSON.stringify(calls)],
  });
  return rows[0]!.marked;
}
