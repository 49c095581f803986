-- CreateEnum
CREATE TYPE "RecordingState" AS ENUM ('AS_RECEIVED', 'PENDING', 'COMPACT', 'ENCODE_FAILED', 'DELETED');

-- CreateEnum
CREATE TYPE "RecordingFormat" AS ENUM ('MP3', 'WAV');

-- AlterTable
ALTER TABLE "recordings" ADD COLUMN     "deletedAt" TIMESTAMPTZ(3),
ADD COLUMN     "encodeAttempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "encoder" TEXT,
ADD COLUMN     "keptDays" INTEGER,
ADD COLUMN     "state" "RecordingState" NOT NULL DEFAULT 'AS_RECEIVED';

-- CreateTable
CREATE TABLE "recording_settings" (
    "accountId" UUID NOT NULL,
    "format" "RecordingFormat" NOT NULL DEFAULT 'MP3',
    "retentionDays" INTEGER DEFAULT 365,
    "locale" TEXT NOT NULL DEFAULT 'ru',
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "recording_settings_pkey" PRIMARY KEY ("accountId")
);

-- CreateIndex
CREATE INDEX "recordings_pending_idx" ON "recordings"("id") WHERE (state = 'PENDING');

-- CreateIndex
CREATE INDEX "recordings_kept_idx" ON "recordings"("accountId", "createdAt") WHERE (state <> 'DELETED');

-- AddForeignKey
ALTER TABLE "recording_settings" ADD CONSTRAINT "recording_settings_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- The WAVs stored so far get their compact copies too (the encoder keeps as received what it cannot encode).
UPDATE "recordings" SET "state" = 'PENDING' WHERE "contentType" = 'audio/wav';

-- Accounts that kept every recording so far keep doing so until their admin chooses a period:
-- retention deletes nothing nobody chose to delete. New accounts get the default, 365 days.
INSERT INTO "recording_settings" ("accountId", "retentionDays", "updatedAt")
SELECT "id", NULL, now() FROM "accounts";
