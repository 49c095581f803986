import type pg from "pg";
import { crmClient } from "@/lib/accounts";
import { completeCallbackTask, sendCallbackTask } from "@/lib/callback-tasks";
import { sendCallNote, sendTaskCommentary } from "@/lib/transcripts";
import { log } from "@/lib/log";
import { sendNewCustomer } from "@/lib/new-customers";
import { countDelivery } from "@/lib/metrics";
import { RetailCrmError } from "@/lib/retailcrm/errors";
import type { RetailCrmClient } from "@/lib/retailcrm/client";
import { accountBucket, CRM_RATES, type SlotBooker } from "@/lib/retailcrm/rate-limit";
import { endBackoffs, saveBreaker, type ClaimedLane } from "./coordination";
import type { OutcomeWriter } from "./outcome";
import { nextBackoffEnd, readyCalls, type LaneAccount, type OwedRequest } from "./owed";

export interface LaneSettings {
  /** Requests to one account's CRM in flight at once. */
  accountConcurrency: number;
  /** A request that failed for a while waits baseMs · 2^failures before it is tried again, at most maxMs. */
  retry: { baseMs: number; maxMs: number };
  /** After `failures` temporary failures in a row the account's CRM gets nothing for baseMs · 2^(opens − 1), at most maxMs. */
  breaker: { failures: number; baseMs: number; maxMs: number };
}

/** What a lane needs from the process that holds it. */
export interface LaneHost {
  readonly pool: pg.Pool;
  readonly outcomes: OutcomeWriter;
  readonly bookSlots: SlotBooker;
  readonly settings: LaneSettings;
  /** Something changed that may let requests start: the host hands out its capacity again. */
  pump(): void;
  /** The lane has calls waiting to be sent. */
  activate(lane: Lane): void;
  /** A draining lane has nothing left in flight. */
  drained(lane: Lane): void;
}

/** A call the lane has taken: its queued requests, sent one after the other. */
interface CallWork {
  callId: number;
  requests: OwedRequest[];
  /** The lane's wake count when it was read: a wake after it may have added requests. */
  readAt: number;
  /** Its upload is sent without companions (a batch with it was refused as a whole). */
  alone: boolean;
}

const UPLOAD_BATCH = 50;
// Slots booked ahead at most: a quarter second of the telephony limit.
const MAX_BOOKING = 10;
const TOKEN_LIFE_MS = 500;

function jitter(ms: number): number {
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}

/** What the CRM said, with the fields it named: «performerId: This value is not valid.» tells the admin what to fix. */
function crmMessage(error: RetailCrmError): string {
  const errors = error.errors;
  if (!errors || (Array.isArray(errors) ? errors.length === 0 : Object.keys(errors).length === 0)) return error.message;
  const details = Array.isArray(errors) ? errors : Object.entries(errors).map(([field, text]) => `${field}: ${text}`);
  return `${error.message} (${details.join("; ")})`;
}

function describe(error: unknown): { httpStatus: number | null; message: string; temporary: boolean } {
  if (error instanceof RetailCrmError)
    return { httpStatus: error.status ?? null, message: crmMessage(error), temporary: error.retryable };
  return { httpStatus: null, message: error instanceof Error ? error.message : String(error), temporary: true };
}

/**
 * The requests of one account, as the one process that holds its lane sends them
 * (docs/delivery.md). A call's requests go in the order they were stored, one at a time; up to
 * `accountConcurrency` calls at once. Slots of the account's shared rate limit are booked ahead
 * and in batches, so nothing waits for a slot while holding anything. A CRM that keeps failing
 * (timeouts, refusals, 5xx, 503) trips the lane's breaker: the account gets one probe per
 * growing pause until its CRM answers, and its retries spend nobody else's time.
 */
export class Lane {
  /** Calls read and waiting to be sent, oldest first. */
  readonly queue: CallWork[] = [];
  inFlight = 0;
  draining = false;
  /** When the lane last had anything to do (ms). */
  lastBusy = Date.now();

  private account?: LaneAccount;
  private client?: RetailCrmClient;
  /** Writes tasks and customers: each attempt takes its own slot of the general limit (docs/crm-features.md). */
  private taskClient?: RetailCrmClient;
  /** Tasks and customers go one at a time: two missed calls from one number must not both open a task. */
  private taskTail: Promise<unknown> = Promise.resolve();
  /** Calls the lane has: waiting, in flight or waiting for their outcome to be written. */
  private readonly held = new Set<number>();
  private tokens = 0;
  /** Slots not used soon after their time are dropped: used later they would bunch up at the CRM. */
  private tokensUntil = 0;
  private booking = 0;
  /** Whether this holder has read when backoffs set before it took the lane end. */
  private knowsBackoffs = false;
  private wakes = 0;
  private stale = true;
  private reading = false;
  private failuresInRow = 0;
  private lastError: string | null = null;
  private breakerUntil: number;
  private breakerOpens: number;
  private probing = false;
  private retryTimer?: NodeJS.Timeout;
  private breakerTimer?: NodeJS.Timeout;
  private retryAt = Infinity;

