-- Delivery no longer runs on graphile-worker: each account's requests go through a lane that one
-- delivery process holds at a time (lib/delivery/coordination.ts). The jobs were only pointers to
-- calls; the requests they pointed at stay queued in "deliveries" and their lanes send them.
DROP SCHEMA IF EXISTS "graphile_worker" CASCADE;

ALTER TABLE "deliveries" ADD COLUMN "failures" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "notBefore" TIMESTAMPTZ(3);

-- A lane reads its account's queue in order; an outcome changes a request's state, and every
-- index on "state" costs each of those updates a write: the queue's partial index serves both
-- what the old (accountId, state) index was for and what a lane reads.
DROP INDEX "deliveries_queued_uploads_idx";
DROP INDEX "deliveries_accountId_state_idx";
CREATE INDEX "deliveries_queued_idx" ON "deliveries"("accountId", "id") WHERE (state = 'QUEUED');
CREATE INDEX "deliveries_backoff_idx" ON "deliveries"("accountId", "notBefore") WHERE (state = 'QUEUED' AND "notBefore" IS NOT NULL);

CREATE TABLE "delivery_lanes" (
    "accountId" UUID NOT NULL,
    "workerId" TEXT,
    "leaseUntil" TIMESTAMPTZ(3),
    "hasWork" BOOLEAN NOT NULL DEFAULT true,
    "breakerUntil" TIMESTAMPTZ(3),
    "breakerOpens" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,

    CONSTRAINT "delivery_lanes_pkey" PRIMARY KEY ("accountId")
);
ALTER TABLE "delivery_lanes" ADD CONSTRAINT "delivery_lanes_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Heartbeats: nothing in it is worth a WAL record, and after a crash every process beats again.
CREATE UNLOGGED TABLE "delivery_workers" (
    "id" TEXT NOT NULL,
    "seenAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "delivery_workers_pkey" PRIMARY KEY ("id")
);

-- Accounts with requests queued before this release get a lane to send them.
INSERT INTO "delivery_lanes" ("accountId") SELECT DISTINCT "accountId" FROM "deliveries" WHERE "state" = 'QUEUED';
