// Which writes wait for the disk: what the dialplan reports is durable before the reply; the
// delivery worker's bookkeeping is not (lib/delivery/worker.ts says why that is safe).
import { describe, expect, it } from "vitest";
import type pg from "pg";
import { deliveryPool } from "@/lib/delivery";
import { dbPool } from "./client";

async function synchronousCommit(pool: pg.Pool): Promise<string> {
  return (await pool.query<{ synchronous_commit: string }>("SHOW synchronous_commit")).rows[0]!.synchronous_commit;
}

describe("durability of writes", () => {
  it("commits the service's writes durably and the delivery worker's without waiting for an fsync", async () => {
    expect(await synchronousCommit(dbPool())).toBe("on");
    const delivery = deliveryPool(process.env.DATABASE_URL!);
    try {
      expect(await synchronousCommit(delivery)).toBe("off");
    } finally {
      await delivery.end();
    }
  });

  it("keeps the rate-limit buckets out of the WAL", async () => {
    const {
      rows: [table],
    } = await dbPool().query<{ relpersistence: string }>(
      "SELECT relpersistence::text AS relpersistence FROM pg_class WHERE relname = 'rate_limit_buckets'",
    );
    expect(table?.relpersistence).toBe("u");
  });
});
