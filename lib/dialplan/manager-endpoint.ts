import { accountGate } from "@/lib/accounts";
import { refusalOf } from "@/lib/http/refusal";
import { log } from "@/lib/log";
import { dialplanError, managerReply, type ReplyType } from "@/lib/telephony/dialplan-reply";
import { managerQuerySchema } from "@/lib/validations/dialplan";
import { answerCaller, type CallerFor } from "./caller-answer";
import { EMPTY_ANSWER } from "./caller-lookup";

function errorResponse(status: number, message: string, type: ReplyType, retryAfterSeconds?: number): Response {
  const reply = dialplanError(message, type);
  const headers = new Headers({ "content-type": reply.contentType, "cache-control": "no-store", ...reply.headers });
  if (retryAfterSeconds) headers.set("retry-after", String(retryAfterSeconds));
  return new Response(reply.body, { status, headers });
}

/**
 * /api/manager (docs/dialplan-api.md): the caller's name for CallerID(name) and the responsible
 * manager's extension. The caller is on hold meanwhile, so nothing here may make them wait
 * beyond the account's budget, and a CRM in trouble never turns into a 5xx.
 */
export async function dialplanManagerAnswer(request: Request): Promise<Response> {
  const arrived = performance.now();
  const query = new URL(request.url).searchParams;
  // A repeated parameter counts with its last value, for the reply format as for everything else.
  const params = Object.fromEntries(query);
  const type: ReplyType = params.type === "text" ? "text" : "json";
  const parsed = managerQuerySchema.safeParse(params);
  if (!parsed.success) return errorResponse(400, parsed.error.issues[0]?.message ?? "invalid parameters", type);
  let gate;
  try {
    gate = await accountGate(parsed.data.clientId, request, { enabled: true, recent: true });
  } catch (error) {
    const refusal = refusalOf(error);
    if (!refusal) throw error;
    return errorResponse(refusal.status, refusal.message, type, refusal.retryAfterSeconds);
  }
  if (!gate.ok) return errorResponse(gate.status, gate.message, type);

  let answer: CallerFor = EMPTY_ANSWER;
  try {
    answer = await answerCaller(gate.account, parsed.data.phone, parsed.data.externalPhone, arrived);
  } catch (error) {
    log.error({ accountId: gate.account.id, err: error }, "caller lookup failed; answering empty");
  }
  const reply = managerReply(answer, parsed.data.type, answer.chain);
  return new Response(reply.body, { headers: { "content-type": reply.contentType, "cache-control": "no-store" } });
}