  constructor(
    readonly accountId: string,
    claim: ClaimedLane,
    private readonly host: LaneHost,
  ) {
    this.breakerUntil = claim.breakerUntil?.getTime() ?? 0;
    this.breakerOpens = claim.breakerOpens;
    if (this.breakerOpens > 0) this.scheduleBreakerEnd();
  }

  /** Requests were stored for this account. */
  wake(): void {
    this.wakes++;
    this.stale = true;
    this.read();
  }

  /** Holds nothing: no call read, in flight or being recorded. */
  get idle(): boolean {
    return this.held.size === 0 && !this.reading;
  }

  /** Whether a request of this lane may start now (the host checks its own capacity). */
  canStart(now: number): boolean {
    if (now > this.tokensUntil) this.tokens = 0;
    return (
      !this.draining &&
      this.queue.length > 0 &&
      this.tokens > 0 &&
      this.inFlight < this.host.settings.accountConcurrency &&
      this.breakerAllows(now)
    );
  }

  /** Books slots of the shared limit for the requests that could start next, if it has too few. */
  bookAhead(now: number): void {
    if (this.draining || this.booking > 0 || !this.breakerAllows(now)) return;
    if (now > this.tokensUntil) this.tokens = 0;
    const want =
      Math.min(this.queue.length, this.host.settings.accountConcurrency - this.inFlight) - this.tokens - this.booking;
    if (want <= 0) return;
    const count = Math.min(want, MAX_BOOKING);
    this.booking = count;
    this.host
      .bookSlots(accountBucket(this.accountId, "telephony"), CRM_RATES.telephony, count)
      .then((waits) => {
        for (const wait of waits) {
          if (wait === 0) this.addToken();
          else
            setTimeout(() => {
              this.addToken();
              this.booking--;
              this.host.pump();
            }, wait).unref();
        }
        this.booking = waits.filter((wait) => wait > 0).length;
        this.host.pump();
      })
      .catch((error: unknown) => {
        this.booking = 0;
        log.warn({ err: error, accountId: this.accountId }, "booking CRM rate-limit slots failed; trying again");
        setTimeout(() => this.host.pump(), 500).unref();
      });
  }

  private addToken(): void {
    this.tokens++;
    this.tokensUntil = Date.now() + TOKEN_LIFE_MS;
  }

  /** Starts the next call's next request (an upload with other calls' uploads that are next too). */
  startOne(now: number, done: () => void): void {
    const work = this.queue.shift()!;
    this.tokens--;
    this.inFlight++;
    if (this.breakerOpens > 0) this.probing = true;
    this.lastBusy = now;
    const batch = [work];
    if (work.requests[0]!.kind === "CALLS_UPLOAD" && !work.alone) {
      for (let i = 0; i < this.queue.length && batch.length < UPLOAD_BATCH;) {
        const other = this.queue[i]!;
        if (other.requests[0]!.kind === "CALLS_UPLOAD" && !other.alone) {
          batch.push(other);
          this.queue.splice(i, 1);
        } else i++;
      }
    }
    void this.send(batch).finally(done);
    this.read();
  }

  /** Stops taking new work; the host is told once nothing is in flight. */
  drain(): void {
    this.draining = true;
    this.queue.splice(0).forEach((work) => this.held.delete(work.callId));
    clearTimeout(this.retryTimer);
    clearTimeout(this.breakerTimer);
    if (this.inFlight === 0) this.host.drained(this);
  }

