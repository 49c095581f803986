import { accountGate } from "@/lib/accounts";
import { jsonError, requestParams } from "@/lib/http/params";
import { makeCall, makeCallSchema } from "./make-call";

/** makeCallUrl: the CRM sends a manager's click here (GET or POST, query or form). */
export async function handleMakeCall(request: Request): Promise<Response> {
  const params = await requestParams(request);
  const gate = await accountGate(params.clientId, request, { enabled: true });
  if (!gate.ok) return jsonError(gate.status, gate.message);
  const parsed = makeCallSchema.safeParse(params);
  if (!parsed.success) return jsonError(400, parsed.error.issues[0]?.message ?? "invalid parameters");
  const outcome = await makeCall(gate.account.id, parsed.data);
  return Response.json(outcome.success ? { success: true } : outcome);
}
