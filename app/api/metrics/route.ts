import { metricsAnswer } from "@/lib/metrics";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return metricsAnswer(request);
}
