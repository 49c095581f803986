import { handleEventSh } from "@/lib/pbx-scripts";
import { guardRoute } from "@/lib/http/route-guard";
import { measured } from "@/lib/metrics";

export const dynamic = "force-dynamic";

export const GET = measured("/data/event.sh", guardRoute(handleEventSh));
