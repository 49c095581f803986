// Naming callers over AMI (docs/ami-routing.md): from the Newchannel of an incoming call to the
// Setvar CALLERID(name) the worker holding the account's AMI connection sends, the caller's
// answer already in its cache (the customers were looked up once before).
import { createAsteriskSim } from "../../../e2e/sim/asterisk";
import { DEMO } from "../../../e2e/sim/retailcrm";
import { amiModeSettings, eventConnectionUp } from "../../../e2e/setup/ami-mode";
import { until } from "../../../e2e/setup/until";
import { db } from "@/lib/db/client";
import { nextUniqueid } from "../calls";
import { config } from "../config";
import { percentile } from "../load";
import type { Section } from "../section";
import { atMost, type Row } from "../table";

const SECTION = "routing";
const P99_LIMIT_MS = 20;
/** Calls a second: each waits for its Setvar before the next; a PBX's busy hour is far below. */
const CALLS_PER_S = 20;
const USER = {
  username: "bench",
  secret: "bench-ami-secret",
  read: "call,agent,dialplan",
  write: "originate,reporting,call",
};

export const routingSection: Section = async (ctx) => {
  const account = await ctx.account();
  const pbx = await createAsteriskSim({ tcpPort: 0, httpPort: null, users: [USER] });
  try {
    await db().asteriskSettings.update({
      where: { accountId: account.id },
      data: { ...amiModeSettings(pbx, USER), inboundContexts: ["from-trunk"], amiCallerName: true },
    });
    await ctx.workers(1, "a");
    const listener = await eventConnectionUp(account.id, 30_000);
    if (listener?.state !== "connected") throw new Error(`the worker did not connect to AMI: ${listener?.lastError}`);

    const phones = DEMO.customers.map((customer) => customer.phones[0]!.number);
    /** One incoming call from a PJSIP trunk: the ms from its Newchannel to the Setvar, then its hangup. */
    async function call(n: number): Promise<number> {
      const uniqueid = nextUniqueid();
      const channel = `PJSIP/trunk-${String(n).padStart(8, "0")}`;
      const fields = { Channel: channel, Uniqueid: uniqueid, Linkedid: uniqueid };
      const sent = Date.now();
      pbx.emitEvent({
        Event: "Newchannel",
        ...fields,
        ChannelState: "4",
        CallerIDNum: phones[n % phones.length]!,
        Context: "from-trunk",
        Exten: "s",
      });
      const setvar = await until(
        () => pbx.actions.find((action) => action.action === "Setvar" && action.headers.channel === channel),
        (action) => action !== undefined,
        10_000,
        1,
      );
      pbx.emitEvent({ Event: "Hangup", ...fields, Cause: "16" });
      if (!setvar) throw new Error(`no Setvar for the call from ${phones[n % phones.length]}`);
      return setvar.at - sent;
    }
    /** `count` calls at CALLS_PER_S, each customer in turn; their latencies. */
    async function calls(count: number): Promise<number[]> {
      const latencies: number[] = [];
      for (let n = 0; n < count; n++) {
        latencies.push(await call(n));
        await new Promise((resolve) => setTimeout(resolve, 1000 / CALLS_PER_S));
      }
      return latencies;
    }
    // The first call of each customer asks the CRM, and the worker's code warms up: the cache hit is what is measured.
    await calls(Math.max(phones.length, CALLS_PER_S * config.warmupS));
    const count = CALLS_PER_S * config.durationS;
    const latencies = await calls(count);
    // Which calls were slow, in order: a tail at one moment is the machine's, one every few seconds a reload's.
    ctx.record(
      "slower than 5 ms",
      latencies.flatMap((ms, n) => (ms > 5 ? [{ call: n, ms }] : [])),
    );
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 0.5);
    const p99 = percentile(latencies, 0.99);
    ctx.record("newchannel-to-setvar", { count, p50, p99, max: latencies.at(-1) });
    const rows: Row[] = [
      {
        section: SECTION,
        figure: `Newchannel → Setvar CALLERID(name), cache hit, ${count} calls: p50`,
        value: p50,
        unit: "ms",
      },
      {
        section: SECTION,
        figure: `Newchannel → Setvar CALLERID(name), cache hit, ${count} calls: p99`,
        value: p99,
        unit: "ms",
        target: atMost(p99, P99_LIMIT_MS, `≤ ${P99_LIMIT_MS} ms`),
      },
    ];
    return rows;
  } finally {
    await pbx.close();
  }
};
