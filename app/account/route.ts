import { handleCabinetLink } from "@/lib/accounts/cabinet-entry";
import { guardRoute } from "@/lib/http/route-guard";

const handler = guardRoute(handleCabinetLink);
export { handler as GET, handler as POST };
