export type Bucket = "general" | "telephony";

interface TokenBucket {
  tokens: number;
  refilledAt: number;
}

/** One token bucket per API key and bucket kind, holding at most one second's worth of requests. */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly rps: Record<Bucket, number>) {}

  take(apiKey: string, kind: Bucket, now = performance.now()): boolean {
    const capacity = this.rps[kind];
    const id = `${kind}\u0000${apiKey}`;
    const bucket = this.buckets.get(id) ?? { tokens: capacity, refilledAt: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.refilledAt) / 1000) * capacity);
    bucket.refilledAt = now;
    this.buckets.set(id, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

export function bucketOf(path: string): Bucket {
  return path.startsWith("/api/v5/telephony/") ? "telephony" : "general";
}
