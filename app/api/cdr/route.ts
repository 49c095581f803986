import { handleCdr } from "@/lib/call-tracking";
import { guardRoute } from "@/lib/http/route-guard";
import { measured } from "@/lib/metrics";

export const dynamic = "force-dynamic";

export const POST = measured("/api/cdr", guardRoute(handleCdr));
