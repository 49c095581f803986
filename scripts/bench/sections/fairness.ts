// Fairness (docs/delivery.md): how long account B's new calls take from being stored to reaching
// B's CRM while account A's CRM answers in 8 s, hangs past the timeout, is down, or while A has a
// backlog of 10 000 events, beside B's own latency with A idle. One worker process delivers
// both, as production runs it (npm run worker).
import { setTimeout as sleep } from "node:timers/promises";
import type { RetailCrmSim } from "../../../e2e/sim/retailcrm";
import { ingestCallEvent } from "@/lib/calls";
import { EXTENSION, nextPhone, nextUniqueid, queueCalls } from "../calls";
import type { BenchAccount } from "../crm";
import type { Section } from "../section";
import { atMost, format, type Row } from "../table";

const SECTION = "fairness";
/** B's calls per case: one every CALL_GAP_MS. */
const CALLS = 60;
const CALL_GAP_MS = 100;
/** Events queued for A in the trouble cases: far more than it can deliver while B is measured. */
const TROUBLE_BACKLOG = 2_000;
const BIG_BACKLOG = 10_000;
/** A's trouble settles in first (its lane fills up with requests to a slow or hung CRM). */
const SETTLE_MS = 3_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** B's latencies (ms): stored by the bench, seen by B's CRM. */
async function latenciesOfB(b: BenchAccount): Promise<{ p50: number; p99: number; count: number }> {
  const storedAt = new Map<string, number>();
  for (let i = 0; i < CALLS; i++) {
    const uniqueid = nextUniqueid();
    storedAt.set(uniqueid, Date.now());
    await ingestCallEvent(b.id, { clientId: b.clientId, type: "in", uniqueid, phone: nextPhone(), code: EXTENSION });
    await sleep(CALL_GAP_MS);
  }
  const arrivals = () =>
    b.crm.requests.flatMap((request) => {
      if (request.status !== 200 || !request.form.event) return [];
      const id = (JSON.parse(request.form.event) as { callExternalId: string }).callExternalId;
      const stored = storedAt.get(id);
      return stored === undefined ? [] : [request.at - stored];
    });
  const deadline = Date.now() + 60_000;
  while (arrivals().length < CALLS && Date.now() < deadline) await sleep(100);
  const sorted = arrivals().sort((x, y) => x - y);
  if (sorted.length < CALLS) throw new Error(`only ${sorted.length} of B's ${CALLS} calls reached its CRM in a minute`);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), count: sorted.length };
}

interface Case {
  name: string;
  backlog: number;
  trouble(crm: RetailCrmSim): void;
}

const CASES: Case[] = [
  { name: "A's CRM answers in 8 s", backlog: TROUBLE_BACKLOG, trouble: (crm) => crm.setLatency(8_000) },
  { name: "A's CRM hangs past the timeout", backlog: TROUBLE_BACKLOG, trouble: (crm) => crm.setOutage("hang") },
  { name: "A's CRM is down", backlog: TROUBLE_BACKLOG, trouble: (crm) => crm.setOutage("reset") },
  { name: `A has ${BIG_BACKLOG} events queued`, backlog: BIG_BACKLOG, trouble: () => undefined },
];

export const fairnessSection: Section = async (ctx) => {
  const rows: Row[] = [];
  const b = await ctx.account();
  await ctx.workers(1, "worker");
  await latenciesOfB(b); // warm-up: connections, pools, the JIT
  b.crm.clearRequests();
  const alone = await latenciesOfB(b);
  ctx.record("alone", alone);
  rows.push({
    section: SECTION,
    figure: `B alone, ${CALLS} calls: delivery latency p50 / p99`,
    value: alone.p99,
    unit: "ms",
    reference: `p50 ${format(alone.p50, "ms")}`,
  });
  for (const { name, backlog, trouble } of CASES) {
    const a = await ctx.account();
    trouble(a.crm);
    console.log(`  ${name}: queueing ${backlog} events for A …`);
    await queueCalls(a, backlog);
    await sleep(SETTLE_MS);
    b.crm.clearRequests();
    const measured = await latenciesOfB(b);
    ctx.record(name, { ...measured, aRequests: a.crm.requests.length, aOpen: a.crm.peakOpenRequests });
    rows.push({
      section: SECTION,
      figure: `${name}: B's latency p99 (p50)`,
      value: measured.p99,
      unit: "ms",
      reference: `p50 ${format(measured.p50, "ms")}; B alone p99 ${format(alone.p99, "ms")}`,
      target: atMost(measured.p99, alone.p99 + 1_000, `≤ B alone + 1 s (${format(alone.p99 + 1_000, "ms")})`),
    });
    a.crm.setOutage("none");
    a.crm.setLatency(0);
  }
  return rows;
};
