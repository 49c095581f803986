// Liveness: the process answers HTTP. No database, so an orchestrator never restarts a healthy
// instance because PostgreSQL is slow (that is /api/health's job). The benchmarks' reference
// "trivial route handler" too (scripts/bench).
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
