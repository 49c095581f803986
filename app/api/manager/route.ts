import { dialplanManagerAnswer } from "@/lib/dialplan/manager-endpoint";
import { measured } from "@/lib/metrics";

export const dynamic = "force-dynamic";

export const GET = measured("/api/manager", dialplanManagerAnswer);
