import { accountGate, recentAsteriskSettings } from "@/lib/accounts";
import { callOfRecordingFile, receiveRecording } from "@/lib/recordings";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import { jsonError, requestParams } from "@/lib/http/params";
import { Refusal } from "@/lib/http/refusal";
import { log } from "@/lib/log";
import { readEventParams } from "@/lib/validations/dialplan";
import { ingestCallEvent } from "@/lib/calls";

/**
 * An upload that names the recording's file instead of the call (cdr-sync.sh in AMI mode): the
 * call the file was seen in (docs/ami-events.md). 404 while none is known, which the script retries.
 */
async function uniqueidOfFile(
  clientId: string | undefined,
  file: string,
  request: Request,
): Promise<string | Response> {
  if (file.length === 0 || file.length > 1024 || /[\u0000-\u001f\u007f]/.test(file))
    return jsonError(
      400,
      "parameter file must be the path MixMonitor wrote (1 to 1024 characters, no control characters)",
    );
  const gate = await accountGate(clientId, request, { enabled: true, recent: true });
  if (!gate.ok) return jsonError(gate.status, gate.message);
  const uniqueid = await callOfRecordingFile(gate.account.id, file);
  if (!uniqueid)
    throw new Refusal(
      "unknown_call",
      "no call recorded to this file is known (yet): send it again once the call has ended",
    );
  return uniqueid;
}

/** /api/event (docs/dialplan-api.md): store first, answer in milliseconds; the CRM is reached by the delivery worker. */
export async function handleDialplanEvent(request: Request): Promise<Response> {
  const isUpload = new URL(request.url).searchParams.getAll("type").at(-1) === "upload";
  // An upload's body is the recording itself: its parameters come from the query string only.
  const raw = isUpload ? Object.fromEntries(new URL(request.url).searchParams) : await requestParams(request);
  if (isUpload && raw.file !== undefined && !raw.uniqueid) {
    const found = await uniqueidOfFile(raw.clientId, raw.file, request);
    if (found instanceof Response) return found;
    raw.uniqueid = found;
  }
  const read = readEventParams(raw);
  if (!read.ok) return jsonError(400, read.message);
  const { params } = read;
  const gate = await accountGate(params.clientId, request, { enabled: true, recent: true });
  if (!gate.ok) return jsonError(gate.status, gate.message);
  try {
    if (params.type === "upload")
      return Response.json({ success: true, ...(await receiveRecording(gate.account.id, params.uniqueid, request)) });
    // Calls come from AMI events for this account: what a dialplan still reports would be a second copy.
    if ((await recentAsteriskSettings(gate.account.id))?.eventSource === "AMI")
      return Response.json({ success: true, duplicate: false, ignored: "call events come from AMI for this account" });
    const { duplicate, warnings } = await ingestCallEvent(
      gate.account.id,
      { ...params, type: params.type },
      { warnings: read.warnings },
    );
    return Response.json({
      success: true,
      duplicate,
      ...(warnings.length ? { warnings: warnings.map((w) => w.message) } : {}),
    });
  } catch (error) {
    // The route's guard answers refusals, a database outage among them (503 with Retry-After).
    if (error instanceof Refusal || isDatabaseUnavailable(error)) throw error;
    log.error({ accountId: gate.account.id, err: error }, "storing a dialplan event failed");
    return jsonError(503, "the event could not be stored; retry");
  }
}
