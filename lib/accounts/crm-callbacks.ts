// The requests retailCRM sends the service about an account: the marketplace's config and
// register, the module's activity, and managers' statuses. Route files only wire these.
import { decryptSecret } from "@/lib/crypto/secrets";
import { env } from "@/lib/env";
import { jsonError, requestParams } from "@/lib/http/params";
import { log } from "@/lib/log";
import { activitySchema, applyActivity } from "./activity";
import { connectAccount } from "./connect";
import { accountGate } from "./lookup";
import { connectionConfig, registerSchema, verifyRegisterToken } from "./marketplace";
import { cabinetUrl } from "./module";
import { applyUserStatus, userStatusSchema } from "./user-status";

const NO_MARKETPLACE = "Marketplace connection is not configured on this service";

/** GET /api/crm/config: what the marketplace shows before «Подключить». */
export async function handleConfig(): Promise<Response> {
  if (!env().MARKETPLACE_SECRET) return jsonError(503, NO_MARKETPLACE);
  return Response.json(connectionConfig());
}

/** POST /api/crm/register: «Подключить» in the marketplace, with the key and a token signed by our partner secret. */
export async function handleRegister(request: Request): Promise<Response> {
  const secret = env().MARKETPLACE_SECRET;
  if (!secret) return jsonError(503, NO_MARKETPLACE);
  const { register } = await requestParams(request);
  if (!register) return jsonError(400, "Parameter 'register' is missing");
  let parsed;
  try {
    parsed = registerSchema.safeParse(JSON.parse(register));
  } catch {
    return jsonError(400, "Parameter 'register' is not valid JSON");
  }
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? "")).filter(Boolean))];
    return jsonError(
      400,
      fields.length
        ? `Parameter 'register' is invalid: ${fields.join(", ")}`
        : "Parameter 'register' must be a JSON object",
    );
  }
  if (!verifyRegisterToken(parsed.data.apiKey, parsed.data.token, secret)) {
    log.warn({ systemUrl: parsed.data.systemUrl }, "marketplace register with a bad token");
    return jsonError(401, "Invalid token");
  }
  const account = await connectAccount({ crmUrl: parsed.data.systemUrl, apiKey: parsed.data.apiKey });
  return Response.json({ success: true, accountUrl: cabinetUrl(decryptSecret(account.cabinetTokenEnc!)) });
}

/** POST /api/crm/activity: the module switched on, off or frozen, maybe at a new address. */
export async function handleActivity(request: Request): Promise<Response> {
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
  const gate = await accountGate(clientId, request);
  if (!gate.ok) return jsonError(gate.status, gate.message);
  await applyActivity(gate.account.id, parsed.data, systemUrl);
  return Response.json({ success: true });
}

/** GET/POST /api/crm/user-status: a manager's status in the CRM (free, busy, dinner, break). */
export async function handleUserStatus(request: Request): Promise<Response> {
  const params = await requestParams(request);
  const gate = await accountGate(params.clientId, request);
  if (!gate.ok) return jsonError(gate.status, gate.message);
  const parsed = userStatusSchema.safeParse(params);
  if (!parsed.success) return jsonError(400, parsed.error.issues[0]?.message ?? "invalid parameters");
  await applyUserStatus(gate.account.id, parsed.data);
  return Response.json({ success: true });
}
