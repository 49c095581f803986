// Tenants at scale (docs/performance.md, «Tenants at scale»): a deployment filled as a hosted one
// fills, 10 000 accounts of which 1 000 in AMI mode, each with a PBX of its own (one simulator
// process, a port per PBX), a call per AMI account a minute as a real Asterisk sends it and as
// many through the dialplan, CRMs answering in 150 ms with their limits. Measured again at a
// hundredth and a tenth of that, so that the growth shows: what an idle deployment and a held
// connection cost, the CPU per call of all processes, the take-over when a holder is killed, and
// the ring path full and busy against the same figure empty.
import { setTimeout as sleep } from "node:timers/promises";
import { cpuMs, postgresPids } from "../../../e2e/setup/proc";
import type { Child } from "../children";
import { config } from "../config";
import { memoryAfterCollection } from "../processes";
import { profileWindow } from "../profiling";
import { freshDatabase } from "../database";
import type { Section, SectionContext } from "../section";
import { atLeast, atMost, format, type Row } from "../table";
import { callTrail, enableAmi, fillDeployment, heldByProcess, sharedCrm } from "../tenants-fill";
import { dialplanCalls, ringFigures, ringPath, startFarm, type Farm } from "../tenants-load";
import type { RetailCrmSim } from "../../../e2e/sim/retailcrm";

const SECTION = "tenants";
const CRM_LATENCY_MS = 150;
/** A call per AMI account a minute; the dialplan accounts make as many between them. */
const CALL_EVERY_S = 60;
/** Long enough for the calls begun before a window to have ended (a call lasts 10 s) and reached the CRM. */
const WARM_S = 15;
const SETTLE_S = 10;
/**
 * After the connections came up, before the idle window: the processes settle from taking a
 * thousand connections for about half a minute (docs/performance.md, «Ninth and tenth runs»).
 */
const IDLE_AFTER_CONNECTED_S = 30;
/**
 * Ring-path requests a second: 500 in a window of 20 s, so that the p99 is the fifth slowest. At
 * 10 a second it was the third slowest of 200, and the empty deployment's two windows alone gave
 * 10.0 and 14.1 ms (docs/performance.md, «The ring path's client waited for a core»).
 */
const RING_PER_S = 25;
const RING_ACCOUNTS = 20;
const CONNECT_TIMEOUT_MS = 180_000;

const TARGET = {
  idlePercent: 3,
  connectionKiB: 200,
  takeoverS: 15,
  callMs: 2,
  ringRatio: 1.2,
  /** No process holds them all while another idles: the smaller share at least 40 % of the connections. */
  share: 0.4,
  farmPercent: 50,
};

interface Cpu {
  service: number;
  postgres: number;
  farm: number;
}

/** A worker's memory after a full collection (MiB): resident, and what its JavaScript holds. */
interface Memory {
  rss: number;
  heap: number;
  /** Memory of the heap's objects kept outside it: socket and parser buffers among them. */
  external: number;
}

const MiB = 1024 * 1024;

async function workerMemory(worker: Child): Promise<Memory> {
  const usage = await memoryAfterCollection(worker);
  return { rss: usage.rss / MiB, heap: usage.heapUsed / MiB, external: usage.external / MiB };
}

const kept = (memory: Memory) => memory.heap + memory.external;

interface Scale {
  accounts: number;
  ami: number;
  connectS: number;
  memory: { none: Memory; held: Memory };
  idle: Cpu;
  amiCalls: { calls: number; cpu: Cpu };
  busy: { amiCalls: number; dialplanCalls: number; cpu: Cpu };
  ring: ReturnType<typeof ringFigures>;
  shares: number[];
  takeoverS: number;
  lost: number;
  doubled: number;
  /** The AMI calls lost or doubled: which PBX played each, and when it began against the kill (s). */
  amiMisses: {
    id: string;
    pbx: number;
    fromKillS: number;
    stored: number;
    /** What the CRM was asked about it (path, status), and what the database holds of it. */
    crm: string[];
    trail: string[];
  }[];
  /** calls/upload entries the CRM answered as already stored (retried after the kill, or sent by both paths). */
  repeated: number;
  cdr: { posts: number; refused: number };
  dialplanLost: number;
  dialplanDoubled: number;
  failedEvents: number;
}

