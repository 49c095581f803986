import { handleCdr, handleCdrSince } from "@/lib/call-tracking";
import { guardRoute } from "@/lib/http/route-guard";
import { measured } from "@/lib/metrics";

export const dynamic = "force-dynamic";

export const GET = measured("/api/cdr", guardRoute(handleCdrSince));
export const POST = measured("/api/cdr", guardRoute(handleCdr));
