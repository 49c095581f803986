import { dbPool } from "@/lib/db/client";
import { listen, type Listening } from "@/lib/db/listen";
import { log } from "@/lib/log";

/**
 * Calls marked as owing CRM requests wake the delivery processes at once (docs/delivery.md,
 * «Waking»): the process that marked them sends a notice on this channel, and each delivery
 * process LISTENs and runs its wake round when one comes. Without it they would have to look ten
 * times a second, and each look is a statement (most of an idle deployment's cost:
 * docs/performance.md).
 */
const DELIVERY_DUE_CHANNEL = "bridge_delivery_due";
/** A process sends at most one notice per this many ms: under load, one wakes the round for many calls. */
const NOTICE_EVERY_MS = 100;

let sending = false;
let again = false;

/** Tells the delivery processes that calls were marked: call it once the marking is committed. */
export function announceDeliveryDue(): void {
  if (sending) {
    again = true;
    return;
  }
  sending = true;
  dbPool()
    .query("SELECT pg_notify($1, '')", [DELIVERY_DUE_CHANNEL])
    // A lost notice costs a wait for the delivery processes' next look, not a request.
    .catch((error: unknown) => log.warn({ err: error }, "telling the delivery processes of new work failed"))
    .finally(() => {
      setTimeout(() => {
        sending = false;
        if (!again) return;
        again = false;
        announceDeliveryDue();
      }, NOTICE_EVERY_MS).unref();
    });
}

/** Calls `due` at every notice, and whenever the connection listens (again): a notice may have been missed meanwhile. */
export function onDeliveryDue(url: string, due: () => void): Listening {
  return listen(url, DELIVERY_DUE_CHANNEL, "the delivery wake-up listener", { notice: due, listening: due });
}
