import type pg from "pg";
import { crmClientFor } from "@/lib/accounts/crm-client";
import { deliveryPool } from "@/lib/db/client";
import { recordingUrl } from "@/lib/recordings";
import { log } from "@/lib/log";
import { RetailCrmError } from "@/lib/retailcrm/errors";
import type { CallEventBody, CallUploadBody } from "@/lib/retailcrm/telephony";
import { recordOutcome } from "./outcome";

/** calls/upload as the outbox holds it: the body, and maybe the call whose recording is to come. */
type UploadPayload = CallUploadBody & { recordingOfCall?: number };

/**
 * A recording uploaded to us (type=upload) becomes the call's recordUrl unless the PBX gave its own
 * path; one the hangup announced (recording=upload) that has not arrived yet gets the call's link,
 * which plays it once it does: the CRM keeps the first calls/upload of a call and ignores repeats
 * (docs/dialplan-api.md, «type=upload»). recordingOfCall is ours and never sent.
 */
async function withRecordingLinks(
  tx: pg.PoolClient,
  payloads: UploadPayload[],
  accountId: string,
  clientId: string,
): Promise<CallUploadBody[]> {
  const unlinked = payloads.filter((payload) => !payload.recordUrl).map((payload) => payload.externalId);
  const { rows } = unlinked.length
    ? await tx.query<{ id: number; uniqueid: string }>({
        name: "recordings-of-calls",
        text: `SELECT "id", "uniqueid" FROM "recordings" WHERE "accountId" = $1::uuid AND "uniqueid" = ANY($2::text[]) ORDER BY "id"`,
        values: [accountId, unlinked],
      })
    : { rows: [] };
  // Ascending ids: the newest recording of a call is the one the map keeps.
  const newest = new Map(rows.map((recording) => [recording.uniqueid, recording.id]));
  return payloads.map(({ recordingOfCall, ...payload }) => {
    if (payload.recordUrl) return payload;
    const id = newest.get(payload.externalId);
    if (id !== undefined) return { ...payload, recordUrl: recordingUrl({ recordingId: id }, clientId) };
    return recordingOfCall ? { ...payload, recordUrl: recordingUrl({ callId: recordingOfCall }, clientId) } : payload;
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
type QueuedCall = { account: Account; deliveries: QueuedDelivery[] };

/** A call's account and its queued requests in the order they were stored, in one round trip. */
const QUEUED_CALL_SQL = `
  SELECT json_build_object('id', a."id", 'crmUrl', a."crmUrl", 'apiKeyEnc', a."apiKeyEnc", 'clientId', a."clientId") AS "account",
    COALESCE((SELECT json_agg(json_build_object('id', d."id", 'kind', d."kind", 'payload', d."payload") ORDER BY d."id")
      FROM "deliveries" d WHERE d."callId" = c."id" AND d."state" = 'QUEUED'), '[]') AS "deliveries"
  FROM "calls" c JOIN "accounts" a ON a."id" = c."accountId"
  WHERE c."id" = $1`;

/** Only the oldest queued uploads are looked at (a bounded cost however long the backlog), and only those that go out are locked. */
const COMPANIONS_SQL = `
  SELECT d."id", d."payload" FROM "deliveries" d
  WHERE d."id" IN (
      SELECT "id" FROM "deliveries"
      WHERE "accountId" = $1::uuid AND "state" = 'QUEUED' AND "kind" = 'CALLS_UPLOAD' AND "id" <> $2
      ORDER BY "id" LIMIT $3)
    AND d."state" = 'QUEUED'
    AND NOT EXISTS (SELECT 1 FROM "deliveries" e WHERE e."callId" = d."callId" AND e."state" = 'QUEUED' AND e."id" < d."id")
  ORDER BY d."id" LIMIT $4 FOR UPDATE OF d SKIP LOCKED`;

/** Runs `work` in a transaction on a connection of the delivery pool; a connection that failed is not reused. */
async function inTransaction<T>(work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const tx = await deliveryPool().connect();
  let broken: Error | undefined;
  try {
    await tx.query("BEGIN");
    const result = await work(tx);
    await tx.query("COMMIT");
    return result;
  } catch (error) {
    await tx.query("ROLLBACK").catch((failure: Error) => (broken = failure));
    throw error;
  } finally {
    tx.release(broken);
  }
}

/**
 * Under a backlog, other calls' uploads that are next in their own call's order ride along
 * (calls/upload takes up to 50). They are locked while sent, so no other worker sends them too.
 */
async function sendWithCompanions(
  client: ReturnType<typeof crmClientFor>,
  account: Account,
  delivery: QueuedDelivery,
  alone: boolean,
  startedAt: () => number,
) {
  return inTransaction(async (tx) => {
    // Waits while another worker sends it as a companion: then it is sent, or back in the queue if that failed.
    const mine = await tx.query({
      name: "lock-queued-delivery",
      text: `SELECT "id" FROM "deliveries" WHERE "id" = $1 AND "state" = 'QUEUED' FOR UPDATE`,
      values: [delivery.id],
    });
    // Locked, it can no longer ride along with another call's upload: the slot its request takes is used.
    if (mine.rowCount === 0) return "sent" as const;
    const companions = alone
      ? []
      : (
          await tx.query<QueuedDelivery>({
            name: "lock-companion-uploads",
            text: COMPANIONS_SQL,
            values: [account.id, delivery.id, COMPANION_CANDIDATES, UPLOAD_BATCH - 1],
          })
        ).rows;
    const batch = [delivery, ...companions];
    let response;
    try {
      response = await client.callsUpload(
        await withRecordingLinks(
          tx,
          batch.map((d) => d.payload as UploadPayload),
          account.id,
          account.clientId,
        ),
      );
    } catch (error) {
      // A batch the CRM refuses as a whole is sent again without companions, so that only the bad call fails.
      if (batch.length > 1 && error instanceof RetailCrmError && !error.retryable) return "retry-alone" as const;
      throw error;
    }
    await recordOutcome(
      tx,
      batch.map((d) => d.id),
      { durationMs: Date.now() - startedAt(), httpStatus: 200, response, state: "SENT" },
    );
    return "sent" as const;
  });
}

/**
 * Sends a call's queued CRM requests in the order they were stored. A permanent refusal (4xx)
 * marks that request failed with the CRM's errorMsg and moves on; a temporary one (503, 5xx,
 * timeout, network) stops here and throws so the queue retries later with backoff.
 */
export async function deliverCall(callId: number): Promise<void> {
  const { rows } = await deliveryPool().query<QueuedCall>({
    name: "queued-call",
    text: QUEUED_CALL_SQL,
    values: [callId],
  });
  const call = rows[0];
  if (!call) return;
  const accountId = call.account.id;
  // Every attempt of the client takes a slot of the account's shared limit; an attempt's time counts from it.
  let started = Date.now();
  const client = crmClientFor(call.account, () => (started = Date.now()));
  const startedAt = () => started;
  for (const delivery of call.deliveries) {
    started = Date.now();
    try {
      if (delivery.kind === "CALLS_UPLOAD") {
        if ((await sendWithCompanions(client, call.account, delivery, false, startedAt)) === "retry-alone")
          await sendWithCompanions(client, call.account, delivery, true, startedAt);
        continue;
      }
      const response = await client.callEvent(delivery.payload as CallEventBody);
      await recordOutcome(deliveryPool(), [delivery.id], {
        durationMs: Date.now() - started,
        httpStatus: 200,
        response,
        state: "SENT",
      });
    } catch (error) {
      const { httpStatus, message } = describe(error);
      const retry = !(error instanceof RetailCrmError) || error.retryable;
      await recordOutcome(deliveryPool(), [delivery.id], {
        durationMs: Date.now() - started,
        httpStatus,
        error: message,
        ...(retry ? {} : { state: "FAILED" as const }),
      });
      if (retry) throw new RetryLater(`delivery ${delivery.id} of call ${callId}: ${message}`);
      log.warn(
        { accountId, deliveryId: delivery.id, httpStatus, errorMsg: message },
        "the CRM refused a request; not retrying",
      );
    }
  }
}
