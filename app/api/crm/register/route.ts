import { handleRegister } from "@/lib/accounts";
import { guardRoute } from "@/lib/http/route-guard";
import { measured } from "@/lib/metrics";

export const POST = measured("/api/crm/register", guardRoute(handleRegister));
