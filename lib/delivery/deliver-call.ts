import { crmClientFor } from "@/lib/accounts/crm-client";
import { deliveryDb } from "@/lib/db/client";
import { recordingUrl } from "@/lib/dialplan/recording-upload";
import { log } from "@/lib/log";
import { RetailCrmError } from "@/lib/retailcrm/errors";
import { recordOutcome } from "./outcome";
import { CRM_RATES, waitForSlot } from "./rate-limit";

type UploadPayload = { externalId: string; recordUrl?: string } & Record<string, unknown>;

/** A recording uploaded to us (type=upload) becomes the call's recordUrl unless the PBX gave its own path. */
async function withRecordingLinks(payloads: UploadPayload[], accountId: string, clientId: string): Promise<UploadPayload[]> {
  const unlinked = payloads.filter((payload) => !payload.recordUrl).map((payload) => payload.externalId);
  if (unlinked.length === 0) return payloads;
  const recordings = await deliveryDb().recording.findMany({ where: { accountId, uniqueid: { in: unlinked } }, orderBy: { id: "asc" }, select: { id: true, uniqueid: true } });
  // Ascending ids: the newest recording of a call is the one the map keeps.
  const newest = new Map(recordings.map((recording) => [recording.uniqueid, recording.id]));
  return payloads.map((payload) => {
    const id = payload.recordUrl ? undefined : newest.get(payload.externalId);
    return id === undefined ? payload : { ...payload, recordUrl: recordingUrl(id, clientId) };
  });
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
const COMPANION_CANDIDATES = 4 * UPLOAD_BATCH;

type Account = { id: string; crmUrl: string; apiKeyEnc: string; clientId: string };
type QueuedDelivery = { id: number; kind: string; payload: unknown };

/**
 * Under a backlog, other calls' uploads that are next in their own call's order ride along
 * (calls/upload takes up to 50). They are locked while sent, so no other worker sends them too.
 */
async function sendWithCompanions(client: ReturnType<typeof crmClientFor>, account: Account, delivery: QueuedDelivery, alone: boolean, takeSlot: () => Promise<void>) {
  return deliveryDb().$transaction(
    async (tx) => {
      // Waits while another worker sends it as a companion: then it is sent, or back in the queue if that failed.
      const mine = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM "deliveries" WHERE id = ${delivery.id} AND state = 'QUEUED' FOR UPDATE`;
      if (mine.length === 0) return "sent" as const;
      // Locked, it can no longer ride along with another call's upload: the slot taken now is used.
      await takeSlot();
      // Only the oldest queued uploads are looked at (a bounded cost however long the backlog),
      // and only those that go out are locked.
      const companions = alone
        ? []
        : await tx.$queryRaw<{ id: number; payload: unknown }[]>`
            SELECT d.id, d.payload FROM "deliveries" d
            WHERE d.id IN (
                SELECT id FROM "deliveries"
                WHERE "accountId" = ${account.id}::uuid AND state = 'QUEUED' AND kind = 'CALLS_UPLOAD' AND id <> ${delivery.id}
                ORDER BY id LIMIT ${COMPANION_CANDIDATES})
              AND d.state = 'QUEUED'
              AND NOT EXISTS (SELECT 1 FROM "deliveries" e WHERE e."callId" = d."callId" AND e.state = 'QUEUED' AND e.id < d.id)
            ORDER BY d.id LIMIT ${UPLOAD_BATCH - 1} FOR UPDATE OF d SKIP LOCKED`;
      const batch = [delivery, ...companions];
      const started = Date.now();
      let response;
      try {
        response = await client.callsUpload(await withRecordingLinks(batch.map((d) => d.payload as UploadPayload), account.id, account.clientId));
      } catch (error) {
        // A batch the CRM refuses as a whole is sent again without companions, so that only the bad call fails.
        if (batch.length > 1 && error instanceof RetailCrmError && !error.retryable) return "retry-alone" as const;
        throw error;
      }
      await recordOutcome(tx, batch.map((d) => d.id), { durationMs: Date.now() - started, httpStatus: 200, response, state: "SENT" });
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
  const call = await deliveryDb().call.findUnique({ where: { id: callId }, include: { account: true, deliveries: { where: { state: "QUEUED" }, orderBy: { id: "asc" } } } });
  if (!call) return;
  const client = crmClientFor(call.account);
  for (const delivery of call.deliveries) {
    let started = Date.now();
    const takeSlot = async () => {
      await waitForSlot(`crm:${call.accountId}:telephony`, CRM_RATES.telephony);
      started = Date.now();
    };
    try {
      if (delivery.kind === "CALLS_UPLOAD") {
        if ((await sendWithCompanions(client, call.account, delivery, false, takeSlot)) === "retry-alone") await sendWithCompanions(client, call.account, delivery, true, takeSlot);
        continue;
      }
      await takeSlot();
      const response = await client.callEvent(delivery.payload as object);
      await recordOutcome(deliveryDb(), [delivery.id], { durationMs: Date.now() - started, httpStatus: 200, response, state: "SENT" });
    } catch (error) {
      const { httpStatus, message } = describe(error);
      const retry = !(error instanceof RetailCrmError) || error.retryable;
      await recordOutcome(deliveryDb(), [delivery.id], { durationMs: Date.now() - started, httpStatus, error: message, ...(retry ? {} : { state: "FAILED" as const }) });
      if (retry) throw new RetryLater(`delivery ${delivery.id} of call ${callId}: ${message}`);
      log.warn({ accountId: call.accountId, deliveryId: delivery.id, httpStatus, errorMsg: message }, "the CRM refused a request; not retrying");
    }
  }
}
