import { handleActivity } from "@/lib/accounts/crm-callbacks";
import { guardRoute } from "@/lib/http/route-guard";

export const POST = guardRoute(handleActivity);
