import { handleDialplanEvent } from "@/lib/dialplan";
import { guardRoute } from "@/lib/http/route-guard";
import { measured } from "@/lib/metrics";

export const dynamic = "force-dynamic";

const handler = measured("/api/event", guardRoute(handleDialplanEvent));
export { handler as GET, handler as POST };
