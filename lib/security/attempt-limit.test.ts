import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { dbPool } from "@/lib/db/client";
import { takeAttempt } from "./attempt-limit";

const tokensOf = async (key: string) =>
  (await dbPool().query<{ tokens: number }>(`SELECT "tokens" FROM "rate_limit_buckets" WHERE "key" = $1`, [key]))
    .rows[0]?.tokens;

describe("attempts taken from allowances shared through PostgreSQL", () => {
  it("lets through a burst of attempts arriving together from one allowance, and tells the others how long to wait", async () => {
    const allowance = { key: `test:${randomUUID()}`, burst: 5, perSecond: 1 / 20 };
    const waits = await Promise.all(Array.from({ length: 12 }, () => takeAttempt([allowance])));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(5);
    // One attempt is earned back every 20 s.
    expect(Math.max(...waits)).toBeLessThanOrEqual(20);
    expect(await tokensOf(allowance.key)).toBeLessThan(1);
  });

  it("earns attempts back over time, up to the burst", async () => {
    const allowance = { key: `test:${randomUUID()}`, burst: 2, perSecond: 1 / 20 };
    expect(await takeAttempt([allowance])).toBe(0);
    // Taken 100 s ago as far as the row knows: five attempts earned back, capped at two.
    await dbPool().query(
      `UPDATE "rate_limit_buckets" SET "refreshedAt" = clock_timestamp() - interval '100 seconds' WHERE "key" = $1`,
      [allowance.key],
    );
    const waits = await Promise.all([1, 2, 3].map(() => takeAttempt([allowance])));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(2);
  });

  it("counts a last attempt stored ahead of the clock as no time gone, not as tokens owed", async () => {
    const one = { key: `test:${randomUUID()}`, burst: 2, perSecond: 1 / 20 };
    const pair = [one, { key: `test:${randomUUID()}`, burst: 2, perSecond: 1 / 20 }];
    expect(await takeAttempt(pair)).toBe(0);
    // Kept to the millisecond, a time rounded up is ahead of the clock for up to half of one.
    await dbPool().query(
      `UPDATE "rate_limit_buckets" SET "refreshedAt" = clock_timestamp() + interval '1 second' WHERE "key" = ANY($1)`,
      [pair.map((allowance) => allowance.key)],
    );
    expect(await takeAttempt([one])).toBe(0);
    await dbPool().query(
      `UPDATE "rate_limit_buckets" SET "tokens" = 1, "refreshedAt" = clock_timestamp() + interval '1 second' WHERE "key" = ANY($1)`,
      [pair.map((allowance) => allowance.key)],
    );
    expect(await takeAttempt(pair)).toBe(0);
  });

  it("takes from every allowance or from none: a spent one leaves the others as they were", async () => {
    const narrow = { key: `test:${randomUUID()}`, burst: 2, perSecond: 1 / 30 };
    const wide = { key: `test:${randomUUID()}`, burst: 10, perSecond: 1 / 30 };
    const waits = await Promise.all(Array.from({ length: 6 }, () => takeAttempt([narrow, wide])));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(2);
    // Two taken from the wide one, not six (it earns one back in 30 s).
    expect(await tokensOf(wide.key)).toBeGreaterThanOrEqual(8);
    expect(await tokensOf(wide.key)).toBeLessThan(9);
  });
});
