import { dialplanManagerAnswer } from "@/lib/dialplan/manager-endpoint";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return dialplanManagerAnswer(request);
}