  /** Reads calls that are ready, when it may have some it does not know of and room for more. */
  read(): void {
    if (this.draining || this.reading || !this.stale) return;
    if (this.queue.length >= this.host.settings.accountConcurrency) return;
    const now = Date.now();
    const halfOpen = this.breakerOpens > 0 && now >= this.breakerUntil;
    if (this.breakerOpens > 0 && now < this.breakerUntil) {
      this.breakerTimer ??= this.scheduleBreakerEnd();
      return;
    }
    this.reading = true;
    this.stale = false;
    const readAt = this.wakes;
    const limit = halfOpen ? 1 : 2 * this.host.settings.accountConcurrency;
    void this.readCalls(limit, halfOpen)
      .then((calls) => {
        if (this.draining) return;
        for (const requests of calls) {
          const callId = requests[0]!.callId;
          this.held.add(callId);
          this.queue.push({ callId, requests, readAt, alone: false });
        }
        if (calls.length >= limit && !halfOpen) this.stale = true;
        if (this.queue.length > 0) {
          this.lastBusy = Date.now();
          this.host.activate(this);
        }
      })
      .catch((error: unknown) => {
        this.stale = true;
        log.warn({ err: error, accountId: this.accountId }, "reading an account's queued CRM requests failed");
        this.wakeAt(Date.now() + 1_000);
      })
      .finally(() => {
        this.reading = false;
        if (this.draining && this.inFlight === 0) this.host.drained(this);
        else this.read();
        this.host.pump();
      });
  }

  private async readCalls(limit: number, ignoreBackoff: boolean): Promise<OwedRequest[][]> {
    if (!this.knowsBackoffs) {
      const retryInMs = await nextBackoffEnd(this.host.pool, this.accountId);
      if (retryInMs !== null) this.wakeAt(Date.now() + retryInMs);
      this.knowsBackoffs = true;
    }
    const { account, calls } = await readyCalls(this.host.pool, this.accountId, [...this.held], limit, ignoreBackoff);
    if (!account) return [];
    // A key replaced by a new connection is used from the next reading that finds calls ready.
    if (account.apiKeyEnc !== this.account?.apiKeyEnc || account.crmUrl !== this.account.crmUrl) {
      // Calls: the lane books the shared limit's slots itself; tasks and alerts take theirs per
      // attempt (docs/retailcrm.md). A 503 or 429 comes back at once, for the lane to back off.
      const stored = { ...account, id: this.accountId };
      this.client = crmClient(stored, { limits: "booked by caller", retries: 0 });
      this.taskClient = crmClient(stored, { retries: 0 });
    }
    this.account = account;
    return calls;
  }

  private breakerAllows(now: number): boolean {
    if (this.breakerOpens === 0) return true;
    return now >= this.breakerUntil && !this.probing;
  }

  private async send(batch: CallWork[]): Promise<void> {
    const started = Date.now();
    const requests = batch.map((work) => work.requests[0]!);
    const ids = requests.map((request) => request.id);
    let keep: CallWork[] = [];
    try {
      const first = requests[0]!;
      const response =
        first.kind === "CALLS_UPLOAD"
          ? await this.client!.callsUpload(requests.map((request) => (request as typeof first).body))
          : first.kind === "MISSED_TASK"
            ? await this.oneTaskAtATime(() =>
                sendCallbackTask(this.host.pool, this.accountId, this.taskClient!, first.missed),
              )
            : first.kind === "NEW_CUSTOMER"
              ? await this.oneTaskAtATime(() =>
                  sendNewCustomer(this.host.pool, this.accountId, this.taskClient!, first.caller),
                )
              : first.kind === "CUSTOMER_NOTE"
                ? await sendCallNote(this.host.pool, this.taskClient!, first.note)
                : first.kind === "TASK_COMPLETE"
                  ? await this.oneTaskAtATime(() =>
                      completeCallbackTask(this.host.pool, this.accountId, this.taskClient!, first.back),
                    )
                  : first.kind === "TASK_COMMENT"
                    ? await this.oneTaskAtATime(() =>
                        sendTaskCommentary(this.host.pool, this.taskClient!, first.comment),
                      )
                    : await this.client!.callEvent(first.body);
      await this.host.outcomes.record({
        deliveryIds: ids,
        durationMs: Date.now() - started,
        httpStatus: 200,
        response,
        state: "SENT",
      });
      countDelivery(first.kind, "sent", ids.length);
      log.debug(
        { accountId: this.accountId, deliveryIds: ids, kind: first.kind, durationMs: Date.now() - started },
        "delivered to the CRM",
      );
      this.succeeded();
      keep = batch.filter((work) => (work.requests.shift(), work.requests.length > 0));
    } catch (error) {
      const { httpStatus, message, temporary } = describe(error);
      if (!temporary && batch.length > 1) {
        // Refused as a whole: each goes again alone, so that only the bad call fails.
        batch.forEach((work) => (work.alone = true));
        keep = batch;
      } else if (!temporary) {
        log.warn(
          { accountId: this.accountId, deliveryId: ids[0], httpStatus, errorMsg: message },
          "the CRM refused a request; not retrying",
        );
        await this.host.outcomes.record({
          deliveryIds: ids,
          durationMs: Date.now() - started,
          httpStatus,
          error: message,
          state: "FAILED",
        });
        countDelivery(requests[0]!.kind, "failed", ids.length);
        this.succeeded();
        keep = batch.filter((work) => (work.requests.shift(), work.requests.length > 0));
      } else {
        const { baseMs, maxMs } = this.host.settings.retry;
        const retryInMs = jitter(Math.min(maxMs, baseMs * 2 ** Math.min(requests[0]!.failures, 30)));
        log.debug(
          { accountId: this.accountId, deliveryIds: ids, httpStatus, err: error, retryInMs },
          "a delivery failed for now; it will be tried again",
        );
        await this.host.outcomes.record({
          deliveryIds: ids,
          durationMs: Date.now() - started,
          httpStatus,
          error: message,
          retryInMs,
        });
        countDelivery(requests[0]!.kind, "retry", ids.length);
        this.failed(message);
        this.wakeAt(Date.now() + retryInMs);
      }
    } finally {
      this.inFlight--;
      this.probing = false;
    }
    for (const work of batch) {
      if (keep.includes(work) && !this.draining) continue;
      this.held.delete(work.callId);
      // Requests stored for it while it was held were not read: read again.
      if (this.wakes > work.readAt) this.stale = true;
    }
    this.queue.unshift(...keep.filter(() => !this.draining));
    if (this.queue.length > 0) this.host.activate(this);
    if (this.draining && this.inFlight === 0 && !this.reading) this.host.drained(this);
    this.read();
    this.host.pump();
  }

