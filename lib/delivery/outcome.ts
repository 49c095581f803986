import type pg from "pg";

export interface Outcome {
  durationMs: number;
  httpStatus: number | null;
  response?: unknown;
  error?: string;
  /** The deliveries' new state; none leaves them queued for a retry. */
  state?: "SENT" | "FAILED";
}

const OUTCOME_SQL = `
  WITH attempt AS (
    INSERT INTO "delivery_attempts" ("deliveryId", "durationMs", "httpStatus", "error", "response")
    SELECT id, $2::int, $3::int, $4::text, $5::jsonb FROM unnest($1::int[]) AS id
  )
  UPDATE "deliveries" SET "state" = COALESCE($6::text::"DeliveryState", "state"), "lastError" = $4::text, "updatedAt" = now()
  WHERE "id" = ANY($1::int[])`;

/** Writes one attempt per delivery and their new state in a single statement (atomic, one round trip). */
export async function recordOutcome(
  client: pg.Pool | pg.PoolClient,
  deliveryIds: number[],
  outcome: Outcome,
): Promise<void> {
  const response = outcome.response === undefined ? null : JSON.stringify(outcome.response);
  await client.query({
    name: "record-delivery-outcome",
    text: OUTCOME_SQL,
    values: [
      deliveryIds,
      outcome.durationMs,
      outcome.httpStatus,
      outcome.error ?? null,
      response,
      outcome.state ?? null,
    ],
  });
}
