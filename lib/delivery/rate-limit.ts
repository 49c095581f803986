import { db } from "@/lib/db/client";

/** retailCRM's limits per API key: 10 requests/s in general, 40/s for /api/v5/telephony/*. */
export const CRM_RATES = { general: 10, telephony: 40 } as const;

/**
 * Takes one token from a bucket kept in PostgreSQL and returns how long to wait before using
 * it (0 when one was free). One atomic statement per request: processes on any number of
 * machines share the bucket, and a request that overdraws it books its own later slot.
 */
export async function reserveSlot(key: string, ratePerSecond: number): Promise<number> {
  const burst = Math.max(1, ratePerSecond / 4);
  const rows = await db().$queryRaw<{ tokens: number }[]>`
    INSERT INTO "rate_limit_buckets" ("key", "tokens", "refreshedAt") VALUES (${key}, ${burst - 1}, now())
    ON CONFLICT ("key") DO UPDATE SET
      "tokens" = LEAST(${burst}::float8, "rate_limit_buckets"."tokens" + EXTRACT(EPOCH FROM (now() - "rate_limit_buckets"."refreshedAt")) * ${ratePerSecond}::float8) - 1,
      "refreshedAt" = now()
    RETURNING "tokens"`;
  const tokens = rows[0]!.tokens;
  return tokens >= 0 ? 0 : Math.ceil((-tokens / ratePerSecond) * 1000);
}

export async function waitForSlot(key: string, ratePerSecond: number): Promise<void> {
  const waitMs = await reserveSlot(key, ratePerSecond);
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
}
