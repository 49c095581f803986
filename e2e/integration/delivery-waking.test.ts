// How a delivery process learns of new work (docs/delivery.md, «Waking»): the process that stores
// a call's requests sends a notice, and the delivery process runs its wake round at once instead
// of at its next look. Its looks are a minute apart here, so only the notice can wake it in time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answeredHangup, FAST_DELIVERY } from "@/e2e/setup/delivery";
import { demoCrmAccount } from "@/e2e/setup/factories";
import { until } from "@/e2e/setup/until";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { dbPool } from "@/lib/db/client";
import { startDeliveryWorker, type DeliveryWorker } from "@/lib/delivery";

let crm: RetailCrmSim;
let accountId: string;
let worker: DeliveryWorker;

beforeAll(async () => {
  ({
    crm,
    account: { id: accountId },
  } = await demoCrmAccount());
  worker = await startDeliveryWorker(process.env.DATABASE_URL!, { ...FAST_DELIVERY, tickMs: 60_000 });
  // The round the process runs as it starts is over before anything is stored.
  await new Promise((resolve) => setTimeout(resolve, 500));
});

afterAll(async () => {
  await worker.stop();
  await crm.close();
});

/** The call's events the CRM took, once it took one or `ms` passed. */
const eventsWithin = (uniqueid: string, ms: number) =>
  until(
    () =>
      crm.requests.filter(
        (request) =>
          request.status === 200 &&
          request.path.endsWith("/call/event") &&
          (JSON.parse(request.form.event!) as { callExternalId: string }).callExternalId === uniqueid,
      ).length,
    (n) => n > 0,
    ms,
    20,
  );

describe("waking the delivery processes", () => {
  it("sends a stored call's requests at once, not at the process's next look", async () => {
    await answeredHangup(accountId, "wake-1");
    expect(await eventsWithin("wake-1", 2_000)).toBe(1);
  });

  it("looks for what it missed when its listening connection comes back", async () => {
    // The process's listening connection is cut; a notice sent before it is back is lost.
    const cut = await dbPool().query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN bridge_delivery_due'`,
    );
    expect(cut.rows).toEqual([{ pg_terminate_backend: true }]);
    await answeredHangup(accountId, "wake-2");
    expect(await eventsWithin("wake-2", 5_000)).toBe(1);
  });
});
