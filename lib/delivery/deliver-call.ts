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

const UPLOAD_BATCH = 50;

type Account = { id: string; crmUrl: string; apiKeyEnc: string; clientId: string };
type QueuedDelivery = { id: number; kind: string; payload: unknown };

/**
 * Under a backlog, other calls' uploads that are next in their own call's order ride along
 * (calls/upload takes up to 50). They are locked while sent, so no other worker sends them too.
 */
async function sendWithCompanions(client: ReturnType<typeof crmClientFor>, account: Account, delivery: QueuedDelivery, alone: boolean) {
  return db().$transaction(
    async (tx) => {
      const mine = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM "deliveries" WHERE id = ${delivery.id} AND state = 'QUEUED' FOR UPDATE SKIP LOCKED`;
      if (mine.length === 0) return "sent" as const;
      const companions = alone
        ? []
        : await tx.$queryRaw<{ id: number; payload: unknown }[]>`
            SELECT d.id, d.payload FROM "deliveries" d
            WHERE d."accountId" = ${account.id}::uuid AND d.state = 'QUEUED' AND d.kind = 'CALLS_UPLOAD' AND d.id <> ${delivery.id}
              AND NOT EXISTS (SELECT 1 FROM "deliveries" e WHERE e."callId" = d."callId" AND e.state = 'QUEUED' AND e.id < d.id)
            ORDER BY d.id LIMIT ${UPLOAD_BATCH - 1} FOR UPDATE SKIP LOCKED`;
      const batch = [delivery, ...companions];
      const started = Date.now();
      let response;
      try {
        response = await client.callsUpload(await Promise.all(batch.map((d) => withRecordingLink(d.payload as UploadPayload, account.id, account.clientId))));
      } catch (error) {
        // A batch the CRM refuses as a whole is sent again without companions, so that only the bad call fails.
        if (batch.length > 1 && error instanceof RetailCrmError && !error.retryable) return "retry-alone" as const;
        throw error;
      }
      const ids = batch.map((d) => d.id);
      await tx.deliveryAttempt.createMany({ data: ids.map((deliveryId) => ({ deliveryId, durationMs: Date.now() - started, httpStatus: 200, response: response as object })) });
      await tx.delivery.updateMany({ where: { id: { in: ids } }, data: { state: "SENT", lastError: null } });
      return "sent" as const;
    },
    { timeout: 60_000 },
  );
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
    const current = await db().delivery.findUnique({ where: { id: delivery.id }, select: { state: true } });
    if (current?.state !== "QUEUED") continue;
    await waitForSlot(`crm:${call.accountId}:telephony`, CRM_RATES.telephony);
    const started = Date.now();
    try {
      if (delivery.kind === "CALLS_UPLOAD") {
        if ((await sendWithCompanions(client, call.account, delivery, false)) === "retry-alone") await sendWithCompanions(client, call.account, delivery, true);
        continue;
      }
      const response = await client.callEvent(delivery.payload as object);
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
