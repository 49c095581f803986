// «Обзор» of an account with 100 000 calls in 30 days (and 200 000 deliveries), beside other
// tenants' 100 000: the time lib/overview takes to read every figure of the tab, against a
// round trip to the same database. Each run is a reading of its own (accountOverview, on the
// pool and limits of the cabinet's heavy reads), never the figures the tab keeps for 30 s.
import { performance } from "node:perf_hooks";
import { seedCallHistory } from "../../../e2e/fixtures/call-history";
import { db } from "@/lib/db/client";
import { accountOverview, type Period } from "@/lib/overview";
import type { Section } from "../section";
import { atMost, format, type Row } from "../table";

const SECTION = "overview";
const CALLS = 100_000;
const OTHER_CALLS = 50_000;
const RUNS = 20;
const LIMIT_MS = 500;

async function timed(runs: number, work: () => Promise<unknown>): Promise<{ p50: number; max: number }> {
  await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(runs / 2)]!, max: times.at(-1)! };
}

export const overviewSection: Section = async (ctx) => {
  const [account, ...others] = await Promise.all([ctx.account(), ctx.account(), ctx.account()]);
  console.log(`  seeding ${CALLS} calls (and ${OTHER_CALLS} for each of 2 other accounts) …`);
  await seedCallHistory(account!.id, { calls: CALLS, days: 30, managers: 40 });
  for (const other of others) await seedCallHistory(other.id, { calls: OTHER_CALLS, days: 30 });
  await db().$executeRawUnsafe("VACUUM (ANALYZE)");

  const roundTrip = await timed(RUNS, () => db().$queryRawUnsafe("SELECT 1"));
  const rows: Row[] = [];
  for (const period of [7, 30] as Period[]) {
    const result = await timed(RUNS, () => accountOverview(account!.id, period));
    const overview = await accountOverview(account!.id, period);
    ctx.record(`period-${period}`, { ...result, calls: overview.calls, roundTrip });
    rows.push({
      section: SECTION,
      figure: `${CALLS} calls in 30 days, last ${period} days (${overview.calls} calls): slowest of ${RUNS}`,
      value: result.max,
      unit: "ms",
      reference: `p50 ${format(result.p50, "ms")}; round trip ${format(roundTrip.p50, "ms")}`,
      target: atMost(result.max, LIMIT_MS, `≤ ${LIMIT_MS} ms`),
    });
  }
  return rows;
};
