import { accountGate } from "@/lib/accounts/lookup";
import { readBoundedBody } from "@/lib/http/body";
import { jsonError } from "@/lib/http/params";
import { recoverFromCdr } from "./cdr";

/** At most this much CDR in one request: the script posts what is new since its last run. */
const CDR_MAX_BYTES = 1024 * 1024;

/**
 * POST /api/cdr?clientId=… (docs/ami-events.md, «Пропуски»): new lines of the PBX's Master.csv,
 * as the CDR script of the «API» tab posts them. Answers what became of them.
 */
export async function handleCdr(request: Request): Promise<Response> {
  const clientId = new URL(request.url).searchParams.get("clientId");
  const gate = await accountGate(clientId, request, { enabled: true });
  if (!gate.ok) return jsonError(gate.status, gate.message);
  const body = (await readBoundedBody(request, CDR_MAX_BYTES)).toString("utf8");
  const outcome = await recoverFromCdr(gate.account.id, gate.account.clientId, body);
  return Response.json({ success: true, ...outcome });
}
