import { connectionConfig } from "@/lib/accounts/marketplace";
import { env } from "@/lib/env";
import { jsonError } from "@/lib/http/params";

export const dynamic = "force-dynamic";

export function GET() {
  if (!env().MARKETPLACE_SECRET) return jsonError(503, "Marketplace connection is not configured on this service");
  return Response.json(connectionConfig());
}
