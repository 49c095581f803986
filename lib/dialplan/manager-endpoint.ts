import { db } from "@/lib/db/client";
import { log } from "@/lib/log";
import { dialplanError, managerReply, type ReplyType } from "@/lib/telephony/dialplan-reply";
import { managerQuerySchema } from "@/lib/validations/dialplan";
import { DEFAULT_LOOKUP_SETTINGS, EMPTY_ANSWER, lookupCaller } from "./caller-lookup";
import { dialplanGate } from "./gate";

function errorResponse(status: number, message: string, type: ReplyType): Response {
  const reply = dialplanError(message, type);
  return new Response(reply.body, { status, headers: { "content-type": reply.contentType, ...reply.headers } });
}

/**
 * /api/manager (guide 2.2.1): the caller's name for CallerID(name) and the responsible
 * manager's extension. The caller is on hold meanwhile, so nothing here may make them wait
 * beyond the account's budget, and a CRM in trouble never turns into a 5xx.
 */
export async function dialplanManagerAnswer(query: URLSearchParams): Promise<Response> {
  const type: ReplyType = query.get("type") === "text" ? "text" : "json";
  const parsed = managerQuerySchema.safeParse(Object.fromEntries(query));
  if (!parsed.success) return errorResponse(400, parsed.error.issues[0]?.message ?? "invalid parameters", type);
  const gate = await dialplanGate(parsed.data.clientId);
  if (!gate.ok) return errorResponse(gate.status, gate.message, type);

  let answer = EMPTY_ANSWER;
  try {
    const settings = (await db().asteriskSettings.findUnique({ where: { accountId: gate.account.id } })) ?? DEFAULT_LOOKUP_SETTINGS;
    answer = await lookupCaller(gate.account, settings, parsed.data.phone);
  } catch (error) {
    log.error({ accountId: gate.account.id, err: error }, "caller lookup failed; answering empty");
  }
  const reply = managerReply(answer, parsed.data.type);
  return new Response(reply.body, { headers: { "content-type": reply.contentType, "cache-control": "no-store" } });
}
