import type pg from "pg";
import { aliveWorkersSql, LIVENESS_LOCK_CLASS } from "@/lib/db/liveness";

/**
 * How delivery processes share the accounts (docs/delivery.md): each account's requests go
 * through its lane (delivery_lanes), which one process holds at a time under a lease it renews.
 * Every process beats (delivery_workers) and holds about its share of the lanes with work: the
 * lanes in use divided by the processes alive. A lane whose holder stopped renewing, or whose
 * holder's liveness lock is gone (the process died), is taken over by another.
 *
 * Every statement that locks several lanes locks them in the order of their account id, so that
 * two of them never deadlock.
 */

/** A lane as it is taken: the breaker it had, so that a new holder keeps backing off a failing CRM. */
export interface ClaimedLane {
  accountId: string;
  breakerUntil: Date | null;
  breakerOpens: number;
  /** Another process held it (it died, or its lease ran out): the operator's sign of a lost worker. */
  takenOver: boolean;
}

/**
 * Turns calls marked by ingest (calls."deliveryPending") into lanes marked as having work, in one
 * statement: the lanes of this process are returned instead of marked (it wakes them itself),
 * and so are those of its lanes that another process marked since it last looked.
 */
const WAKE_SQL = `
  WITH due AS (
    UPDATE "calls" c SET "deliveryPending" = false
    FROM (SELECT "id" FROM "calls" WHERE "deliveryPending" ORDER BY "id" LIMIT $2 FOR UPDATE SKIP LOCKED) claimed
    WHERE c."id" = claimed."id"
    RETURNING c."accountId"
  ), accounts AS (
    SELECT DISTINCT "accountId" FROM due
  ), marked AS (
    INSERT INTO "delivery_lanes" ("accountId", "hasWork")
    SELECT "accountId", true FROM accounts ORDER BY "accountId"
    ON CONFLICT ("accountId") DO UPDATE SET "hasWork" = true WHERE "delivery_lanes"."workerId" IS DISTINCT FROM $1
  ), seen AS (
    UPDATE "delivery_lanes" l SET "hasWork" = false
    FROM (SELECT "accountId" FROM "delivery_lanes" WHERE "workerId" = $1 AND "hasWork" ORDER BY "accountId" FOR UPDATE) mine
    WHERE l."accountId" = mine."accountId"
    RETURNING l."accountId"
  )
  SELECT (SELECT count(*) FROM due)::int AS "calls",
    ARRAY(SELECT "accountId"::text FROM accounts UNION SELECT "accountId"::text FROM seen) AS "accounts"`;

/** Calls turned into lane marks per statement; a full batch is followed by the next at once. */
export const WAKE_BATCH = 1_000;

/** One round: the accounts with new requests this process may hold, and whether more calls wait. */
export async function wakeLanes(pool: pg.Pool, workerId: string): Promise<{ accounts: string[]; more: boolean }> {
  const { rows } = await pool.query<{ calls: number; accounts: string[] }>({
    name: "wake-delivery-lanes",
    text: WAKE_SQL,
    values: [workerId, WAKE_BATCH],
  });
  return { accounts: rows[0]!.accounts, more: rows[0]!.calls >= WAKE_BATCH };
}

const BEAT_SQL = `
  WITH ${aliveWorkersSql("$4")}, beat AS (
    INSERT INTO "delivery_workers" ("id", "seenAt") VALUES ($1, now()) ON CONFLICT ("id") DO UPDATE SET "seenAt" = now()
  ), renewed AS (
    UPDATE "delivery_lanes" l SET "leaseUntil" = now() + $2 * interval '1 millisecond'
    FROM (SELECT "accountId" FROM "delivery_lanes" WHERE "workerId" = $1 ORDER BY "accountId" FOR UPDATE) mine
    WHERE l."accountId" = mine."accountId"
    RETURNING l."accountId"
  )
  SELECT ARRAY(SELECT "accountId"::text FROM renewed) AS "held",
    (SELECT count(*) FROM "delivery_workers" WHERE "id" <> $1 AND "seenAt" > now() - $3 * interval '1 millisecond'
      AND hashtext("id")::oid IN (SELECT "objid" FROM alive))::int + 1 AS "workers",
    (SELECT count(*) FROM "delivery_lanes" WHERE "hasWork" OR ("workerId" IS NOT NULL AND "leaseUntil" > now()))::int AS "inUse"`;

export interface Beat {
  /** The lanes this process still holds (their leases renewed). */
  held: string[];
  /** Delivery processes alive, this one included. */
  workers: number;
  /** Lanes held by someone or with work waiting for a holder. */
  inUse: number;
}

