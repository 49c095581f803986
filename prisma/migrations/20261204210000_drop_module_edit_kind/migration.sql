-- MODULE_EDIT was never produced: the module is registered with the CRM directly, not through the
-- outbox. PostgreSQL cannot drop an enum value, so the type is made anew without it; the partial
-- index that names a value of the type is made again around it.
DELETE FROM "deliveries" WHERE "kind" = 'MODULE_EDIT';
DROP INDEX "deliveries_queued_uploads_idx";
ALTER TYPE "DeliveryKind" RENAME TO "DeliveryKind_old";
CREATE TYPE "DeliveryKind" AS ENUM ('CALL_EVENT', 'CALLS_UPLOAD');
ALTER TABLE "deliveries" ALTER COLUMN "kind" TYPE "DeliveryKind" USING ("kind"::text::"DeliveryKind");
DROP TYPE "DeliveryKind_old";
CREATE INDEX "deliveries_queued_uploads_idx" ON "deliveries"("accountId", "id") WHERE (state = 'QUEUED' AND kind = 'CALLS_UPLOAD');
