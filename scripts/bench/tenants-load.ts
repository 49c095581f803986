// What the tenants section puts on a full deployment besides the PBXs' calls: the dialplan
// accounts' calls over /api/event, the ring path's /api/manager paced at a steady rate, and the
// farm of PBXs in a process of its own (scripts/bench/pbx-farm.ts), told and asked over HTTP.
import { setTimeout as sleep } from "node:timers/promises";
import { AMI_EVENTS_USER } from "../../e2e/setup/factories";
import { DEMO } from "../../e2e/sim/retailcrm";
import { eventPath, hangup, incoming, nextPhone, nextUniqueid } from "./calls";
import { spawnScript, type Child } from "./children";
import { LIKE_CURL } from "./curl";
import { percentile } from "./load";
import type { CdrTarget, FarmState, PlayedCall } from "./pbx-farm";
import type { Tenant } from "./tenants-fill";

/** A dialplan call lasts as the PBXs' recorded one does: rings 2 s, talks 8 s. */
const CALL_MS = 10_000;

export interface Farm {
  readonly pid: number;
  state(): Promise<FarmState>;
  calls(): Promise<PlayedCall[]>;
  /** Every PBX a call every `everyS` seconds from now on, and its CDR posted to the service every minute. */
  start(everyS: number, cdr: CdrTarget): Promise<void>;
  /** No new call; cron goes on posting the CDR until the farm closes. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

export async function startFarm(pbxs: number, label: string): Promise<Farm> {
  const child: Child = spawnScript(label, new URL("./pbx-farm.ts", import.meta.url), {
    ...process.env,
    FARM_PBXS: String(pbxs),
    FARM_USER: JSON.stringify(AMI_EVENTS_USER),
  });
  const [, port] = await child.line(/control listening (\d+)/, 180_000);
  const ask = async <T>(path: string, method = "GET", body?: unknown) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`the PBX farm answered ${path} with ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    pid: child.pid,
    state: () => ask<FarmState>("/state"),
    calls: () => ask<PlayedCall[]>("/calls"),
    start: (everyS, cdr) => ask(`/start?everyS=${everyS}`, "POST", cdr).then(() => undefined),
    stop: () => ask("/stop", "POST").then(() => undefined),
    close: () => child.stop(),
  };
}

/** Dialplan calls at `perS` a second, each of a random account: `in`, then its hangup 10 s later. */
export function dialplanCalls(baseUrl: string, accounts: Tenant[], perS: number) {
  const started: { id: string; at: number }[] = [];
  let failed = 0;
  let stopped = false;
  const pending = new Set<Promise<void>>();
  const send = (path: string) =>
    fetch(baseUrl + path, { headers: LIKE_CURL }).then(
      (response) => void (response.ok || failed++),
      () => void failed++,
    );
  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  const loop = (async () => {
    const begun = Date.now();
    for (let n = 0; !stopped; n++) {
      await sleep(Math.max(0, begun + (n * 1000) / perS - Date.now()));
      if (stopped) break;
      const account = accounts[Math.floor(Math.random() * accounts.length)]!;
      const uniqueid = nextUniqueid();
      const phone = nextPhone();
      started.push({ id: uniqueid, at: Date.now() });
      track(
        send(eventPath(account.clientId, incoming(uniqueid, phone))).then(async () => {
          await sleep(CALL_MS);
          await send(eventPath(account.clientId, hangup(uniqueid, phone)));
        }),
      );
    }
  })();
  return {
    started,
    get failed() {
      return failed;
    },
    /** No new call; resolves once the calls begun have hung up. */
    async stop() {
      stopped = true;
      await loop;
      await Promise.all([...pending]);
    },
  };
}

/** The number a known customer of the demo CRM calls from: /api/manager answers with their manager. */
const KNOWN = DEMO.customers[0]!.phones[0]!.number;

/**
 * The ring path as the dialplan takes it: /api/manager for a known caller, `perS` a second for
 * `windowS`, round the accounts (each asked once before, so that it is the cached answer that is
 * measured), from a process of its own (scripts/bench/ring-client.ts). The answers' latencies
 * (ms), how many failed, and the client's nice value (-10 when it could raise its priority).
 */
export async function ringPath(baseUrl: string, accounts: Tenant[], perS: number, windowS: number, label: string) {
  const paths = accounts.map(
    (account) => `/api/manager?${new URLSearchParams({ clientId: account.clientId, phone: KNOWN, type: "json" })}`,
  );
  const client = spawnScript(label, new URL("./ring-client.ts", import.meta.url), {
    ...process.env,
    RING_URL: baseUrl,
    RING_PATHS: JSON.stringify(paths),
    RING_PER_S: String(perS),
    RING_WINDOW_S: String(windowS),
  });
  const [, result] = await client.line(/^ring (\{.*\})\n/m, (windowS + 60) * 1000);
  await client.exited;
  return JSON.parse(result!) as RingWindow;
}

/** One ring client's run: its answers' latencies (ms), how many failed, and the client's nice value. */
export interface RingWindow {
  latencies: number[];
  failed: number;
  nice: number;
}

/**
 * p50 and p99 of ring-path latencies (ms) over one or more windows taken together, and the ten
 * slowest, kept in the raw results: whether a p99 is a few stalls or the whole tail moving. The
 * client's nice value is the highest (least raised) of the windows'.
 */
export function ringFigures(windows: RingWindow[]) {
  const sorted = windows.flatMap((window) => window.latencies).toSorted((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    p90: percentile(sorted, 0.9),
    slowest: sorted.slice(-10),
    count: sorted.length,
    failed: windows.reduce((sum, window) => sum + window.failed, 0),
    nice: Math.max(...windows.map((window) => window.nice)),
  };
}
