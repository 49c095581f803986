import type pg from "pg";
import { StatementBatcher } from "@/lib/db/statement-batcher";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import { log } from "@/lib/log";

/** What became of one attempt at a request (or at one calls/upload carrying several). */
export interface Outcome {
  deliveryIds: number[];
  durationMs: number;
  httpStatus: number | null;
  response?: unknown;
  error?: string;
  /** SENT or FAILED for good; none leaves them queued, not to be tried again for `retryInMs`. */
  state?: "SENT" | "FAILED";
  retryInMs?: number;
}

/**
 * Every outcome of a batch in one statement: an attempt row per request, and its new state. A
 * temporary failure counts on the request and sets when it may be tried again.
 */
const OUTCOME_SQL = `
  WITH input AS (
    SELECT i.*, unnest(i."ids") AS "id" FROM jsonb_to_recordset($1::jsonb) AS i("ids" int[], "durationMs" int,
      "httpStatus" int, "error" text, "response" jsonb, "state" "DeliveryState", "retryInMs" int)
  ), attempt AS (
    INSERT INTO "delivery_attempts" ("deliveryId", "durationMs", "httpStatus", "error", "response")
    SELECT "id", "durationMs", "httpStatus", "error", "response" FROM input
  )
  UPDATE "deliveries" d SET "state" = COALESCE(i."state", d."state"), "lastError" = i."error",
    "failures" = d."failures" + CASE WHEN i."state" IS NULL THEN 1 ELSE 0 END,
    "notBefore" = CASE WHEN i."retryInMs" IS NULL THEN NULL ELSE now() + i."retryInMs" * interval '1 millisecond' END,
    "updatedAt" = now()
  FROM input i
  -- By the primary key: joined on the input alone, the planner would read the whole table.
  WHERE d."id" = ANY($2::int[]) AND d."id" = i."id" AND d."state" = 'QUEUED'`;

const MAX_DELAY_MS = 5_000;

/**
 * Writes outcomes as they come, many to a statement. A write the database could not take is
 * tried again until it can: the lane keeps those calls to itself meanwhile, so that nothing is
 * sent again while its outcome is unknown to the others.
 */
export class OutcomeWriter {
  private readonly batcher: StatementBatcher<Outcome, void>;

  constructor(private readonly pool: pg.Pool) {
    this.batcher = new StatementBatcher<Outcome, void>({
      run: (outcomes) => this.write(outcomes),
      keyOf: (outcome) => String(outcome.deliveryIds[0]),
      maxBatch: 200,
      maxInFlight: 1,
      failsAll: isDatabaseUnavailable,
      // Nobody waits on these but the call's next request: a few ms buy larger statements.
      lingerMs: 10,
    });
  }

  async record(outcome: Outcome): Promise<void> {
    for (let delay = 100; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
      try {
        return await this.batcher.submit(outcome);
      } catch (error) {
        log.warn({ err: error, retryInMs: delay }, "recording a delivery's outcome failed; trying again");
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async write(outcomes: Outcome[]): Promise<void[]> {
    const rows = outcomes.map((o) => ({
      ids: o.deliveryIds,
      durationMs: o.durationMs,
      httpStatus: o.httpStatus,
      error: o.error ?? null,
      response: o.response ?? null,
      state: o.state ?? null,
      retryInMs: o.state ? null : (o.retryInMs ?? 0),
    }));
    await this.pool.query({
      name: "record-delivery-outcomes",
      text: OUTCOME_SQL,
      values: [JSON.stringify(rows), outcomes.flatMap((o) => o.deliveryIds)],
    });
    return outcomes.map(() => undefined);
  }
}
