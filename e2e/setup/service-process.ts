// The service in a process of its own, for tests that kill it or run several: the dialplan's and
// the CRM's routes over HTTP on SERVICE_PORT, the recordings' links, and the delivery worker, as
// the Next.js server runs them. "/__harness/rotate" stands for the cabinet's «Сменить clientId»
// (a server action, which needs the whole app) and calls the same function.
import * as activity from "../../app/api/crm/activity/route";
import * as userStatus from "../../app/api/crm/user-status/route";
import * as event from "../../app/api/event/route";
import * as manager from "../../app/api/manager/route";
import * as recording from "../../app/recordings/[id]/[sig]/route";
import { rotateClientId } from "../../lib/accounts";
import { startDeliveryWorker } from "../../lib/delivery";
import { FAST_DELIVERY } from "./delivery";
import { serveRoutes } from "./route-server";

const rotate = {
  async POST(request: Request) {
    const accountId = new URL(request.url).searchParams.get("accountId")!;
    return Response.json({ clientId: await rotateClientId(accountId) });
  },
};

const app = await serveRoutes(
  {
    "/api/event": event,
    "/api/manager": manager,
    "/api/crm/activity": activity,
    "/api/crm/user-status": userStatus,
    "/recordings/[id]/[sig]": recording,
    "/__harness/rotate": rotate,
  },
  Number(process.env.SERVICE_PORT ?? 0),
);
await startDeliveryWorker(process.env.DATABASE_URL!, { ...FAST_DELIVERY, concurrency: 4 });
process.stdout.write(`ready ${app.url}\n`);