/** This process's heartbeat and the renewal of its leases, with what sharing out the lanes needs. */
export async function beat(pool: pg.Pool, workerId: string, leaseMs: number, deadAfterMs: number): Promise<Beat> {
  const { rows } = await pool.query<Beat>({
    name: "delivery-beat",
    text: BEAT_SQL,
    values: [workerId, leaseMs, deadAfterMs, LIVENESS_LOCK_CLASS],
  });
  return rows[0]!;
}

/**
 * Lanes nobody holds that have work, and lanes whose holder let the lease run out or died (its
 * liveness lock is gone: see liveness.ts). Skipped while another process is taking them.
 */
const CLAIM_SQL = `
  WITH ${aliveWorkersSql("$4")}
  UPDATE "delivery_lanes" l SET "workerId" = $1, "leaseUntil" = now() + $2 * interval '1 millisecond', "hasWork" = false
  FROM (
    SELECT c."accountId", c."workerId" IS NOT NULL AS "takenOver" FROM "delivery_lanes" c
    WHERE c."workerId" IS DISTINCT FROM $1 AND (
      (c."workerId" IS NULL AND c."hasWork")
      OR (c."workerId" IS NOT NULL AND (c."leaseUntil" IS NULL OR c."leaseUntil" < now()
        OR hashtext(c."workerId")::oid NOT IN (SELECT "objid" FROM alive))))
    ORDER BY c."accountId" LIMIT $3 FOR UPDATE SKIP LOCKED
  ) free
  WHERE l."accountId" = free."accountId"
  RETURNING l."accountId"::text, l."breakerUntil", l."breakerOpens", free."takenOver"`;

export async function claimLanes(
  pool: pg.Pool,
  workerId: string,
  leaseMs: number,
  count: number,
): Promise<ClaimedLane[]> {
  if (count <= 0) return [];
  const { rows } = await pool.query<ClaimedLane>({
    name: "claim-delivery-lanes",
    text: CLAIM_SQL,
    values: [workerId, leaseMs, count, LIVENESS_LOCK_CLASS],
  });
  return rows;
}

/**
 * Lets lanes go. Whether one has work is read from its queue, not from what this process
 * believes: an event stored just now is not lost between the two.
 */
const RELEASE_SQL = `
  UPDATE "delivery_lanes" l SET "workerId" = NULL, "leaseUntil" = NULL,
    "hasWork" = EXISTS (SELECT 1 FROM "deliveries" d WHERE d."accountId" = l."accountId" AND d."state" = 'QUEUED')
  FROM (SELECT "accountId" FROM "delivery_lanes" WHERE "accountId" = ANY($2::uuid[]) AND "workerId" = $1 ORDER BY "accountId" FOR UPDATE) mine
  WHERE l."accountId" = mine."accountId"`;

export async function releaseLanes(pool: pg.Pool, workerId: string, accountIds: string[]): Promise<void> {
  if (accountIds.length === 0) return;
  await pool.query({ name: "release-delivery-lanes", text: RELEASE_SQL, values: [workerId, accountIds] });
}

/** A process that stops says so, so that the others count it out at once. */
export async function retire(pool: pg.Pool, workerId: string): Promise<void> {
  await pool.query(`DELETE FROM "delivery_workers" WHERE "id" = $1`, [workerId]);
}

/** Heartbeats of processes long gone. */
export async function forgetDeadWorkers(pool: pg.Pool, deadAfterMs: number): Promise<void> {
  await pool.query(`DELETE FROM "delivery_workers" WHERE "seenAt" < now() - $1 * interval '1 millisecond'`, [
    10 * deadAfterMs,
  ]);
}

/** The breaker of a lane as its holder changed it, for a later holder and for the journal. */
export async function saveBreaker(
  pool: pg.Pool,
  accountId: string,
  breaker: { until: Date | null; opens: number; lastError: string | null },
): Promise<void> {
  await pool.query({
    name: "save-delivery-breaker",
    text: `UPDATE "delivery_lanes" SET "breakerUntil" = $2, "breakerOpens" = $3, "lastError" = COALESCE($4, "lastError") WHERE "accountId" = $1`,
    values: [accountId, breaker.until, breaker.opens, breaker.lastError],
  });
}

/** Once a CRM answers again, the requests that were waiting out their backoff go at once. */
export async function endBackoffs(pool: pg.Pool, accountId: string): Promise<void> {
  await pool.query({
    name: "end-delivery-backoffs",
    text: `UPDATE "deliveries" SET "notBefore" = NULL WHERE "accountId" = $1 AND "state" = 'QUEUED' AND "notBefore" > now()`,
    values: [accountId],
  });
}
