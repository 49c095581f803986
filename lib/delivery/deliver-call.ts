import type pg from "pg";
import { crmClientFor } from "@/lib/accounts/crm-client";
import { deliveryPool } from "@/lib/db/client";
import { log } from "@/lib/log";
import { RetailCrmError } from "@/lib/retailcrm/errors";
import { recordOutcome } from "./outcome";
import { owedRequestsById, owedRequestsOfCalls, type OwedRequest } from "./owed";

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
type UploadRequest = Extract<OwedRequest, { kind: "CALLS_UPLOAD" }>;

const CALL_ACCOUNT_SQL = `
  SELECT a."id", a."crmUrl", a."apiKeyEnc", a."clientId" FROM "calls" c JOIN "accounts" a ON a."id" = c."accountId" WHERE c."id" = $1`;

/** Only the oldest queued uploads are looked at (a bounded cost however long the backlog), and only those that go out are locked. */
const COMPANIONS_SQL = `
  SELECT d."id" FROM "deliveries" d
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
  delivery: UploadRequest,
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
    const companionIds = alone
      ? []
      : (
          await tx.query<{ id: number }>({
            name: "lock-companion-uploads",
            text: COMPANIONS_SQL,
            values: [account.id, delivery.id, COMPANION_CANDIDATES, UPLOAD_BATCH - 1],
          })
        ).rows.map((row) => row.id);
    // Built now, in the transaction that holds them: a recording that arrived meanwhile is linked.
    const batch = await owedRequestsById(tx, [delivery.id, ...companionIds], account.clientId);
    let response;
    try {
      response = await client.callsUpload(batch.map((d) => (d as UploadRequest).body));
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
  const { rows } = await deliveryPool().query<Account>({
    name: "account-of-call",
    text: CALL_ACCOUNT_SQL,
    values: [callId],
  });
  const account = rows[0];
  if (!account) return;
  const accountId = account.id;
  const deliveries = await owedRequestsOfCalls(deliveryPool(), [callId], account.clientId);
  // Every attempt of the client takes a slot of the account's shared limit; an attempt's time counts from it.
  let started = Date.now();
  const client = crmClientFor(account, () => (started = Date.now()));
  const startedAt = () => started;
  for (const delivery of deliveries) {
    started = Date.now();
    try {
      if (delivery.kind === "CALLS_UPLOAD") {
        if ((await sendWithCompanions(client, account, delivery, false, startedAt)) === "retry-alone")
          await sendWithCompanions(client, account, delivery, true, startedAt);
        continue;
      }
      const response = await client.callEvent(delivery.body);
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
