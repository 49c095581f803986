// Delivery with compressed time, for tests: new work is seen within 50 ms, leases last 2 s, and
// backoffs and breaker pauses are tenths of a second instead of minutes.
import { startCallTracking, type CallTrackingOptions } from "@/lib/call-tracking";
import { ingestCallEvent } from "@/lib/calls";
import { startDeliveryWorker, type DeliveryOptions } from "@/lib/delivery";
import { serveRoutes } from "./route-server";

export const FAST_DELIVERY: DeliveryOptions = {
  tickMs: 50,
  beatMs: 200,
  leaseMs: 2_000,
  idleMs: 5_000,
  lane: { retry: { baseMs: 50, maxMs: 200 }, breaker: { failures: 3, baseMs: 100, maxMs: 200 } },
};

/**
 * AMI event connections with the same compressed beats, leases and settings sync; pauses after a
 * dropped connection are short.
 */
export const FAST_TRACKING: CallTrackingOptions = {
  beatMs: 200,
  leaseMs: 2_000,
  syncEveryMs: 2_000,
  timing: { retryMs: 100, maxRetryMs: 1_000 },
};

/**
 * The routes the PBX calls (/api/event, /api/cdr), served, with PUBLIC_URL set to them: the module
 * registers its callbacks there, so before any account connects.
 */
export async function serveCallRoutes(): Promise<Awaited<ReturnType<typeof serveRoutes>>> {
  const app = await serveRoutes({
    "/api/event": await import("@/app/api/event/route"),
    "/api/cdr": await import("@/app/api/cdr/route"),
  });
  process.env.PUBLIC_URL = app.url;
  return app;
}

/** The delivery worker and every account's AMI event connection, in compressed time; stop() ends both. */
export async function startWorkers(): Promise<{ stop(): Promise<void> }> {
  const worker = await startDeliveryWorker(process.env.DATABASE_URL!, FAST_DELIVERY);
  const tracking = await startCallTracking(process.env.DATABASE_URL!, FAST_TRACKING);
  return {
    async stop() {
      await tracking.stop();
      await worker.stop();
    },
  };
}

/** Stores an answered incoming call's hangup, as the dialplan reports it: two CRM requests owed (its event and upload). */
export function answeredHangup(accountId: string, uniqueid: string) {
  return ingestCallEvent(accountId, {
    clientId: "x",
    type: "hangup",
    uniqueid,
    phone: "+79001234567",
    code: "101",
    status: "ANSWER",
    direct: "in",
    date: "2026-12-01 10:00:00",
    duration: 30,
  });
}
