import { findAccountByClientId, isModuleEnabled } from "@/lib/accounts/lookup";
import { requestParams } from "@/lib/http/params";
import { makeCall, makeCallSchema } from "./make-call";

/** makeCallUrl: the CRM sends a manager's click here (GET or POST, query or form). */
export async function handleMakeCall(request: Request): Promise<Response> {
  const params = await requestParams(request);
  const account = await findAccountByClientId(params.clientId, request);
  if (!account) return Response.json({ success: false, errorMsg: "unknown clientId" }, { status: 401 });
  if (!isModuleEnabled(account))
    return Response.json({ success: false, errorMsg: "Модуль Asterisk отключён в retailCRM" }, { status: 403 });
  const parsed = makeCallSchema.safeParse(params);
  if (!parsed.success)
    return Response.json(
      { success: false, errorMsg: parsed.error.issues[0]?.message ?? "invalid parameters" },
      { status: 400 },
    );
  const outcome = await makeCall(account.id, parsed.data);
  return Response.json(outcome.success ? { success: true } : outcome);
}
