import { db } from "@/lib/db/client";
import { announceDeliveryDue } from "@/lib/db/delivery-due";
import { aliveWorkersSql, LIVENESS_LOCK_CLASS } from "@/lib/db/liveness";

/**
 * The queue of recordings to transcribe (docs/transcripts.md, «Queue»): one row per call in
 * `transcripts`, taken by a worker process under its liveness lock, so that one killed
 * mid-transcription leaves its row to the next process at once.
 */

/**
 * Queues the recordings of accounts that have transcription on: each call once (its newest
 * recording), uploaded since the switch went on, once no later upload can replace it and its
 * compact copy (if any is being made) is done. This is the one place a recording enters the
 * queue, and where calls whose audio must never leave stay out: those from or to a number on the
 * account's ignore list (docs/crm-features.md, «Номера без карточки»).
 */
const QUEUE_SQL = `
  INSERT INTO "transcripts" ("accountId", "callId", "recordingId", "updatedAt")
  SELECT DISTINCT ON (r."callId") r."accountId", r."callId", r."id", now()
  FROM "transcript_settings" s
  JOIN "recordings" r ON r."accountId" = s."accountId"
    AND r."createdAt" >= s."enabledAt" AND r."createdAt" > now() - interval '1 day'
  JOIN "calls" c ON c."id" = r."callId" AND NOT c."ignored"
  WHERE s."enabled"
    AND r."state" IN ('AS_RECEIVED', 'COMPACT', 'ENCODE_FAILED')
    AND (NOT r."replaceable" OR r."createdAt" < now() - interval '10 minutes')
    AND NOT EXISTS (SELECT 1 FROM "transcripts" t WHERE t."callId" = r."callId")
  ORDER BY r."callId", r."id" DESC
  ON CONFLICT ("callId") DO NOTHING`;

export async function queueRecordings(): Promise<number> {
  return db().$executeRawUnsafe(QUEUE_SQL);
}

export interface Claimed {
  id: number;
  accountId: string;
  callId: number;
  recordingId: number;
  attempts: number;
  direction: "IN" | "OUT" | null;
  /** The engine's operations an earlier try started, by side (SpeechKit's). */
  operations: string[];
}

/**
 * Takes up to `count` transcriptions for `worker`, at most one per account and none of an account
 * that has one in a live process's hands: an account's backlog costs the others nothing, and one
 * account's engine sees one request of ours at a time. Accounts served longest ago go first.
 */
const CLAIM_SQL = `
  WITH ${aliveWorkersSql("$3")},
  busy AS (
    SELECT DISTINCT b."accountId" FROM "transcripts" b
    WHERE b."state" = 'QUEUED' AND b."worker" IS NOT NULL AND hashtext(b."worker")::oid IN (SELECT "objid" FROM alive)
  ),
  next AS (
    SELECT DISTINCT ON (t."accountId") t."id", t."accountId" FROM "transcripts" t
    WHERE t."state" = 'QUEUED' AND (t."notBefore" IS NULL OR t."notBefore" <= now())
      AND t."accountId" NOT IN (SELECT "accountId" FROM busy)
    ORDER BY t."accountId", t."id"
  ),
  picked AS (
    SELECT n."id" FROM next n
    ORDER BY (SELECT max(x."takenAt") FROM "transcripts" x WHERE x."accountId" = n."accountId") ASC NULLS FIRST
    LIMIT $2
  )
  UPDATE "transcripts" t SET "worker" = $1, "takenAt" = now(), "attempts" = t."attempts" + 1, "updatedAt" = now()
  FROM picked, "calls" c
  WHERE t."id" = picked."id" AND c."id" = t."callId" AND t."state" = 'QUEUED'
    AND (t."worker" IS NULL OR hashtext(t."worker")::oid NOT IN (SELECT "objid" FROM alive))
  RETURNING t."id", t."accountId"::text AS "accountId", t."callId", t."recordingId", t."attempts", c."direction"::text AS "direction",
    COALESCE(t."operations", '{}') AS "operations"`;

export async function claimTranscriptions(worker: string, count: number): Promise<Claimed[]> {
  return db().$queryRawUnsafe<Claimed[]>(CLAIM_SQL, worker, count, LIVENESS_LOCK_CLASS);
}

/**
 * Stores the operations the engine started for the call's sides, as soon as one is started and
 * while the row is still this worker's: the next try polls them instead of sending the audio again.
 */
export async function keepOperations(id: number, worker: string, operations: string[]): Promise<void> {
  await db().transcript.updateMany({ where: { id, worker, state: "QUEUED" }, data: { operations } });
}

/** Gives a transcription back to the queue after a temporary failure, not to be tried before `retryInMs`. */
export async function postpone(id: number, worker: string, retryInMs: number, error: string): Promise<void> {
  await db().transcript.updateMany({
    where: { id, worker, state: "QUEUED" },
    data: { worker: null, notBefore: new Date(Date.now() + retryInMs), lastError: error },
  });
}

