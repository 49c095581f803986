import { handleDialplanEvent } from "@/lib/dialplan/event-endpoint";
import { guardRoute } from "@/lib/http/route-guard";

export const dynamic = "force-dynamic";

const handler = guardRoute(handleDialplanEvent);
export { handler as GET, handler as POST };
