import { EventFilters } from "./filters";
import { allows } from "./permissions";
import type { Scheduler } from "./scheduler";
import type { Transport } from "./types";

export interface QueuedEvent {
  readonly category: number;
  readonly text: string;
}

/** What main/manager.c keeps in `struct mansession_session`, shared by TCP and HTTP sessions. */
export class Session {
  authenticated = false;
  username = "";
  readperm = 0;
  writeperm = 0;
  challenge = "";
  /** The user's manager.conf eventfilter lines, applied to every event (not to an action's own list). */
  filters = new EventFilters([]);
  /** The WaitEvent call that currently owns the session; a newer one kicks it out. */
  waiter: object | undefined;
  private pending: QueuedEvent[] = [];
  private readonly wakers = new Set<() => void>();

  constructor(
    readonly transport: Transport,
    public sendEvents: number,
  ) {}

  isAlive(): boolean {
    return true;
  }

  /** Seconds a WaitEvent may block; HTTP sessions cap it below their expiry. */
  waitLimit(): number | undefined {
    return undefined;
  }

  deliver(event: QueuedEvent): void {
    this.pending.push(event);
    this.wake();
  }

  /** Takes every queued event this session may see (read permission and event mask), dropping the rest. */
  drain(): string {
    const events = this.pending;
    this.pending = [];
    if (!this.authenticated) return "";
    return events
      .filter(
        (e) => allows(this.readperm, e.category) && allows(this.sendEvents, e.category) && this.filters.passes(e.text),
      )
      .map((e) => e.text)
      .join("");
  }

  wake(): void {
    for (const waker of [...this.wakers]) waker();
  }

  /** Resolves when an event is queued, on wake(), or after `seconds` (negative: no limit). */
  waitForEvent(seconds: number, scheduler: Scheduler): Promise<void> {
    if (this.pending.length > 0 || seconds === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        cancel?.();
        this.wakers.delete(done);
        resolve();
      };
      const cancel = seconds > 0 ? scheduler.after(seconds * 1000, done) : undefined;
      this.wakers.add(done);
    });
  }
}