/** Ends a transcription without a note: failed for good, or skipped (switched off, cap reached). */
export async function settle(id: number, worker: string, state: "FAILED" | "SKIPPED", reason: string): Promise<void> {
  await db().transcript.updateMany({
    where: { id, worker, state: "QUEUED" },
    data: { worker: null, state, lastError: reason },
  });
}

/**
 * Counts `seconds` of audio against the account's cap for this month (UTC) before it is sent;
 * false, and nothing counted, when they would take it past `capMinutes`.
 */
export async function reserveMinutes(accountId: string, seconds: number, capMinutes: number): Promise<boolean> {
  const rows = await db().$queryRawUnsafe<{ seconds: number }[]>(
    `INSERT INTO "transcript_usage" ("accountId", "month", "seconds")
     SELECT $1::uuid, date_trunc('month', now() AT TIME ZONE 'UTC')::date, $2::float8 WHERE $2::float8 <= $3::float8
     ON CONFLICT ("accountId", "month") DO UPDATE SET "seconds" = "transcript_usage"."seconds" + EXCLUDED."seconds"
       WHERE "transcript_usage"."seconds" + EXCLUDED."seconds" <= $3::float8
     RETURNING "seconds"`,
    accountId,
    seconds,
    capMinutes * 60,
  );
  return rows.length > 0;
}

/**
 * Stores the masked transcript and summary and owes the CRM the call's note, in one transaction:
 * the note is queued at most once per call (a process killed after this sends no second one, and
 * one killed before it leaves the row to be done again). False when the row was no longer this
 * worker's (taken over), and nothing was written. The note is owed by the call's hangup, whose
 * number finds the customer (an upload's event names none); a missed call's task commentary by
 * the event its task was owed by.
 */
export async function complete(
  claimed: Claimed,
  worker: string,
  result: { seconds: number; dialogue: unknown; summary: string | null },
): Promise<boolean> {
  const owed = await db().$transaction(async (tx) => {
    const done = await tx.transcript.updateMany({
      where: { id: claimed.id, worker, state: "QUEUED" },
      data: {
        state: "DONE",
        worker: null,
        lastError: null,
        seconds: result.seconds,
        dialogue: result.dialogue as object,
        summary: result.summary,
      },
    });
    if (done.count === 0) return false;
    await tx.$executeRawUnsafe(
      `INSERT INTO "deliveries" ("accountId", "callId", "eventId", "kind", "updatedAt")
       SELECT c."accountId", c."id", e."id", 'CUSTOMER_NOTE', now() FROM "calls" c
       JOIN LATERAL (SELECT e."id" FROM "call_events" e WHERE e."accountId" = c."accountId" AND e."uniqueid" = c."uniqueid"
         ORDER BY e."type" = 'HANGUP' DESC, e."id" DESC LIMIT 1) e ON true
       WHERE c."id" = $1
         AND NOT EXISTS (SELECT 1 FROM "deliveries" d WHERE d."callId" = c."id" AND d."kind" = 'CUSTOMER_NOTE')`,
      claimed.callId,
    );
    // A missed call's task was made at its hangup, before anything was said of it: its
    // commentary gets the transcript once there is one (docs/transcripts.md, «Task commentary»).
    if (Array.isArray(result.dialogue) && result.dialogue.length > 0)
      await tx.$executeRawUnsafe(
        `INSERT INTO "deliveries" ("accountId", "callId", "eventId", "kind", "updatedAt")
         SELECT d."accountId", d."callId", d."eventId", 'TASK_COMMENT', now() FROM "deliveries" d
         WHERE d."callId" = $1 AND d."kind" = 'MISSED_TASK'
           AND NOT EXISTS (SELECT 1 FROM "deliveries" x WHERE x."callId" = d."callId" AND x."kind" = 'TASK_COMMENT')
         ORDER BY d."id" LIMIT 1`,
        claimed.callId,
      );
    await tx.call.update({ where: { id: claimed.callId }, data: { deliveryPending: true } });
    return true;
  });
  if (owed) announceDeliveryDue();
  return owed;
}

/**
 * Transcripts follow their recordings' retention (docs/recordings.md, «Retention»): once a
 * recording's bytes are deleted, what was said in it is forgotten too; the row stays, saying why
 * in the account's language (`reasons`).
 */
export async function forgetDeleted(reasons: { ru: string; en: string }): Promise<number> {
  return db().$executeRawUnsafe(
    `UPDATE "transcripts" t SET "dialogue" = NULL, "summary" = NULL, "state" = 'SKIPPED', "updatedAt" = now(),
       "lastError" = CASE WHEN (SELECT s."locale" FROM "transcript_settings" s WHERE s."accountId" = t."accountId") = 'en'
         THEN $2 ELSE $1 END
     FROM "recordings" r
     WHERE r."id" = t."recordingId" AND r."state" = 'DELETED' AND t."state" = 'DONE'`,
    reasons.ru,
    reasons.en,
  );
}
