-- AlterTable
ALTER TABLE "recordings" ADD COLUMN     "replaceable" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "recording_usage" (
    "accountId" UUID NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "recording_usage_pkey" PRIMARY KEY ("accountId")
);

-- AddForeignKey
ALTER TABLE "recording_usage" ADD CONSTRAINT "recording_usage_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- What each account keeps already counts against its quota.
INSERT INTO "recording_usage" ("accountId", "bytes")
SELECT "accountId", sum("sizeBytes") FROM "recordings" GROUP BY "accountId";
