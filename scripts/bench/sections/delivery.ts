// Delivery to retailCRM from a backlog: one account against the CRM's 40 requests/s telephony
// limit (through the server's own worker), then 20 accounts with 1, 2 and 4 worker processes,
// their CRMs answering in 150 ms as a CRM across the internet does.
import { setTimeout as sleep } from "node:timers/promises";
import { db } from "@/lib/db/client";
import { CRM_RATES } from "@/lib/retailcrm/rate-limit";
import { queueCalls } from "../calls";
import { config } from "../config";
import { telephonyRequests, type BenchAccount } from "../crm";
import { freshDatabase } from "../database";
import type { Section } from "../section";
import { atLeast, atMost, format, type Row, type Target } from "../table";

const SECTION = "delivery";
/** The first seconds of delivery (connections, pools, the first jobs) are left out of the window. */
const SETTLE_S = 5;
const ACCOUNTS = 20;
const PROCESSES = [1, 2, 4] as const;
/**
 * How long the 20 accounts' CRMs take to answer. What more processes add is requests in flight:
 * with CRMs that answer at once, every process on two cores only competes for the same CPU
 * with the others, PostgreSQL and the 20 simulators (the README has those figures).
 */
const CRM_LATENCY_MS = 150;

interface Delivery {
  requestsPerS: number;
  /** 503/429 answers from the CRMs since delivery started. */
  refused: number;
  /** Deliveries queued when it started and when the window closed. */
  backlog: { before: number; after: number };
}

/** Starts delivering with `start`, then counts the telephony requests the CRMs accepted over the window. */
async function deliver<T>(accounts: BenchAccount[], windowS: number, start: () => Promise<T>): Promise<[Delivery, T]> {
  const crms = accounts.map((account) => account.crm);
  const queued = () =>
    db().delivery.count({ where: { state: "QUEUED", accountId: { in: accounts.map((account) => account.id) } } });
  for (const crm of crms) crm.clearRequests();
  const before = await queued();
  const started = await start();
  const from = Date.now() + SETTLE_S * 1000;
  const to = from + windowS * 1000;
  await sleep(to - Date.now());
  const requests = crms.flatMap(telephonyRequests);
  const delivery = {
    requestsPerS: requests.filter((r) => r.at >= from && r.at < to && r.status === 200).length / windowS,
    refused: requests.filter((r) => r.status === 503 || r.status === 429).length,
    backlog: { before, after: await queued() },
  };
  return [delivery, started];
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

/** More processes must deliver more, unless fewer already reach (nearly) every account's limit. */
function grows(rate: number, previous: number, cap: number, previousProcesses: number): Target {
  const ok = rate >= previous * 1.05 || previous >= 0.95 * cap;
  return { text: `≥ 1.05 × ${previousProcesses} proc. (${format(previous * 1.05)})`, ok };
}

export const deliverySection: Section = async (ctx) => {
  const rows: Row[] = [];
  const limit = CRM_RATES.telephony;

  const single = await ctx.account();
  console.log(`  queueing ${config.deliveryEvents} events for one account …`);
  await queueCalls(single, config.deliveryEvents);
  const [one, server] = await deliver([single], config.deliveryWindowS, () => ctx.service("server"));
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

  // The single account's backlog would hold the workers' slots (its jobs are the oldest): a new database.
  await freshDatabase();
  const accounts: BenchAccount[] = [];
  for (let i = 0; i < ACCOUNTS; i++) accounts.push(await ctx.account());
  console.log(`  queueing ${config.deliveryAccountEvents} events for each of ${ACCOUNTS} accounts …`);
  await Promise.all(accounts.map((account) => queueCalls(account, config.deliveryAccountEvents, 1)));
  for (const account of accounts) account.crm.setLatency(CRM_LATENCY_MS, "/api/v5/telephony/");
  const cap = ACCOUNTS * limit;
  const windowS = Math.ceil(config.deliveryWindowS / 2);
  let previous: { processes: number; rate: number } | undefined;
  for (const processes of PROCESSES) {
    const [run, workers] = await deliver(accounts, windowS, () => ctx.workers(processes, `w${processes}`));
    await Promise.all(workers.map((worker) => worker.stop()));
    ctx.record(`${ACCOUNTS}-accounts-${processes}-processes`, run);
    rows.push(
      {
        section: SECTION,
        figure: `${ACCOUNTS} accounts, CRMs in ${CRM_LATENCY_MS} ms, ${processes} worker proc.: CRM requests/s`,
        value: run.requestsPerS,
        unit: "req/s",
        reference: `limit ${cap} req/s`,
        ...(previous ? { target: grows(run.requestsPerS, previous.rate, cap, previous.processes) } : {}),
      },
      {
        section: SECTION,
        figure: `${ACCOUNTS} accounts, ${processes} worker proc.: 503 from the CRMs`,
        value: run.refused,
        unit: "count",
        target: atMost(run.refused, ACCOUNTS, `≤ ${ACCOUNTS} (a probe per account)`),
      },
      ...ranOut(`${ACCOUNTS} accounts, ${processes} worker proc.`, run),
    );
    previous = { processes, rate: run.requestsPerS };
  }
  return rows;
};
