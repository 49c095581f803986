import type pg from "pg";
import { dbPool } from "@/lib/db/client";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import { StatementBatcher } from "@/lib/db/statement-batcher";

/** retailCRM's limits per API key: 10 requests/s in general, 40/s for /api/v5/telephony/* (docs/retailcrm.md, rate limits). */
export const CRM_RATES = { general: 10, telephony: 40 } as const;

export type CrmBucket = keyof typeof CRM_RATES;

/** Which of the key's limits a request to `path` counts against. */
export function bucketOf(path: string): CrmBucket {
  return path.startsWith("/api/v5/telephony/") ? "telephony" : "general";
}

/** The shared bucket of one account's API key for one of its limits. */
export function accountBucket(accountId: string, bucket: CrmBucket): string {
  return `crm:${accountId}:${bucket}`;
}

/**
 * Takes one token from a bucket kept in PostgreSQL and returns how long to wait before using
 * it (0 when one was free). One atomic statement per request: processes on any number of
 * machines share the bucket, and a request that overdraws it books its own later slot.
 */
export async function reserveSlot(key: string, ratePerSecond: number): Promise<number> {
  return (await reserveSlotAt(key, ratePerSecond)).waitMs;
}

// clock_timestamp(), not now(): statements queued on the row lock must see the time they really run at.
const RESERVE_SQL = `
  INSERT INTO "rate_limit_buckets" ("key", "tokens", "refreshedAt") VALUES ($1::text, $2::float8 - 1, clock_timestamp())
  ON CONFLICT ("key") DO UPDATE SET
    "tokens" = LEAST($2::float8, "rate_limit_buckets"."tokens" + EXTRACT(EPOCH FROM (clock_timestamp() - "rate_limit_buckets"."refreshedAt")) * $3::float8) - 1,
    "refreshedAt" = clock_timestamp()
  RETURNING "tokens", (EXTRACT(EPOCH FROM "refreshedAt") * 1000)::float8 AS "atMs"`;

/** reserveSlot, also telling the database's clock (ms) at which the reservation was made. */
export async function reserveSlotAt(key: string, ratePerSecond: number): Promise<{ waitMs: number; atMs: number }> {
  const burst = burstOf(ratePerSecond);
  const { rows } = await dbPool().query<{ tokens: number; atMs: number }>({
    name: "reserve-rate-limit-slot",
    text: RESERVE_SQL,
    values: [key, burst, ratePerSecond],
  });
  const { tokens, atMs } = rows[0]!;
  return { waitMs: tokens >= 0 ? 0 : Math.ceil((-tokens / ratePerSecond) * 1000), atMs };
}

export async function waitForSlot(key: string, ratePerSecond: number): Promise<void> {
  const waitMs = await reserveSlot(key, ratePerSecond);
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
}

/** A bucket's burst: a quarter second's worth, at least one. */
function burstOf(ratePerSecond: number): number {
  return Math.max(1, ratePerSecond / 4);
}

interface SlotsRequest {
  key: string;
  rate: number;
  count: number;
}

// One row per bucket: reservations of several buckets, gathered while the previous statement ran.
const RESERVE_MANY_SQL = `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS i("n" int, "key" text, "rate" float8, "burst" float8, "count" int)
  ), booked AS (
    INSERT INTO "rate_limit_buckets" ("key", "tokens", "refreshedAt")
    SELECT "key", "burst" - "count", clock_timestamp() FROM input ORDER BY "key"
    ON CONFLICT ("key") DO UPDATE SET ("tokens", "refreshedAt") = (
      SELECT LEAST(i."burst", "rate_limit_buckets"."tokens" + EXTRACT(EPOCH FROM (clock_timestamp() - "rate_limit_buckets"."refreshedAt")) * i."rate") - i."count",
        clock_timestamp()
      FROM input i WHERE i."key" = EXCLUDED."key")
    RETURNING "key", "tokens"
  )
  SELECT b."tokens" FROM input i JOIN booked b ON b."key" = i."key" ORDER BY i."n"`;

export type SlotBooker = (key: string, ratePerSecond: number, count: number) => Promise<number[]>;

/**
 * Books `count` tokens of a bucket at once and returns, for each, how long to wait before using
 * it (ms, ascending). Bookings of many buckets made while the previous statement ran share the
 * next one: the delivery lanes of every account a process holds book their slots this way.
 */
export function slotBooker(pool: pg.Pool): SlotBooker {
  const bookings = new StatementBatcher<SlotsRequest, number>({
    async run(requests) {
      const rows = requests.map((r, n) => ({ n, key: r.key, rate: r.rate, burst: burstOf(r.rate), count: r.count }));
      const result = await pool.query<{ tokens: number }>({
        name: "reserve-rate-limit-slots",
        text: RESERVE_MANY_SQL,
        values: [JSON.stringify(rows)],
      });
      return result.rows.map((row) => row.tokens);
    },
    keyOf: (request) => request.key,
    maxBatch: 200,
    maxInFlight: 1,
    failsAll: isDatabaseUnavailable,
    // Lanes book ahead of need: a few ms gather more of them into one statement.
    lingerMs: 5,
  });
  return async (key, ratePerSecond, count) => {
    const after = await bookings.submit({ key, rate: ratePerSecond, count });
    // The i-th token taken was free if the bucket held at least i; else it comes (i - held) / rate later.
    const held = after + count;
    return Array.from({ length: count }, (_, i) => Math.max(0, Math.ceil(((i + 1 - held) / ratePerSecond) * 1000)));
  };
}
