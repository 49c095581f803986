// A worker process as `npm run worker` runs one (delivery and the AMI event connections), for
// tests that kill it (delivery-durability.test.ts, delivery-sharing.test.ts, ami-failover.test.ts).
// WORKER_CONCURRENCY caps its requests in flight.
import { startCallTracking } from "../../lib/call-tracking";
import { startDeliveryWorker } from "../../lib/delivery/worker";
import { FAST_DELIVERY, FAST_TRACKING } from "./delivery";

const concurrency = Number(process.env.WORKER_CONCURRENCY ?? 256);
const runner = await startDeliveryWorker(process.env.DATABASE_URL!, { ...FAST_DELIVERY, concurrency });
const tracking = await startCallTracking(process.env.DATABASE_URL!, FAST_TRACKING);
// Its id among the holders of AMI event connections (ami_listeners."workerId").
process.stdout.write(`ready ${tracking.id}\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => void Promise.all([tracking.stop(), runner.stop()]).then(() => process.exit(0)));
await runner.promise;
