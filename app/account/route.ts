import { handleCabinetLink } from "@/lib/auth";
import { guardRoute } from "@/lib/http/route-guard";
import { measured } from "@/lib/metrics";

const handler = measured("/account", guardRoute(handleCabinetLink));
export { handler as GET, handler as POST };
