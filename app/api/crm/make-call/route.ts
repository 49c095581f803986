import { handleMakeCall } from "@/lib/click-to-call";
import { guardRoute } from "@/lib/http/route-guard";
import { measured } from "@/lib/metrics";

export const dynamic = "force-dynamic";

const handler = measured("/api/crm/make-call", guardRoute(handleMakeCall));
export { handler as GET, handler as POST };
