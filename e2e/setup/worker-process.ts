// A delivery worker in a process of its own, for tests that kill it (delivery-durability.test.ts,
// delivery-sharing.test.ts). WORKER_CONCURRENCY caps its requests in flight.
import { startDeliveryWorker } from "../../lib/delivery/worker";
import { FAST_DELIVERY } from "./delivery";

const concurrency = Number(process.env.WORKER_CONCURRENCY ?? 256);
const runner = await startDeliveryWorker(process.env.DATABASE_URL!, { ...FAST_DELIVERY, concurrency });
process.stdout.write(`ready ${runner.id}\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => void runner.stop().then(() => process.exit(0)));
await runner.promise;
