export interface StatementBatcherOptions<I, O> {
  /** Runs one statement for the items; returns one result per item, in their order. */
  run(items: I[]): Promise<O[]>;
  /** Items with the same key never share a statement (they would touch one row twice). */
  keyOf(item: I): string;
  maxBatch: number;
  /** Statements running at once; a submission starts one at once while fewer are running. */
  maxInFlight: number;
  /** Whether a batch's error is every item's (the database away), rather than one item's fault. */
  failsAll(error: unknown): boolean;
  /**
   * How long a statement that could start waits for more items first (ms; 0 unless set). For
   * work nobody waits on, such as bookkeeping: fewer, larger statements for a little latency.
   */
  lingerMs?: number;
}

interface Pending<I, O> {
  item: I;
  resolve(result: O): void;
  reject(error: unknown): void;
}

/**
 * Coalesces concurrent submissions into multi-row statements. While `maxInFlight` statements run,
 * new items wait and the next statement takes all that waited (up to `maxBatch`): under a light
 * load every item runs alone and at once, under a heavy one the database gets fewer, larger
 * statements, each one round trip, one commit and one WAL flush.
 *
 * A statement that fails for a reason of one item's is run again item by item, so that only
 * that item fails.
 */
export class StatementBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = 0;
  private lingering = false;

  constructor(private readonly options: StatementBatcherOptions<I, O>) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    const linger = this.options.lingerMs ?? 0;
    if (linger > 0 && this.queue.length > 0 && this.queue.length < this.options.maxBatch) {
      if (this.lingering || this.inFlight >= this.options.maxInFlight) return;
      this.lingering = true;
      setTimeout(() => {
        this.lingering = false;
        this.startAll();
      }, linger);
      return;
    }
    this.startAll();
  }

  private startAll(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.take();
      this.inFlight++;
      void this.execute(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** The oldest waiting items, one per key; the others keep their place for the next statement. */
  private take(): Pending<I, O>[] {
    const keys = new Set<string>();
    const batch: Pending<I, O>[] = [];
    const rest: Pending<I, O>[] = [];
    for (const pending of this.queue) {
      const key = this.options.keyOf(pending.item);
      if (batch.length < this.options.maxBatch && !keys.has(key)) {
        keys.add(key);
        batch.push(pending);
      } else {
        rest.push(pending);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async execute(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await this.options.run(batch.map((pending) => pending.item));
      batch.forEach((pending, index) => pending.resolve(results[index]!));
    } catch (error) {
      if (batch.length === 1 || this.options.failsAll(error)) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      for (const pending of batch) {
        try {
          pending.resolve((await this.options.run([pending.item]))[0]!);
        } catch (alone) {
          pending.reject(alone);
        }
      }
    }
  }
}
