// /api/manager: the cached answer beside the trivial route and bare node:http; a cache miss with
// the CRM answering in 150 ms; a CRM that hangs, against the account's lookup budget.
import { DEMO, type RetailCrmSim } from "../../../e2e/sim/retailcrm";
import { db } from "@/lib/db/client";
import { EXTENSION, nextPhone } from "../calls";
import { config } from "../config";
import { load, type Step } from "../load";
import { failures, references, type Section } from "../section";
import { atLeast, atMost, format, type Row } from "../table";

const SECTION = "manager";
const CRM_LATENCY_MS = 150;
/** The demo CRM user whose extension is EXTENSION. */
const MANAGER_ID = 3;
const CONNECTIONS = [1, 10, 50] as const;
const P99_LIMIT_MS: Partial<Record<number, number>> = { 1: 10, 10: 40 };

function managerPath(clientId: string, phone: string): string {
  return `/api/manager?${new URLSearchParams({ clientId, phone, type: "json" })}`;
}

/** `count` numbers of customers the CRM knows (owned by the manager with EXTENSION), each asked about once. */
function distinctCallers(crm: RetailCrmSim, count: number, path: (phone: string) => string): Step[] {
  const phones = Array.from({ length: count }, () => nextPhone());
  // Customer ids after the demo's own (101…106); the phones are distinct, so are the ids.
  crm.seedCustomers(
    phones.map((number) => ({ id: 1_000 + Number(number.slice(-7)), managerId: MANAGER_ID, phones: [{ number }] })),
  );
  let next = 0;
  return [() => path(phones[next++ % phones.length]!)];
}

export const managerSection: Section = async (ctx) => {
  const account = await ctx.account();
  const service = await ctx.service("a");
  const known = DEMO.customers[0]!.phones[0]!.number;
  const cached = managerPath(account.clientId, known);
  const first = (await (await fetch(service.url + cached)).json()) as { result?: { phone?: string } };
  if (first.result?.phone !== EXTENSION)
    throw new Error(`/api/manager answered ${JSON.stringify(first)} for a customer of manager ${EXTENSION}`);

  const targets = { bare: [ctx.bareUrl], trivial: [service.url], manager: [service.url] };
  const paths = { bare: "/", trivial: "/api/health/live", manager: cached };
  for (const name of ["bare", "trivial", "manager"] as const)
    await load({ urls: targets[name], request: paths[name], connections: 10, durationS: config.warmupS });

  const rows: Row[] = [];
  for (const connections of CONNECTIONS) {
    const run = (name: keyof typeof targets) =>
      load({ urls: targets[name], request: paths[name], connections, durationS: config.durationS });
    const bare = await run("bare");
    const trivial = await run("trivial");
    const manager = await run("manager");
    ctx.record(`cached-${connections}`, { bare, trivial, manager });
    const refs = { trivial, bare };
    const p99Limit = P99_LIMIT_MS[connections];
    rows.push(
      {
        section: SECTION,
        figure: `cached, ${connections} conn: throughput`,
        value: manager.rps,
        unit: "req/s",
        reference: references((r) => r.rps, "req/s", refs),
        target: atLeast(manager.rps, 0.8 * trivial.rps, `≥ 80 % of trivial (${format(0.8 * trivial.rps)})`),
      },
      {
        section: SECTION,
        figure: `cached, ${connections} conn: p50`,
        value: manager.p50,
        unit: "ms",
        reference: references((r) => r.p50, "ms", refs),
      },
      {
        section: SECTION,
        figure: `cached, ${connections} conn: p99`,
        value: manager.p99,
        unit: "ms",
        reference: references((r) => r.p99, "ms", refs),
        ...(p99Limit ? { target: atMost(manager.p99, p99Limit, `≤ ${p99Limit} ms`) } : {}),
      },
      ...failures(SECTION, `cached, ${connections} conn`, manager, trivial, bare),
    );
  }

  // A miss: the CRM itself (asked directly, the same kind of question) beside the bridge asking it.
  const misses = Math.max(10, Math.round((config.durationS * 1000) / CRM_LATENCY_MS));
  account.crm.setLatency(CRM_LATENCY_MS, "/api/v5/telephony/manager");
  const crmPath = (phone: string) => `/api/v5/telephony/manager?${new URLSearchParams({ phone, details: "1" })}`;
  const crmAlone = await load({
    urls: [account.crm.url],
    request: distinctCallers(account.crm, misses, crmPath),
    connections: 1,
    amount: misses,
    headers: { "X-API-KEY": DEMO.apiKey },
  });
  const miss = await load({
    urls: [service.url],
    request: distinctCallers(account.crm, misses, (phone) => managerPath(account.clientId, phone)),
    connections: 1,
    amount: misses,
  });
  account.crm.setLatency(0, "/api/v5/telephony/manager");
  ctx.record("miss", { crmAlone, miss });
  rows.push(
    {
      section: SECTION,
      figure: `miss, CRM in ${CRM_LATENCY_MS} ms: added p50`,
      value: miss.p50 - crmAlone.p50,
      unit: "ms",
      reference: `bridge ${format(miss.p50, "ms")}, CRM alone ${format(crmAlone.p50, "ms")}`,
      target: atMost(miss.p50 - crmAlone.p50, 10, "≤ 10 ms"),
    },
    {
      section: SECTION,
      figure: `miss, CRM in ${CRM_LATENCY_MS} ms: added p99`,
      value: miss.p99 - crmAlone.p99,
      unit: "ms",
      reference: `bridge ${format(miss.p99, "ms")}, CRM alone ${format(crmAlone.p99, "ms")}`,
    },
    ...failures(SECTION, "miss", miss, crmAlone),
  );

  // The CRM hangs: every caller is answered (empty) when the account's budget runs out.
  const { lookupBudgetMs } = await db().asteriskSettings.findUniqueOrThrow({ where: { accountId: account.id } });
  account.crm.setOutage("hang");
  const hung = await load({
    urls: [service.url],
    request: [() => managerPath(account.clientId, nextPhone())],
    connections: 10,
    amount: 20,
  });
  account.crm.setOutage("none");
  ctx.record("hang", { lookupBudgetMs, hung });
  const window = `${lookupBudgetMs} ± 50 ms`;
  rows.push(
    {
      section: SECTION,
      figure: "CRM hangs: fastest answer",
      value: hung.min,
      unit: "ms",
      reference: `budget ${lookupBudgetMs} ms`,
      target: atLeast(hung.min, lookupBudgetMs - 50, window),
    },
    {
      section: SECTION,
      figure: "CRM hangs: slowest answer",
      value: hung.max,
      unit: "ms",
      reference: `budget ${lookupBudgetMs} ms`,
      target: atMost(hung.max, lookupBudgetMs + 50, window),
    },
    ...failures(SECTION, "CRM hangs", hung),
  );
  return rows;
};
