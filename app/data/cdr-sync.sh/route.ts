import { handleCdrSyncSh } from "@/lib/agi/event-sh";
import { guardRoute } from "@/lib/http/route-guard";

export const dynamic = "force-dynamic";

export const GET = guardRoute(handleCdrSyncSh);
