// The service in a process of its own, for tests that kill it: the dialplan's routes over HTTP
// on SERVICE_PORT plus the delivery worker, as the Next.js server runs them.
import * as event from "../../app/api/event/route";
import * as manager from "../../app/api/manager/route";
import { startDeliveryWorker } from "../../lib/delivery/worker";
import { serveRoutes } from "./route-server";
import { FAST_DELIVERY } from "./delivery";

const app = await serveRoutes({ "/api/event": event, "/api/manager": manager }, Number(process.env.SERVICE_PORT ?? 0));
await startDeliveryWorker(process.env.DATABASE_URL!, { ...FAST_DELIVERY, concurrency: 4 });
process.stdout.write(`ready ${app.url}\n`);
