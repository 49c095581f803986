import { describe, expect, it } from "vitest";
import { createTestAccount } from "@/e2e/setup/factories";
import { db } from "./client";

describe("database under concurrent writes", () => {
  it("stores 50 parallel writes, each exactly once", async () => {
    const account = await createTestAccount();
    const writes = Array.from({ length: 50 }, (_, i) =>
      db().callEvent.create({
        data: { accountId: account.id, uniqueid: `1717171717.${i}`, type: "HANGUP", payload: { i } },
      }),
    );
    const stored = await Promise.all(writes);
    expect(new Set(stored.map((e) => e.id)).size).toBe(50);
    expect(await db().callEvent.count({ where: { accountId: account.id } })).toBe(50);
  });

  it("keeps (account, uniqueid, type) unique when the same event races itself", async () => {
    const account = await createTestAccount();
    const attempts = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        db().callEvent.create({
          data: { accountId: account.id, uniqueid: "1717171717.99", type: "HANGUP", payload: {} },
        }),
      ),
    );
    expect(attempts.filter((a) => a.status === "fulfilled")).toHaveLength(1);
    expect(await db().callEvent.count({ where: { accountId: account.id } })).toBe(1);
  });
});
