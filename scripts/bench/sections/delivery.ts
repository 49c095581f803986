// Delivery to retailCRM from a backlog: one account against the CRM's 40 requests/s telephony
// limit (through the server's own worker), then 20 accounts with 1, 2 and 4 worker processes,
// their CRMs answering in 150 ms as a CRM across the internet does, with the CPU each CRM
// request costs the workers and PostgreSQL (from /proc).
import { setTimeout as sleep } from "node:timers/promises";
import { cpuMs, postgresPids } from "../../../e2e/setup/proc";
import { db } from "@/lib/db/client";
import { CRM_RATES } from "@/lib/retailcrm/rate-limit";
import { queueCalls } from "../calls";
import { config } from "../config";
import { telephonyRequests, type BenchAccount } from "../crm";
import { freshDatabase } from "../database";
import type { Section } from "../section";
import { atLeast, atMost, format, type Row } from "../table";

const SECTION = "delivery";
/** The first seconds of delivery (connections, pools, the first jobs) are left out of the window. */
const SETTLE_S = 5;
const ACCOUNTS = 20;
const PROCESSES = [1, 2, 4] as const;
/**
 * How long the 20 accounts' CRMs take to answer. What more processes add is requests in flight:
 * with CRMs that answer at once, every process on two cores only competes for the same CPU
 * with the others, PostgreSQL and the 20 simulators (docs/performance.md has those figures).
 */
const CRM_LATENCY_MS = 150;

interface Delivery {
  requestsPerS: number;
  /** CPU per CRM request over the window (ms): the delivering processes', PostgreSQL's. */
  cpuPerRequestMs: { worker: number; postgres: number };
  /** 503/429 answers from the CRMs since delivery started. */
  refused: number;
  /** Deliveries queued when it started and when the window closed. */
  backlog: { before: number; after: number };
}

/**
 * Starts delivering with `start`, then counts the telephony requests the CRMs accepted over the
 * window, and the CPU time the delivering processes (`pidsOf`) and PostgreSQL spent meanwhile.
 */
async function deliver<T>(
  accounts: BenchAccount[],
  windowS: number,
  start: () => Promise<T>,
  pidsOf: (started: T) => number[],
): Promise<[Delivery, T]> {
  const crms = accounts.map((account) => account.crm);
  const queued = () =>
    db().delivery.count({ where: { state: "QUEUED", accountId: { in: accounts.map((account) => account.id) } } });
  for (const crm of crms) crm.clearRequests();
  const before = await queued();
  const started = await start();
  const from = Date.now() + SETTLE_S * 1000;
  const to = from + windowS * 1000;
  await sleep(from - Date.now());
  const workers = pidsOf(started);
  const cpuBefore = { worker: cpuMs(workers), postgres: cpuMs(postgresPids()) };
  await sleep(to - Date.now());
  const cpuAfter = { worker: cpuMs(workers), postgres: cpuMs(postgresPids()) };
  const requests = crms.flatMap(telephonyRequests);
  const accepted = requests.filter((r) => r.at >= from && r.at < to && r.status === 200).length;
  const delivery = {
    requestsPerS: accepted / windowS,
    cpuPerRequestMs: {
      worker: (cpuAfter.worker - cpuBefore.worker) / Math.max(1, accepted),
      postgres: (cpuAfter.postgres - cpuBefore.postgres) / Math.max(1, accepted),
    },
    refused: requests.filter((r) => r.status === 503 || r.status === 429).length,
    backlog: { before, after: await queued() },
  };
  return [delivery, started];
}

/** The CPU a CRM request cost, against the 1.5 ms for the worker and PostgreSQL together. */
function cpuRow(figure: string, { cpuPerRequestMs: cpu }: Delivery): Row {
  const total = cpu.worker + cpu.postgres;
  return {
    section: SECTION,
    figure: `${figure}: CPU per CRM request (worker + PostgreSQL)`,
    value: total,
    unit: "ms",
    reference: `worker ${format(cpu.worker, "ms")}, PostgreSQL ${format(cpu.postgres, "ms")}`,
    target: atMost(total, CPU_TARGET_MS, `≤ ${CPU_TARGET_MS} ms`),
  };
}

