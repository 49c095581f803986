import { randomUUID } from "node:crypto";
import type pg from "pg";
import { createPool } from "@/lib/db/pool";
import { onDeliveryDue } from "@/lib/db/delivery-due";
import { periodic } from "@/lib/db/periodic";
import { log } from "@/lib/log";
import { countLanesTakenOver, countWorkerStart } from "@/lib/metrics";
import { slotBooker, type SlotBooker } from "@/lib/retailcrm/rate-limit";
import { beat, claimLanes, forgetDeadWorkers, releaseLanes, retire, wakeLanes, type ClaimedLane } from "./coordination";
import { Lane, type LaneHost, type LaneSettings } from "./lane";
import { WorkerLiveness } from "@/lib/db/liveness";
import { OutcomeWriter } from "./outcome";

export interface DeliveryOptions {
  /** CRM requests this process keeps in flight at most, over all accounts. */
  concurrency?: number;
  /**
   * How often marked calls are turned into work without a notice (ms): a notice of new work
   * (lib/db/delivery-due.ts) runs the round at once; this is for a notice lost.
   */
  tickMs?: number;
  /** How often the process beats, renews its leases and takes or gives lanes (ms). */
  beatMs?: number;
  /** A lease lasts this long without renewal; a process silent for this long counts as dead (ms). */
  leaseMs?: number;
  /** A lane with nothing to do for this long is let go (ms). */
  idleMs?: number;
  lane?: Partial<Omit<LaneSettings, "retry" | "breaker">> & {
    retry?: Partial<LaneSettings["retry"]>;
    breaker?: Partial<LaneSettings["breaker"]>;
  };
}

export interface DeliveryWorker {
  /** This process's id among the delivery processes. */
  readonly id: string;
  stop(): Promise<void>;
  /** Settles once the worker has been stopped. */
  promise: Promise<void>;
}

/**
 * The pool delivery records its work through. Its commits do not wait for the WAL to reach the
 * disk (synchronous_commit off), which would otherwise bound every CRM request by an fsync. It
 * only records what was already sent, so the worst a crash of the database server (not of ours)
 * can do is lose the last fraction of a second of such records, and those requests are sent
 * again: at least once, never lost (docs/delivery.md). What the dialplan reports is stored
 * through db(), durably, before the reply.
 */
export function deliveryPool(connectionString: string): pg.Pool {
  return createPool({ connectionString, max: 8, options: "-c synchronous_commit=off" }, "delivery");
}

const DEFAULT_LANE: LaneSettings = {
  accountConcurrency: 16,
  retry: { baseMs: 1_000, maxMs: 10 * 60_000 },
  breaker: { failures: 3, baseMs: 2_000, maxMs: 2 * 60_000 },
};
// How long stop() lets requests in flight finish (a CRM's timeout is 10 s by default).
const STOP_WAIT_MS = 15_000;

/**
 * Delivery in this process (docs/delivery.md). It holds some accounts' lanes and hands out its
 * capacity (requests in flight) among them in turn, one request at a time, so that no account
 * waits behind another's backlog or slow CRM; each lane caps its own account's requests in
 * flight. Nothing waits while holding capacity: a request starts only once its lane has a slot
 * of the account's rate limit, booked ahead.
 */
class DeliveryProcess implements LaneHost {
  readonly outcomes: OutcomeWriter;
  readonly bookSlots: SlotBooker;
  readonly lanes = new Map<string, Lane>();
  private readonly active: Lane[] = [];
  private readonly activeSet = new Set<Lane>();
  private cursor = 0;
  private inFlight = 0;
  private pumping = false;
  private pumpAgain = false;
  /** Requests start only while the leases are known to hold (renewed within leaseMs, with a margin). */
  private leasesValidUntil = 0;
  private stopping = false;
  private readonly releasing = new Set<string>();
  private beats = 0;

  constructor(
    readonly id: string,
    readonly pool: pg.Pool,
    readonly settings: LaneSettings,
    private readonly options: Required<Omit<DeliveryOptions, "lane">>,
  ) {
    this.outcomes = new OutcomeWriter(pool);
    this.bookSlots = slotBooker(pool);
  }

  activate(lane: Lane): void {
    if (this.activeSet.has(lane) || lane.draining) return;
    this.activeSet.add(lane);
    this.active.push(lane);
    this.pump();
  }

  /** Hands out free capacity to the lanes in turn, one request each per round, until none can start. */
  pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.round();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  private round(): void {
    let idleTurns = 0;
    while (this.active.length > 0 && idleTurns < this.active.length) {
      if (this.cursor >= this.active.length) this.cursor = 0;
      const lane = this.active[this.cursor]!;
      const now = Date.now();
      if (lane.queue.length === 0 || lane.draining) {
        this.active.splice(this.cursor, 1);
        this.activeSet.delete(lane);
        continue;
      }
      lane.bookAhead(now);
      if (this.inFlight < this.options.concurrency && now < this.leasesValidUntil && lane.canStart(now)) {
        this.inFlight++;
        lane.startOne(now, () => {
          this.inFlight--;
          this.pump();
        });
        idleTurns = 0;
      } else {
        idleTurns++;
      }
      this.cursor++;
    }
  }

