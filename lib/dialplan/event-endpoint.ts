import { jsonError, requestParams } from "@/lib/http/params";
import { log } from "@/lib/log";
import { eventParamsFrom, eventParamsSchema } from "@/lib/validations/dialplan";
import { EventRejected, ingestCallEvent } from "./event-ingest";
import { dialplanGate } from "./gate";

/** /api/event (guide 2.2.2): store first, answer in milliseconds; the CRM is reached by the delivery worker. */
export async function handleDialplanEvent(request: Request): Promise<Response> {
  const parsed = eventParamsSchema.safeParse(eventParamsFrom(await requestParams(request)));
  if (!parsed.success) return jsonError(400, parsed.error.issues[0]?.message ?? "invalid parameters");
  const params = parsed.data;
  const gate = await dialplanGate(params.clientId);
  if (!gate.ok) return jsonError(gate.status, gate.message);
  if (params.type === "upload") return jsonError(400, "type=upload needs the recording file in the request body");
  try {
    const { duplicate } = await ingestCallEvent(gate.account.id, { ...params, type: params.type });
    return Response.json({ success: true, duplicate });
  } catch (error) {
    if (error instanceof EventRejected) return jsonError(400, error.message);
    log.error({ accountId: gate.account.id, err: error }, "storing a dialplan event failed");
    return jsonError(503, "the event could not be stored; retry");
  }
}