/** A row when the backlog (nearly) ran out before the window closed: the rate is then not a steady one. */
function ranOut(figure: string, { backlog }: Delivery): Row[] {
  if (backlog.after >= 0.05 * backlog.before) return [];
  return [
    {
      section: SECTION,
      figure: `${figure}: backlog left after the window`,
      value: backlog.after,
      unit: "count",
      reference: `${backlog.before} before`,
      target: { text: "≥ 5 % left (a steady window)", ok: false },
    },
  ];
}

const CPU_TARGET_MS = 1.5;
/** One worker process must keep up with 600 of the 800 requests/s the 20 CRMs allow, and more processes no less. */
const RATE_TARGET = 600;

export const deliverySection: Section = async (ctx) => {
  const rows: Row[] = [];
  const limit = CRM_RATES.telephony;

  const single = await ctx.account();
  console.log(`  queueing ${config.deliveryEvents} events for one account …`);
  await queueCalls(single, config.deliveryEvents);
  const [one, server] = await deliver(
    [single],
    config.deliveryWindowS,
    () => ctx.service("server"),
    (service) => [service.pid],
  );
  await server.stop();
  ctx.record("one-account", { events: config.deliveryEvents, ...one });
  rows.push(
    {
      section: SECTION,
      figure: `1 account, ${config.deliveryEvents} events queued: CRM requests/s`,
      value: one.requestsPerS,
      unit: "req/s",
      reference: `limit ${limit} req/s`,
      target: atLeast(one.requestsPerS, 0.95 * limit, `≥ 95 % of the limit (${format(0.95 * limit)})`),
    },
    {
      section: SECTION,
      figure: "1 account: 503 from the CRM",
      value: one.refused,
      unit: "count",
      target: atMost(one.refused, 1, "≤ 1 (a first probe)"),
    },
    ...ranOut("1 account", one),
  );

  // A new database: the 20 accounts' runs start from their own backlogs only.
  await freshDatabase();
  const accounts: BenchAccount[] = [];
  for (let i = 0; i < ACCOUNTS; i++) accounts.push(await ctx.account());
  for (const account of accounts) account.crm.setLatency(CRM_LATENCY_MS, "/api/v5/telephony/");
  const cap = ACCOUNTS * limit;
  const windowS = Math.ceil(config.deliveryWindowS / 2);
  for (const processes of PROCESSES) {
    // Each run from a backlog of its own, enough for the whole window at the accounts' limit.
    console.log(`  queueing ${config.deliveryAccountEvents} events for each of ${ACCOUNTS} accounts …`);
    await Promise.all(accounts.map((account) => queueCalls(account, config.deliveryAccountEvents, 1)));
    const [run, workers] = await deliver(
      accounts,
      windowS,
      () => ctx.workers(processes, `w${processes}`),
      (started) => started.map((worker) => worker.pid),
    );
    await Promise.all(workers.map((worker) => worker.stop()));
    // What is left would be the next run's backlog: it starts from its own.
    await db().delivery.updateMany({ where: { state: "QUEUED" }, data: { state: "FAILED", lastError: "bench" } });
    ctx.record(`${ACCOUNTS}-accounts-${processes}-processes`, run);
    rows.push(
      {
        section: SECTION,
        figure: `${ACCOUNTS} accounts, CRMs in ${CRM_LATENCY_MS} ms, ${processes} worker proc.: CRM requests/s`,
        value: run.requestsPerS,
        unit: "req/s",
        reference: `limit ${cap} req/s`,
        target: atLeast(run.requestsPerS, RATE_TARGET, `≥ ${RATE_TARGET}`),
      },
      cpuRow(`${ACCOUNTS} accounts, ${processes} worker proc.`, run),
      {
        section: SECTION,
        figure: `${ACCOUNTS} accounts, ${processes} worker proc.: 503 from the CRMs`,
        value: run.refused,
        unit: "count",
        target: atMost(run.refused, ACCOUNTS, `≤ ${ACCOUNTS} (a probe per account)`),
      },
      ...ranOut(`${ACCOUNTS} accounts, ${processes} worker proc.`, run),
    );
  }
  return rows;
};
