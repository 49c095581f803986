// A process marks its workers alive with advisory locks on one connection of its own.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dbPool } from "@/lib/db/client";
import { LIVENESS_LOCK_CLASS, WorkerLiveness } from "./liveness";

async function heldFor(workerIds: string[]): Promise<number> {
  const { rows } = await dbPool().query<{ held: number }>(
    `SELECT count(*)::int AS held FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int::oid
        AND l.objid IN (SELECT hashtext(id)::oid FROM unnest($2::text[]) AS id)`,
    [LIVENESS_LOCK_CLASS, workerIds],
  );
  return rows[0]!.held;
}

describe("WorkerLiveness", () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  beforeEach(() => void process.on("warning", onWarning));
  afterEach(() => void process.off("warning", onWarning));

  it("holds a lock for every worker created at once, one statement at a time, and drops them when closed", async () => {
    const liveness = new WorkerLiveness(process.env.DATABASE_URL!);
    const ids = Array.from({ length: 5 }, (_, i) => `liveness-test-${i}`);
    await Promise.all(ids.map((id) => liveness.hold(id)));
    expect(await heldFor(ids)).toBe(5);
    await liveness.close();
    await expect.poll(() => heldFor(ids)).toBe(0);
    expect(warnings.map((warning) => warning.message)).toEqual([]);
  });
});
