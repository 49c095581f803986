import { handleCdr } from "@/lib/call-tracking";
import { guardRoute } from "@/lib/http/route-guard";

export const dynamic = "force-dynamic";

export const POST = guardRoute(handleCdr);
