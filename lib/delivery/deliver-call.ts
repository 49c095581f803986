import { crmClientFor } from "@/lib/accounts/crm-client";
import { db } from "@/lib/db/client";
import { recordingUrl } from "@/lib/dialplan/recording-upload";
import { log } from "@/lib/log";
import { RetailCrmError } from "@/lib/retailcrm/errors";
import { CRM_RATES, waitForSlot } from "./rate-limit";

type UploadPayload = { externalId: string; recordUrl?: string } & Record<string, unknown>;

/** A recording uploaded to us (type=upload) becomes the call's recordUrl unless the PBX gave its own path. */
async function withRecordingLink(payload: UploadPayload, accountId: string, clientId: string): Promise<UploadPayload> {
  if (payload.recordUrl) return payload;
  const recording = await db().recording.findFirst({ where: { accountId, uniqueid: payload.externalId }, orderBy: { id: "desc" }, select: { id: true } });
  return recording ? { ...payload, recordUrl: recordingUrl(recording.id, clientId) } : payload;
}

export class RetryLater extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RetryLater";
  }
}

function describe(error: unknown): { httpStatus: number | null; message: string } {
  if (error instanceof RetailCrmError) return { httpStatus: error.status ?? null, message: error.message };
  return { httpStatus: null, message: error instanceof Error ? error.message : String(error) };
}

/**
 * Sends a call's queued CRM requests in the order they were stored. A permanent refusal (4xx)
 * marks that request failed with the CRM's errorMsg and moves on; a temporary one (503, 5xx,
 * timeout, network) stops here and throws so the queue retries later with backoff.
 */
export async function deliverCall(callId: number): Promise<void> {
  const call = await db().call.findUnique({ where: { id: callId }, include: { account: true } });
  if (!call) return;
  const client = crmClientFor(call.account);
  const deliveries = await db().delivery.findMany({ where: { callId, state: "QUEUED" }, orderBy: { id: "asc" } });
  for (const delivery of deliveries) {
    await waitForSlot(`crm:${call.accountId}:telephony`, CRM_RATES.telephony);
    const started = Date.now();
    try {
      const response =
        delivery.kind === "CALLS_UPLOAD"
          ? await client.callsUpload([await withRecordingLink(delivery.payload as UploadPayload, call.accountId, call.account.clientId)])
          : await client.callEvent(delivery.payload as object);
      await db().$transaction([
        db().deliveryAttempt.create({ data: { deliveryId: delivery.id, durationMs: Date.now() - started, httpStatus: 200, response: response as object } }),
        db().delivery.update({ where: { id: delivery.id }, data: { state: "SENT", lastError: null } }),
      ]);
    } catch (error) {
      const { httpStatus, message } = describe(error);
      const retry = !(error instanceof RetailCrmError) || error.retryable;
      await db().$transaction([
        db().deliveryAttempt.create({ data: { deliveryId: delivery.id, durationMs: Date.now() - started, httpStatus, error: message } }),
        db().delivery.update({ where: { id: delivery.id }, data: retry ? { lastError: message } : { state: "FAILED", lastError: message } }),
      ]);
      if (retry) throw new RetryLater(`delivery ${delivery.id} of call ${callId}: ${message}`);
      log.warn({ accountId: call.accountId, deliveryId: delivery.id, httpStatus, errorMsg: message }, "the CRM refused a request; not retrying");
    }
  }
}
