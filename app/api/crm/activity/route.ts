import { activitySchema, applyActivity, SystemUrlTaken, SystemUrlUnconfirmed } from "@/lib/accounts/activity";
import { findAccountByClientId } from "@/lib/accounts/lookup";
import { jsonError, requestParams } from "@/lib/http/params";
import { guardRoute } from "@/lib/http/route-guard";

async function handleActivity(request: Request) {
  const { clientId, activity, systemUrl } = await requestParams(request);
  if (!clientId) return jsonError(400, "Parameter 'clientId' is missing");
  if (!activity) return jsonError(400, "Parameter 'activity' is missing");
  let parsed;
  try {
    parsed = activitySchema.safeParse(JSON.parse(activity));
  } catch {
    return jsonError(400, "Parameter 'activity' is not valid JSON");
  }
  if (!parsed.success) return jsonError(400, 'Parameter \'activity\' must be {"active": bool, "freeze": bool}');
  const account = await findAccountByClientId(clientId, request);
  if (!account) return jsonError(401, "Unknown clientId");
  try {
    await applyActivity(account.id, parsed.data, systemUrl);
  } catch (error) {
    if (error instanceof SystemUrlTaken) return jsonError(409, error.message);
    if (error instanceof SystemUrlUnconfirmed) return jsonError(403, error.message);
    throw error;
  }
  return Response.json({ success: true });
}

export const POST = guardRoute(handleActivity);