  drained(lane: Lane): void {
    if (!this.lanes.has(lane.accountId)) return;
    this.lanes.delete(lane.accountId);
    if (!this.releasing.has(lane.accountId)) return;
    this.releasing.delete(lane.accountId);
    log.debug({ accountId: lane.accountId }, "letting the account's delivery lane go");
    void releaseLanes(this.pool, this.id, [lane.accountId]).catch((error: unknown) =>
      log.warn({ err: error, accountId: lane.accountId }, "letting a delivery lane go failed; its lease will run out"),
    );
  }

  /** Marked calls into work: wakes the lanes this process holds that have new requests. */
  async tick(): Promise<void> {
    for (let more = true; more && !this.stopping;) {
      const woken = await wakeLanes(this.pool, this.id);
      for (const accountId of woken.accounts) this.lanes.get(accountId)?.wake();
      more = woken.more;
    }
  }

  /** Heartbeat, leases, and this process's share of the lanes: takes lanes when short, lets some go when over. */
  async beat(): Promise<void> {
    const started = Date.now();
    const { held, workers, inUse } = await beat(this.pool, this.id, this.options.leaseMs, this.options.leaseMs);
    this.leasesValidUntil = started + this.options.leaseMs - this.options.beatMs;
    const kept = new Set(held);
    for (const lane of this.lanes.values()) {
      if (!kept.has(lane.accountId) && !lane.draining) {
        log.warn({ accountId: lane.accountId }, "another delivery process took this lane over; stopping it here");
        lane.drain();
      }
    }
    const mine = [...this.lanes.values()].filter((lane) => !lane.draining);
    const share = Math.ceil(inUse / workers);
    const idle = mine.filter((lane) => lane.idle && started - lane.lastBusy > this.options.idleMs);
    const over = Math.max(0, mine.length - share);
    const letGo = [
      ...idle,
      ...mine.filter((lane) => !idle.includes(lane)).sort((a, b) => a.queue.length - b.queue.length),
    ].slice(0, Math.max(over, idle.length));
    for (const lane of letGo) {
      this.releasing.add(lane.accountId);
      lane.drain();
    }
    if (!this.stopping && mine.length - letGo.length < share) {
      const claimed = await claimLanes(this.pool, this.id, this.options.leaseMs, share - (mine.length - letGo.length));
      for (const claim of claimed) this.take(claim);
      countLanesTakenOver(claimed.filter((claim) => claim.takenOver).length);
    }
    if (++this.beats % 60 === 0) await forgetDeadWorkers(this.pool, this.options.leaseMs);
    this.pump();
  }

  private take(claim: ClaimedLane): void {
    log.debug({ accountId: claim.accountId, breakerOpens: claim.breakerOpens }, "holding the account's delivery lane");
    const lane = new Lane(claim.accountId, claim, this);
    this.lanes.set(claim.accountId, lane);
    lane.wake();
  }

  /** Stops taking work, lets what is in flight finish (for a while), and gives every lane back. */
  async stop(): Promise<void> {
    this.stopping = true;
    const lanes = [...this.lanes.values()];
    for (const lane of lanes) {
      this.releasing.add(lane.accountId);
      lane.drain();
    }
    const deadline = Date.now() + STOP_WAIT_MS;
    while (this.lanes.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await releaseLanes(
      this.pool,
      this.id,
      lanes.map((lane) => lane.accountId),
    ).catch(() => undefined);
    await retire(this.pool, this.id).catch(() => undefined);
  }
}

/**
 * Runs delivery in this process, and nothing else; any number of processes may do the same on
 * one database, each holding its share of the accounts (docs/delivery.md). lib/background
 * composes it with the other long-running parts.
 */
export async function startDeliveryWorker(
  connectionString: string,
  options: DeliveryOptions = {},
): Promise<DeliveryWorker> {
  const id = randomUUID();
  countWorkerStart();
  const settings: LaneSettings = {
    accountConcurrency: options.lane?.accountConcurrency ?? DEFAULT_LANE.accountConcurrency,
    retry: { ...DEFAULT_LANE.retry, ...options.lane?.retry },
    breaker: { ...DEFAULT_LANE.breaker, ...options.lane?.breaker },
  };
  const timing = {
    concurrency: options.concurrency ?? 256,
    tickMs: options.tickMs ?? 1_000,
    beatMs: options.beatMs ?? 1_000,
    leaseMs: options.leaseMs ?? 10_000,
    idleMs: options.idleMs ?? 30_000,
  };
  const pool = deliveryPool(connectionString);
  const liveness = new WorkerLiveness(connectionString);
  await liveness.hold(id);
  const delivery = new DeliveryProcess(id, pool, settings, timing);
  const beats = periodic(timing.beatMs, () => delivery.beat(), "sharing out delivery lanes");
  const ticks = periodic(timing.tickMs, () => delivery.tick(), "turning stored events into deliveries");
  const woken = onDeliveryDue(connectionString, () => ticks.poke());

  let stopped: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (stopped = resolve));
  return {
    id,
    promise,
    async stop() {
      woken.close();
      await ticks.stop();
      await beats.stop();
      await delivery.stop();
      await liveness.close();
      await pool.end();
      stopped();
    },
  };
}
