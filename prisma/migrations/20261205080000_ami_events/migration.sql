-- Call events derived from AMI (docs/ami-events.md): where an account's events come from, the
-- contexts its calls from outside enter, the TCP port of its event stream, and which process
-- holds that stream.
CREATE TYPE "CallEventSource" AS ENUM ('DIALPLAN', 'AMI', 'BOTH');

ALTER TABLE "asterisk_settings" ADD COLUMN "amiEventsPort" INTEGER NOT NULL DEFAULT 5038,
ADD COLUMN "eventSource" "CallEventSource" NOT NULL DEFAULT 'DIALPLAN',
ADD COLUMN "inboundContexts" TEXT[] DEFAULT ARRAY['from-trunk']::TEXT[];

-- An incoming call seen in AMI events rings managers one by one (a queue, a transfer): each ring
-- is an "in" of its own, told apart by the extension it rings. Dialplan events keep ''.
ALTER TABLE "call_events" ADD COLUMN "ring" TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX "call_events_accountId_uniqueid_type_ring_key" ON "call_events"("accountId", "uniqueid", "type", "ring");
DROP INDEX "call_events_accountId_uniqueid_type_key";

CREATE TABLE "ami_listeners" (
    "accountId" UUID NOT NULL,
    "workerId" TEXT,
    "leaseUntil" TIMESTAMPTZ(3),
    "state" TEXT NOT NULL DEFAULT 'connecting',
    "lastError" TEXT,
    "connectedAt" TIMESTAMPTZ(3),
    "lastEventAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ami_listeners_pkey" PRIMARY KEY ("accountId")
);
ALTER TABLE "ami_listeners" ADD CONSTRAINT "ami_listeners_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The recording files MixMonitor wrote for calls seen in AMI events: the PBX uploads a file by its
-- path, and the service finds the call it belongs to.
CREATE TABLE "recording_files" (
    "accountId" UUID NOT NULL,
    "file" TEXT NOT NULL,
    "uniqueid" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recording_files_pkey" PRIMARY KEY ("accountId","file")
);
ALTER TABLE "recording_files" ADD CONSTRAINT "recording_files_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
