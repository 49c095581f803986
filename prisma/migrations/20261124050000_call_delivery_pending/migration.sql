-- Event ingest no longer adds a graphile-worker job per event: it marks the call, and the
-- delivery workers turn marked calls into jobs in batches (lib/delivery/dispatch.ts). The
-- partial index holds only the marked calls, so finding them costs nothing however many calls
-- the table holds.
ALTER TABLE "calls" ADD COLUMN     "deliveryPending" BOOLEAN NOT NULL DEFAULT false;

CREATE INDEX "calls_id_idx" ON "calls"("id") WHERE ("deliveryPending" = true);
