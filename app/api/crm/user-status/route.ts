import { handleUserStatus } from "@/lib/accounts";
import { guardRoute } from "@/lib/http/route-guard";
import { measured } from "@/lib/metrics";

export const dynamic = "force-dynamic";

const handler = measured("/api/crm/user-status", guardRoute(handleUserStatus));
export { handler as GET, handler as POST };