/** CPU (ms) the service's processes, PostgreSQL and the farm use over `windowS`, profiled as `name`. */
async function cpuOver(name: string, windowS: number, service: () => number[], farm: Farm | undefined): Promise<Cpu> {
  const end = profileWindow(name);
  const read = () => ({
    service: cpuMs(service()),
    postgres: cpuMs(postgresPids()),
    farm: farm ? cpuMs([farm.pid]) : 0,
  });
  const before = read();
  await sleep(windowS * 1000);
  const after = read();
  end();
  return {
    service: after.service - before.service,
    postgres: after.postgres - before.postgres,
    farm: after.farm - before.farm,
  };
}

const total = (cpu: Cpu) => cpu.service + cpu.postgres;

/** Until `check` holds (polled every `everyMs`); the seconds it took. */
async function secondsUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  everyMs = 200,
): Promise<number> {
  const from = Date.now();
  while (!(await check())) {
    if (Date.now() - from > timeoutMs) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
  return (Date.now() - from) / 1000;
}

/**
 * What the CRM kept of the calls/upload entries it answered 200: how many calls it stored for each
 * call (by `callOf` of the entry's externalId), and the entries it listed as `duplicateCalls`.
 */
function stored(crm: RetailCrmSim, callOf: (externalId: string) => string) {
  const count = new Map<string, number>();
  let repeated = 0;
  for (const request of crm.requests) {
    if (request.status !== 200 || !request.path.endsWith("/calls/upload")) continue;
    const duplicates = new Set((request.response as { duplicateCalls?: string[] }).duplicateCalls ?? []);
    for (const call of JSON.parse(request.form.calls!) as { externalId: string }[]) {
      if (duplicates.has(call.externalId)) repeated++;
      else count.set(callOf(call.externalId), (count.get(callOf(call.externalId)) ?? 0) + 1);
    }
  }
  return { count, repeated };
}

/**
 * A farm call's own prefix (`mjb2k1p3c17` of `mjb2k1p3c17-1796587454.55`: the farm's run, PBX 3,
 * the farm's 18th call): any uniqueid of the call carries it, so a call stored under two of them
 * counts twice.
 */
const farmCall = (externalId: string) => externalId.split("-")[0]!;

function onceEach(ids: string[], counts: Map<string, number>) {
  return {
    lost: ids.filter((id) => !counts.has(id)).length,
    doubled: ids.filter((id) => (counts.get(id) ?? 0) > 1).length,
  };
}

/**
 * The empty deployment's ring path: RING_ACCOUNTS accounts, nothing else going on, over two
 * windows. The reference is their requests together; each window's own p99 shows how far the
 * p99 of one window's requests moves with nothing changed.
 */
async function emptyRingPath(ctx: SectionContext, crm: RetailCrmSim) {
  await freshDatabase();
  const accounts = await fillDeployment(crm, RING_ACCOUNTS, []);
  const service = await ctx.service("empty", { DELIVERY_CONCURRENCY: "0" });
  const [worker] = await ctx.workers(1, "empty");
  await sleep(SETTLE_S * 1000);
  const windows = [];
  for (let n = 0; n < 2; n++)
    windows.push(
      await ringPath(service.url, accounts, RING_PER_S, config.tenantsWindowS, `${SECTION}-ring-empty-${n + 1}`),
    );
  await worker!.stop();
  await service.stop();
  return {
    ...ringFigures(windows),
    windowsP99: windows.map((window) => ringFigures([window]).p99),
  };
}

async function measureScale(ctx: SectionContext, crm: RetailCrmSim, accounts: number, ami: number): Promise<Scale> {
  const label = `${accounts}`;
  const windowS = config.tenantsWindowS;
  await freshDatabase();
  crm.clearRequests();
  console.log(`  ${accounts} accounts, ${ami} with a PBX: starting the PBXs, filling the database …`);
  const farm = await startFarm(ami, `${SECTION}-farm-${label}`);
  try {
    const tenants = await fillDeployment(crm, accounts, (await farm.state()).ports);
    const amiTenants = tenants.slice(0, ami);
    const dialplan = tenants.slice(ami);
    const service = await ctx.service(label, { DELIVERY_CONCURRENCY: "0" });
    const [first] = await ctx.workers(1, `${label}-a`);
    const workers = [first!];
    const servicePids = () => [service.pid, ...workers.map((worker) => worker.pid)];

    await sleep(SETTLE_S * 1000);
    const none = await workerMemory(first!);
    await enableAmi(amiTenants);
    const connectS = await secondsUntil(
      async () => (await farm.state()).connected === ami,
      CONNECT_TIMEOUT_MS,
      `${ami} AMI connections by one process`,
    );
    await sleep(SETTLE_S * 1000);
    const held = await workerMemory(first!);
    console.log(`  ${ami} connections up in ${format(connectS, "s")}; idle …`);
    await sleep((IDLE_AFTER_CONNECTED_S - SETTLE_S) * 1000);
    const idle = await cpuOver(`${label} idle`, windowS, servicePids, farm);

    console.log("  AMI calls …");
    const amiFrom = Date.now();
    await farm.start(CALL_EVERY_S, { serviceUrl: service.url, clientIds: amiTenants.map((tenant) => tenant.clientId) });
    await sleep(WARM_S * 1000);
    const windowFrom = Date.now();
    const amiCpu = await cpuOver(`${label} AMI calls`, windowS, servicePids, farm);
    const amiInWindow = (await farm.calls()).filter(
      (call) => call.at >= windowFrom && call.at - windowFrom < windowS * 1000,
    ).length;

    console.log("  AMI and dialplan calls …");
    const driver = dialplanCalls(service.url, dialplan, Math.max(1, ami) / CALL_EVERY_S);
    await sleep(WARM_S * 1000);
    const busyFrom = Date.now();
    const busyCpu = await cpuOver(`${label} AMI and dialplan calls`, windowS, servicePids, farm);
    const busyTo = busyFrom + windowS * 1000;
    const inBusy = (at: number) => at >= busyFrom && at < busyTo;
    const busy = {
      amiCalls: (await farm.calls()).filter((call) => inBusy(call.at)).length,
      dialplanCalls: driver.started.filter((call) => inBusy(call.at)).length,
      cpu: busyCpu,
    };
    console.log("  ring path, full and busy …");
    const ringEnd = profileWindow(`${label} ring path, busy`);
    const busyRing = await ringPath(
      service.url,
      dialplan.slice(0, RING_ACCOUNTS),
      RING_PER_S,
      windowS,
      `${SECTION}-ring-${label}`,
    );
    const ring = ringFigures([busyRing]);
    ringEnd();

    console.log("  a second holder, then the first killed …");
    const [second] = await ctx.workers(1, `${label}-b`);
    workers.push(second!);
    await secondsUntil(
      async () => {
        const shares = await heldByProcess();
        return shares.length === 2 && shares[1]! >= TARGET.share * ami;
      },
      CONNECT_TIMEOUT_MS,
      "the connections shared by two processes",
    );
    // The rows say who should hold what; the kill waits until the PBXs see it so: each with one
    // live session, the newcomer's half connected and the first holder's old ones closed.
    await secondsUntil(
      async () => {
        const state = await farm.state();
        return state.connected === ami && state.doubled === 0;
      },
      CONNECT_TIMEOUT_MS,
      "every PBX with one live connection",
    );
    const shares = await heldByProcess();
    const killedAt = Date.now();
    process.kill(first!.pid, "SIGKILL");
    await first!.exited;
    workers.shift();
    // The PBXs see the killed process's connections close first, then the survivor's open.
    await secondsUntil(async () => (await farm.state()).connected < ami, 10_000, "the PBXs seeing the kill");
    await secondsUntil(async () => (await farm.state()).connected === ami, CONNECT_TIMEOUT_MS, "the take-over");
    const takeoverS = (Date.now() - killedAt) / 1000;
    console.log(`  taken over in ${format(takeoverS, "s")}; the calls' last minute …`);
    const survivorEnd = profileWindow(`${label} calls on the survivor`);
    await sleep(WARM_S * 1000);
    survivorEnd();
    await farm.stop();
    await driver.stop();
    const playedCalls = (await farm.calls()).filter((call) => call.at >= amiFrom);
    const played = playedCalls.map((call) => farmCall(call.id));
    const dialed = driver.started.map((call) => call.id);
    // Every call has had its chance to reach the CRM once its upload came, or cron posted its CDR
    // (every minute) and delivery sent what it recovered.
    const inCrm = () => {
      const ami = stored(crm, farmCall).count;
      const dialplan = stored(crm, (id) => id).count;
      return played.every((id) => ami.has(id)) && dialed.every((id) => dialplan.has(id));
    };
    await secondsUntil(async () => inCrm(), 90_000, "every call in the CRM", 1_000).catch(() => undefined);
    const amiStored = stored(crm, farmCall);
    const amiOnce = onceEach(played, amiStored.count);
    const amiMisses = await Promise.all(
      playedCalls
        .map((call) => ({ call, stored: amiStored.count.get(farmCall(call.id)) ?? 0 }))
        .filter(({ stored }) => stored !== 1)
        .map(async ({ call, stored }) => ({
          id: call.id,
          pbx: call.pbx,
          fromKillS: (call.at - killedAt) / 1000,
          stored,
          crm: crm.requests
            .filter((request) => JSON.stringify(request.form).includes(`${farmCall(call.id)}-`))
            .map((request) => `${request.path} ${request.status}`),
          trail: await callTrail(`${farmCall(call.id)}-`),
        })),
    );
    const dialplanOnce = onceEach(dialed, stored(crm, (id) => id).count);
    const farmState = await farm.state();
    await Promise.all(workers.map((worker) => worker.stop()));
    await service.stop();
    const scale: Scale = {
      accounts,
      ami,
      connectS,
      memory: { none, held },
      idle,
      amiCalls: { calls: amiInWindow, cpu: amiCpu },
      busy,
      ring,
      shares,
      takeoverS,
      lost: amiOnce.lost,
      doubled: amiOnce.doubled,
      amiMisses,
      repeated: amiStored.repeated,
      cdr: { posts: farmState.cdrPosts, refused: farmState.cdrRefused },
      dialplanLost: dialplanOnce.lost,
      dialplanDoubled: dialplanOnce.doubled,
      failedEvents: driver.failed,
    };
    ctx.record(`${accounts}-accounts`, scale);
    return scale;
  } finally {
    await farm.close();
  }
}

/** CPU over a window as % of one core. */
const percentOfCore = (ms: number) => (100 * ms) / (config.tenantsWindowS * 1000);

function figures(scale: Scale, emptyRing: ReturnType<typeof ringFigures> & { windowsP99: number[] }): Row[] {
  const windowMs = config.tenantsWindowS * 1000;
  const at = `${scale.accounts} acc., ${scale.ami} AMI`;
  const idleRate = total(scale.idle) / windowMs;
  // What a call adds to the idle deployment's CPU, over the calls begun in the window.
  const amiMs = (total(scale.amiCalls.cpu) - idleRate * windowMs) / Math.max(1, scale.amiCalls.calls);
  const amiRate = total(scale.amiCalls.cpu) / windowMs;
  const dialplanMs =
    (total(scale.busy.cpu) - amiRate * windowMs - (scale.busy.amiCalls - scale.amiCalls.calls) * amiMs) /
    Math.max(1, scale.busy.dialplanCalls);
  // What the worker's JavaScript keeps, not its RSS: the RSS falls between the two readings by
  // more than the connections add (docs/performance.md, «Memory per held connection»).
  const connectionKiB = ((kept(scale.memory.held) - kept(scale.memory.none)) * 1024) / Math.max(1, scale.ami);
  const smaller = scale.shares.at(-1) ?? 0;
  const row = (figure: string, value: number, unit: Row["unit"], rest: Partial<Row> = {}): Row => ({
    section: SECTION,
    figure: `${at}: ${figure}`,
    value,
    unit,
    ...rest,
  });
  return [
    row("idle CPU, service + PostgreSQL (% of a core)", percentOfCore(total(scale.idle)), "%", {
      reference: `service ${format(percentOfCore(scale.idle.service), "%")}, PostgreSQL ${format(percentOfCore(scale.idle.postgres), "%")}`,
      target: atMost(percentOfCore(total(scale.idle)), TARGET.idlePercent, `≤ ${TARGET.idlePercent} %`),
    }),
    row("memory per held AMI connection", connectionKiB, "KiB", {
      reference: `worker heap + external after a full collection ${format(kept(scale.memory.none), "MiB")} with none, ${format(kept(scale.memory.held), "MiB")} with ${scale.ami}; RSS ${format(scale.memory.none.rss, "MiB")} / ${format(scale.memory.held.rss, "MiB")}`,
      target: atMost(connectionKiB, TARGET.connectionKiB, `≤ ${TARGET.connectionKiB} KiB`),
    }),
    row(`${scale.ami} connections up, one process from none`, scale.connectS, "s"),
    row("CPU per tracked AMI call, all processes", amiMs, "ms", {
      reference: `${scale.amiCalls.calls} calls in ${config.tenantsWindowS} s; idle subtracted; with idle ${format(total(scale.amiCalls.cpu) / Math.max(1, scale.amiCalls.calls), "ms")}`,
      target: atMost(amiMs, TARGET.callMs, `≤ ${TARGET.callMs} ms`),
    }),
    row("CPU per dialplan call, all processes", dialplanMs, "ms", {
      reference: `${scale.busy.dialplanCalls} calls in ${config.tenantsWindowS} s beside the AMI ones`,
      target: atMost(dialplanMs, TARGET.callMs, `≤ ${TARGET.callMs} ms`),
    }),
    row("ring path /api/manager, full and busy: p50", scale.ring.p50, "ms", {
      reference: `empty ${format(emptyRing.p50, "ms")}`,
    }),
    row("ring path /api/manager, full and busy: p99", scale.ring.p99, "ms", {
      reference: `empty ${format(emptyRing.p99, "ms")} (its two windows ${emptyRing.windowsP99.map((p99) => format(p99, "ms")).join(" / ")}); p90 ${format(scale.ring.p90, "ms")}, empty ${format(emptyRing.p90, "ms")}; ${scale.ring.count} requests, ${scale.ring.failed} failed; ${clientPriority(Math.max(scale.ring.nice, emptyRing.nice))}`,
      target: atMost(
        scale.ring.p99,
        TARGET.ringRatio * emptyRing.p99,
        `≤ 120 % of empty (${format(TARGET.ringRatio * emptyRing.p99, "ms")})`,
      ),
    }),
    row("connections held by the smaller of two processes", smaller, "count", {
      reference: `shares ${scale.shares.join(" / ")}`,
      target: atLeast(smaller, TARGET.share * scale.ami, `≥ 40 % (${Math.ceil(TARGET.share * scale.ami)})`),
    }),
    row(`take-over of ${scale.shares[0] ?? 0} connections after a SIGKILL`, scale.takeoverS, "s", {
      reference: "until every PBX has a live event connection",
      target: atMost(scale.takeoverS, TARGET.takeoverS, `≤ ${TARGET.takeoverS} s`),
    }),
    row("AMI calls lost / doubled in the CRM", scale.lost + scale.doubled, "count", {
      reference: `${scale.lost} lost, ${scale.doubled} doubled; ${scale.repeated} uploads the CRM listed as duplicates; CDR posts ${scale.cdr.posts} taken, ${scale.cdr.refused} refused`,
      target: atMost(scale.lost + scale.doubled, 0, "0"),
    }),
    row("dialplan calls lost / doubled in the CRM", scale.dialplanLost + scale.dialplanDoubled, "count", {
      reference: `${scale.dialplanLost} lost, ${scale.dialplanDoubled} doubled; ${scale.failedEvents} failed /api/event`,
      target: atMost(scale.dialplanLost + scale.dialplanDoubled + scale.failedEvents, 0, "0"),
    }),
    row("the PBX simulator's CPU, busy (% of a core)", percentOfCore(scale.busy.cpu.farm), "%", {
      reference: `${scale.ami} PBXs`,
      target: atMost(
        percentOfCore(scale.busy.cpu.farm),
        TARGET.farmPercent,
        `≤ ${TARGET.farmPercent} % (not the bottleneck)`,
      ),
    }),
  ];
}

/** How the ring path's client ran (scripts/bench/ring-client.ts): above the rest, or as they do. */
const clientPriority = (nice: number) =>
  nice < 0 ? `client at nice ${nice}` : `client at nice ${nice}: not permitted to raise it, its waits for a core count`;

/** The deployment at a hundredth, a tenth and the whole of the configured size (down to 20 accounts). */
function scales(): { accounts: number; ami: number }[] {
  const { tenantsAccounts: accounts, tenantsAmi: ami } = config;
  if (ami + RING_ACCOUNTS > accounts)
    throw new Error(`BENCH_TENANTS_AMI (${ami}) leaves fewer than ${RING_ACCOUNTS} dialplan accounts of ${accounts}`);
  return [100, 10, 1]
    .map((part) => ({ accounts: Math.round(accounts / part), ami: Math.round(ami / part) }))
    .filter((scale) => scale.accounts - scale.ami >= RING_ACCOUNTS && scale.ami >= 1);
}

export const tenantsSection: Section = async (ctx) => {
  const crm = await sharedCrm(CRM_LATENCY_MS);
  try {
    console.log("  the ring path, empty …");
    const emptyRing = await emptyRingPath(ctx, crm);
    ctx.record("empty-ring-path", emptyRing);
    const rows: Row[] = [];
    for (const { accounts, ami } of scales())
      rows.push(...figures(await measureScale(ctx, crm, accounts, ami), emptyRing));
    return rows;
  } finally {
    await crm.close();
  }
};
