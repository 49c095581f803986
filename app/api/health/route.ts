import { checkHealth } from "@/lib/health";
import { measured } from "@/lib/metrics";

export const dynamic = "force-dynamic";

export const GET = measured("/api/health", async () => {
  const health = await checkHealth();
  return Response.json(health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "cache-control": "no-store" },
  });
});
