// The server's resident memory after a round of events through /api/event, and over a second
// round. Growth is judged on the peak (VmHWM): V8 collects its heap lazily, so the resident
// memory at one moment says more about when the last full collection ran than about a leak.
import { setTimeout as sleep } from "node:timers/promises";
import { callSteps } from "../calls";
import { config } from "../config";
import { load } from "../load";
import { peakRssMiB, rssMiB } from "../../../e2e/setup/proc";
import { failures, type Section } from "../section";
import { atMost, format } from "../table";

const SECTION = "memory";
const CONNECTIONS = 50;
const LIMIT_MIB = 300;
/** Allowed change of the peak from the first round to the second: noise, not a leak. */
const GROWTH_TOLERANCE = 0.1;
const SETTLE_MS = 2_000;
/** A round stops after this long even short of its count (the figures then say how many events it had). */
const ROUND_MAX_S = 600;

export const memorySection: Section = async (ctx) => {
  const account = await ctx.account();
  const service = await ctx.service("server");
  const events = callSteps(account.clientId);
  const round = async (label: string) => {
    console.log(`  ${label}: ${config.memoryEvents} events …`);
    const result = await load({
      urls: [service.url],
      request: events,
      connections: CONNECTIONS,
      amount: config.memoryEvents,
      maxDurationS: ROUND_MAX_S,
    });
    await sleep(SETTLE_MS);
    const memory = { rss: rssMiB(service.pid), peak: peakRssMiB(service.pid) };
    ctx.record(label, { ...memory, ...result });
    return { ...memory, result };
  };

  await load({ urls: [service.url], request: events, connections: CONNECTIONS, durationS: config.warmupS });
  const warm = rssMiB(service.pid);
  const first = await round("round-1");
  const second = await round("round-2");
  const ceiling = first.peak * (1 + GROWTH_TOLERANCE);
  return [
    { section: SECTION, figure: "server RSS, warmed up", value: warm, unit: "MiB" },
    {
      section: SECTION,
      figure: `server RSS after ${first.result.ok} events`,
      value: first.rss,
      unit: "MiB",
      reference: `peak ${format(first.peak, "MiB")}, ${format(first.result.rps)} events/s`,
      target: atMost(first.rss, LIMIT_MIB, `< ${LIMIT_MIB} MiB`),
    },
    {
      section: SECTION,
      figure: `server peak RSS after ${first.result.ok + second.result.ok} events`,
      value: second.peak,
      unit: "MiB",
      reference: `now ${format(second.rss, "MiB")}, ${format(second.result.rps)} events/s`,
      target: atMost(
        second.peak,
        ceiling,
        `≤ peak after ${first.result.ok} + ${GROWTH_TOLERANCE * 100} % (${format(ceiling)})`,
      ),
    },
    ...failures(SECTION, "events", first.result, second.result),
  ];
};
