import { findAccountByClientId } from "@/lib/accounts/lookup";
import { applyUserStatus, userStatusSchema } from "@/lib/accounts/user-status";
import { jsonError, requestParams } from "@/lib/http/params";
import { guardRoute } from "@/lib/http/route-guard";

export const dynamic = "force-dynamic";

async function handleUserStatus(request: Request) {
  const params = await requestParams(request);
  const account = await findAccountByClientId(params.clientId, request);
  if (!account) return jsonError(401, "unknown clientId");
  const parsed = userStatusSchema.safeParse(params);
  if (!parsed.success) return jsonError(400, parsed.error.issues[0]?.message ?? "invalid parameters");
  await applyUserStatus(account.id, parsed.data);
  return Response.json({ success: true });
}

const handler = guardRoute(handleUserStatus);
export { handler as GET, handler as POST };
