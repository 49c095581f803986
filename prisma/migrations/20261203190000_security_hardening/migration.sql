-- The one-time token of the module's accountUrl, encrypted like the API key.
ALTER TABLE "accounts" ADD COLUMN     "cabinetTokenEnc" TEXT;

-- Optional parameters the dialplan sent that were dropped or cleaned instead of refusing the event.
ALTER TABLE "calls" ADD COLUMN     "inputWarnings" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- Stored events kept the clientId they came with, a credential in plain text: it is dropped.
UPDATE "call_events" SET "payload" = "payload" - 'clientId' WHERE "payload" ? 'clientId';
