import { db } from "@/lib/db/client";
import { log } from "@/lib/log";
import { DEFAULT_RETENTION_DAYS } from "./settings";
import type { RecordingStore, RecordingStores } from "./stores";

/**
 * Retention (docs/recordings.md, «Retention»): a recording older than its account's «Хранить
 * записи» has its bytes deleted from their store, the disk or the bucket (DeleteObjects, up to
 * 1000 keys a request). Its row stays, marked DELETED, so that its link answers 410 and the
 * journal says why. Nothing else of the account is touched.
 */

/** Recordings looked at per round; a full round is followed by the next at once. */
export const RETENTION_BATCH = 1000;

interface Expired {
  id: number;
  accountId: string;
  storageKey: string;
  store: RecordingStore;
  sizeBytes: number;
  days: number;
}

/** Per account (its kept recordings by age: recordings_kept_idx), the oldest past its period. */
const EXPIRED_SQL = `
  SELECT r."id", r."accountId"::text, r."storageKey", r."store"::text, r."sizeBytes", p."days"
  FROM (
    SELECT a."id" AS "accountId", CASE WHEN s."accountId" IS NULL THEN $2::int ELSE s."retentionDays" END AS "days"
    FROM "accounts" a LEFT JOIN "recording_settings" s ON s."accountId" = a."id"
  ) p
  CROSS JOIN LATERAL (
    SELECT k."id", k."accountId", k."storageKey", k."store", k."sizeBytes" FROM "recordings" k
    WHERE k."accountId" = p."accountId" AND k."state" <> 'DELETED'
      AND k."createdAt" < now() - p."days" * interval '1 day'
    ORDER BY k."createdAt" LIMIT $1
  ) r
  WHERE p."days" IS NOT NULL
  LIMIT $1`;

/**
 * Marks deleted those of `expired` that still hold the bytes that were deleted (a replacing
 * upload or a compact copy may have come meanwhile: theirs go at the next round), and takes
 * their bytes off their accounts' usage.
 */
async function markDeleted(expired: Expired[]): Promise<number> {
  return db().$transaction(async (tx) => {
    const accounts = [...new Set(expired.map((r) => r.accountId))].sort();
    // The usage rows first, in order, as uploads lock them: neither waits for the other the other way round.
    await tx.$queryRaw`SELECT 1 FROM "recording_usage" WHERE "accountId" = ANY(${accounts}::uuid[]) ORDER BY "accountId" FOR UPDATE`;
    const rows = await tx.$queryRaw<{ accountId: string; bytes: bigint; count: number }[]>`
      WITH gone AS (
        UPDATE "recordings" r SET "state" = 'DELETED', "deletedAt" = now(), "keptDays" = v."days",
          "sizeBytes" = 0, "replaceable" = false, "encoder" = NULL
        FROM unnest(${expired.map((r) => r.id)}::int[], ${expired.map((r) => r.storageKey)}::text[],
          ${expired.map((r) => r.days)}::int[], ${expired.map((r) => r.sizeBytes)}::int[]) AS v("id", "key", "days", "size")
        WHERE r."id" = v."id" AND r."storageKey" = v."key" AND r."state" <> 'DELETED'
        RETURNING r."accountId", v."size"
      )
      SELECT "accountId"::text, sum("size")::bigint AS "bytes", count(*)::int AS "count" FROM gone GROUP BY "accountId"`;
    for (const row of rows)
      await tx.recordingUsage.updateMany({
        where: { accountId: row.accountId },
        data: { bytes: { decrement: row.bytes } },
      });
    return rows.reduce((sum, row) => sum + row.count, 0);
  });
}

/** One round of retention over every account; returns how many recordings it deleted. */
export async function deleteExpired(stores: RecordingStores): Promise<number> {
  let deleted = 0;
  for (;;) {
    const expired = await db().$queryRawUnsafe<Expired[]>(EXPIRED_SQL, RETENTION_BATCH, DEFAULT_RETENTION_DAYS);
    if (expired.length === 0) return deleted;
    // The bytes go first: a process that dies now leaves rows whose files are gone, deleted again next round.
    for (const store of ["LOCAL", "S3"] as const) {
      const keys = expired.filter((r) => r.store === store).map((r) => r.storageKey);
      if (keys.length > 0) await stores.storageOf(store).removeMany(keys);
    }
    const marked = await markDeleted(expired);
    deleted += marked;
    log.info({ recordings: marked }, "recordings past their accounts' retention were deleted");
    if (expired.length < RETENTION_BATCH) return deleted;
  }
}