  private oneTaskAtATime<T>(send: () => Promise<T>): Promise<T> {
    const sent = this.taskTail.then(send, send);
    this.taskTail = sent.catch(() => undefined);
    return sent;
  }

  /** The CRM answered: the breaker closes, and what waited out a backoff because of it goes now. */
  private succeeded(): void {
    this.failuresInRow = 0;
    if (this.breakerOpens === 0) return;
    log.info({ accountId: this.accountId }, "the account's CRM answers again; delivering");
    this.breakerOpens = 0;
    this.breakerUntil = 0;
    clearTimeout(this.breakerTimer);
    this.breakerTimer = undefined;
    this.persistBreaker();
    void endBackoffs(this.host.pool, this.accountId)
      .catch((error: unknown) => log.warn({ err: error, accountId: this.accountId }, "ending backoffs failed"))
      .finally(() => this.wake());
  }

  private failed(message: string): void {
    this.failuresInRow++;
    this.lastError = message;
    const { failures, baseMs, maxMs } = this.host.settings.breaker;
    // A probe that failed opens it again for longer; otherwise it opens after enough failures in a row.
    if (
      !(this.breakerOpens > 0 && Date.now() >= this.breakerUntil) &&
      !(this.breakerOpens === 0 && this.failuresInRow >= failures)
    )
      return;
    this.breakerOpens++;
    this.breakerUntil = Date.now() + jitter(Math.min(maxMs, baseMs * 2 ** (this.breakerOpens - 1)));
    log.warn(
      {
        accountId: this.accountId,
        errorMsg: message,
        pauseMs: this.breakerUntil - Date.now(),
        opens: this.breakerOpens,
      },
      "the account's CRM keeps failing; pausing its deliveries",
    );
    this.persistBreaker();
    this.scheduleBreakerEnd();
  }

  private persistBreaker(): void {
    void saveBreaker(this.host.pool, this.accountId, {
      until: this.breakerOpens > 0 ? new Date(this.breakerUntil) : null,
      opens: this.breakerOpens,
      lastError: this.lastError,
    }).catch((error: unknown) => log.warn({ err: error, accountId: this.accountId }, "saving the breaker failed"));
  }

  /** Wakes the lane once the breaker's pause is over (a timer may fire a little early: then it waits again). */
  private scheduleBreakerEnd(): NodeJS.Timeout {
    clearTimeout(this.breakerTimer);
    const timer = setTimeout(
      () => {
        this.breakerTimer = undefined;
        this.wake();
      },
      Math.max(0, this.breakerUntil - Date.now()) + 1,
    );
    timer.unref();
    this.breakerTimer = timer;
    return timer;
  }

  /** Reads again at `at` (the earliest backoff known to end), unless an earlier read is due. */
  private wakeAt(at: number): void {
    if (this.draining || at >= this.retryAt) return;
    clearTimeout(this.retryTimer);
    this.retryAt = at;
    this.retryTimer = setTimeout(
      () => {
        this.retryAt = Infinity;
        this.wake();
      },
      Math.max(0, at - Date.now()),
    );
    this.retryTimer.unref();
  }
}
