import { handleUserStatus } from "@/lib/accounts/crm-callbacks";
import { guardRoute } from "@/lib/http/route-guard";

export const dynamic = "force-dynamic";

const handler = guardRoute(handleUserStatus);
export { handler as GET, handler as POST };
