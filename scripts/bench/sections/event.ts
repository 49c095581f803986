// /api/event: events durably stored per second (rows counted in the database) beside the trivial
// route and bare node:http, on one instance and on two sharing the database.
import { db } from "@/lib/db/client";
import { callSteps } from "../calls";
import { config } from "../config";
import { load, type LoadResult } from "../load";
import { failures, references, type Section } from "../section";
import { atLeast, atMost, format, type Row } from "../table";

const SECTION = "event";
const CONNECTIONS = [10, 50] as const;
const P99_LIMIT_MS: Partial<Record<number, number>> = { 10: 50 };

export const eventSection: Section = async (ctx) => {
  const account = await ctx.account();
  const stored = () => db().callEvent.count({ where: { accountId: account.id } });
  const events = callSteps(account.clientId);

  async function ingest(
    urls: string[],
    connections: number,
    durationS: number,
  ): Promise<LoadResult & { stored: number; storedPerS: number }> {
    const before = await stored();
    const result = await load({ urls, request: events, connections, durationS });
    const count = (await stored()) - before;
    return { ...result, stored: count, storedPerS: count / result.durationS };
  }

  async function measure(setup: string, urls: string[]): Promise<Row[]> {
    const rows: Row[] = [];
    for (const connections of CONNECTIONS) {
      const bare = await load({ urls: [ctx.bareUrl], request: "/", connections, durationS: config.durationS });
      const trivial = await load({ urls, request: "/api/health/live", connections, durationS: config.durationS });
      const refs = { trivial, bare };
      const event = await ingest(urls, connections, config.durationS);
      ctx.record(`${setup}-${connections}`, { ...refs, event });
      const figure = `${setup}, ${connections} conn`;
      const p99Limit = P99_LIMIT_MS[connections];
      rows.push(
        {
          section: SECTION,
          figure: `${figure}: events stored/s`,
          value: event.storedPerS,
          unit: "events/s",
          reference: references((r) => r.rps, "req/s", refs),
          target: atLeast(event.storedPerS, 0.5 * trivial.rps, `≥ 50 % of trivial (${format(0.5 * trivial.rps)})`),
        },
        {
          section: SECTION,
          figure: `${figure}: p99`,
          value: event.p99,
          unit: "ms",
          reference: references((r) => r.p99, "ms", refs),
          ...(p99Limit ? { target: atMost(event.p99, p99Limit, `≤ ${p99Limit} ms`) } : {}),
        },
        {
          section: SECTION,
          figure: `${figure}: acknowledged events stored`,
          value: event.stored,
          unit: "count",
          reference: `acknowledged ${event.ok}`,
          target: atLeast(event.stored, event.ok, "all"),
        },
        ...failures(SECTION, figure, event, trivial, bare),
      );
    }
    return rows;
  }

  const first = await ctx.service("a");
  await load({ urls: [first.url], request: "/api/health/live", connections: 10, durationS: config.warmupS });
  await ingest([first.url], 10, config.warmupS);
  const rows = await measure("1 instance", [first.url]);

  const second = await ctx.service("b");
  await ingest([second.url], 10, config.warmupS);
  rows.push(...(await measure("2 instances", [first.url, second.url])));
  await Promise.all([first.stop(), second.stop()]);

  // The deployment that keeps delivery off the web process: it only stores, a worker process delivers.
  const storing = await ctx.service("storing", { DELIVERY_CONCURRENCY: "0" });
  await ctx.workers(1, "beside");
  await ingest([storing.url], 10, config.warmupS);
  rows.push(...(await measure("1 instance storing + 1 worker proc.", [storing.url])));
  return rows;
};
