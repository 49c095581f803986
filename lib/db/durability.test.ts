// Which writes wait for the disk: what the dialplan reports is durable before the reply; the
// delivery worker's bookkeeping is not (lib/db/client.ts says why that is safe).
import { describe, expect, it } from "vitest";
import { db, deliveryDb } from "./client";

async function synchronousCommit(client: ReturnType<typeof db>): Promise<string> {
  return (await client.$queryRaw<{ synchronous_commit: string }[]>`SHOW synchronous_commit`)[0]!.synchronous_commit;
}

describe("durability of writes", () => {
  it("commits the service's writes durably and the delivery worker's without waiting for an fsync", async () => {
    expect(await synchronousCommit(db())).toBe("on");
    expect(await synchronousCommit(deliveryDb())).toBe("off");
  });

  it("keeps the rate-limit buckets out of the WAL", async () => {
    const [table] = await db().$queryRaw<{ relpersistence: string }[]>`SELECT relpersistence::text AS relpersistence FROM pg_class WHERE relname = 'rate_limit_buckets'`;
    expect(table?.relpersistence).toBe("u");
  });
});
