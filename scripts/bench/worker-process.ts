// A delivery worker process with the service's own settings (as the server starts it), for the
// scaling run. Prints "ready"; SIGTERM lets the running jobs finish before it exits.
import { startDeliveryWorker } from "@/lib/delivery/worker";

const runner = await startDeliveryWorker(process.env.DATABASE_URL!);
process.stdout.write("ready\n");
process.once("SIGTERM", () => void runner.stop().then(() => process.exit(0)));
await runner.promise;
