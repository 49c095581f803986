interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface GuessThrottleOptions {
  /** Unknown clientIds a source may send in a burst. */
  burst: number;
  /** Unknown clientIds per second a source earns back. */
  refillPerSecond: number;
  /** Sources remembered at most (the oldest are forgotten first). */
  maxSources: number;
}

/**
 * Throttles guessing of clientIds per source address: every unknown clientId spends a token of
 * the source's bucket, and a source with an empty bucket is refused before any lookup. Sources
 * that send only known clientIds never spend anything, so other accounts are never slowed.
 */
export class GuessThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly options: GuessThrottleOptions) {}

  /** Seconds until the source may try again, or 0 when it may go on now. */
  retryAfter(source: string, now = Date.now()): number {
    const tokens = this.tokens(source, now);
    if (tokens >= 1) return 0;
    return Math.ceil((1 - tokens) / this.options.refillPerSecond);
  }

  recordMiss(source: string, now = Date.now()): void {
    const tokens = this.tokens(source, now) - 1;
    this.buckets.delete(source);
    this.buckets.set(source, { tokens: Math.max(tokens, 0), updatedAt: now });
    if (this.buckets.size > this.options.maxSources) this.buckets.delete(this.buckets.keys().next().value!);
  }

  private tokens(source: string, now: number): number {
    const bucket = this.buckets.get(source);
    if (!bucket) return this.options.burst;
    const earned = ((now - bucket.updatedAt) / 1000) * this.options.refillPerSecond;
    return Math.min(this.options.burst, bucket.tokens + earned);
  }
}
