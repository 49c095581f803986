// Delivery with compressed time, for tests: new work is seen within 50 ms, leases last 2 s, and
// backoffs and breaker pauses are tenths of a second instead of minutes.
import type { CallTrackingOptions } from "@/lib/call-tracking";
import type { DeliveryOptions } from "@/lib/delivery/worker";

export const FAST_DELIVERY: DeliveryOptions = {
  tickMs: 50,
  beatMs: 200,
  leaseMs: 2_000,
  idleMs: 5_000,
  lane: { retry: { baseMs: 50, maxMs: 200 }, breaker: { failures: 3, baseMs: 100, maxMs: 200 } },
};

/** AMI event connections with the same compressed beats and leases; pauses after a dropped connection are short. */
export const FAST_TRACKING: CallTrackingOptions = {
  beatMs: 200,
  leaseMs: 2_000,
  timing: { retryMs: 100, maxRetryMs: 1_000 },
};
