import { handleMakeCall } from "@/lib/click-to-call/endpoint";
import { guardRoute } from "@/lib/http/route-guard";

export const dynamic = "force-dynamic";

const handler = guardRoute(handleMakeCall);
export { handler as GET, handler as POST };
