import { deliveryPool } from "@/lib/db/client";

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
  const burst = Math.max(1, ratePerSecond / 4);
  const { rows } = await deliveryPool().query<{ tokens: number; atMs: number }>({
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
