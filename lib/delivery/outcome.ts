import type { Prisma } from "@/lib/generated/prisma/client";

export interface Outcome {
  durationMs: number;
  httpStatus: number | null;
  response?: unknown;
  error?: string;
  /** The deliveries' new state; none leaves them queued for a retry. */
  state?: "SENT" | "FAILED";
}

/** Writes one attempt per delivery and their new state in a single statement (atomic, one round trip). */
export async function recordOutcome(client: Prisma.TransactionClient, deliveryIds: number[], outcome: Outcome): Promise<void> {
  const response = outcome.response === undefined ? null : JSON.stringify(outcome.response);
  const error = outcome.error ?? null;
  await client.$executeRaw`
    WITH attempt AS (
      INSERT INTO "delivery_attempts" ("deliveryId", "durationMs", "httpStatus", "error", "response")
      SELECT id, ${outcome.durationMs}::int, ${outcome.httpStatus}::int, ${error}::text, ${response}::jsonb FROM unnest(${deliveryIds}::int[]) AS id
    )
    UPDATE "deliveries" SET "state" = COALESCE(${outcome.state ?? null}::text::"DeliveryState", "state"), "lastError" = ${error}::text, "updatedAt" = now()
    WHERE "id" = ANY(${deliveryIds}::int[])`;
}
