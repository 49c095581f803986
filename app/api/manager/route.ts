import { dialplanManagerAnswer } from "@/lib/dialplan";
import { measured } from "@/lib/metrics";

export const dynamic = "force-dynamic";

export const GET = measured("/api/manager", dialplanManagerAnswer);
