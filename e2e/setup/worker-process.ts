// A delivery worker in a process of its own, for tests that kill it (see delivery-durability.test.ts).
import { startDeliveryWorker } from "../../lib/delivery/worker";

const runner = await startDeliveryWorker(process.env.DATABASE_URL!, { pollInterval: 100, concurrency: 4 });
process.stdout.write("ready\n");
await runner.promise;
