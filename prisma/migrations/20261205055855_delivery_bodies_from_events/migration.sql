-- A request owed to the CRM no longer keeps its body: it names the event that owes it, and the
-- body is built from the stored call and event when it is sent. The events keep the extensions
-- they name, as cleaned at ingest.
ALTER TABLE "call_events" ADD COLUMN "codes" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- Events stored before: the codes the requests they owed were built with (a code list was
-- already cleaned; out and hangup named at most one manager).
UPDATE "call_events" SET "codes" = CASE
    WHEN "type" = 'IN' THEN string_to_array("payload"->>'code', ',')
    WHEN "payload"->>'code' ~ '^[0-9]{1,10}$' THEN ARRAY["payload"->>'code']
    ELSE ARRAY[]::TEXT[] END
  WHERE "type" <> 'UPLOAD' AND COALESCE("payload"->>'code', '') <> '';

ALTER TABLE "deliveries" ADD COLUMN "eventId" INTEGER;
UPDATE "deliveries" d SET "eventId" = e."id"
  FROM "calls" c, "call_events" e
  WHERE c."id" = d."callId" AND e."accountId" = c."accountId" AND e."uniqueid" = c."uniqueid"
    AND e."type" = (CASE WHEN d."kind" = 'CALLS_UPLOAD' THEN 'HANGUP' ELSE upper(d."payload"->>'type') END)::"CallEventType";
-- Every request was stored in one statement with its event and call; one without them cannot be built.
DELETE FROM "deliveries" WHERE "eventId" IS NULL;
ALTER TABLE "deliveries" ALTER COLUMN "eventId" SET NOT NULL, DROP COLUMN "payload";

CREATE INDEX "deliveries_eventId_idx" ON "deliveries"("eventId");
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "call_events"("id") ON DELETE CASCADE ON UPDATE CASCADE;
