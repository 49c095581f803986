-- The contexts managers' phones call outside from: on a PBX shared by several accounts, an outgoing
-- call is the account's only when it is dialled there (docs/ami-events.md).
ALTER TABLE "asterisk_settings" ADD COLUMN "outboundContexts" TEXT[] DEFAULT ARRAY['from-internal']::TEXT[];
