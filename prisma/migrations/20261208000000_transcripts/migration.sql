-- Transcripts and summaries of calls (docs/transcripts.md): off by default.
-- AlterEnum
ALTER TYPE "DeliveryKind" ADD VALUE 'CUSTOMER_NOTE';

-- CreateEnum
CREATE TYPE "TranscriptEngine" AS ENUM ('OPENAI', 'SPEECHKIT', 'LOCAL');

-- CreateEnum
CREATE TYPE "TranscriptState" AS ENUM ('QUEUED', 'DONE', 'FAILED', 'SKIPPED');

-- CreateTable
CREATE TABLE "transcript_settings" (
    "accountId" UUID NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "engine" "TranscriptEngine" NOT NULL DEFAULT 'OPENAI',
    "openAiUrl" TEXT NOT NULL DEFAULT 'https://api.openai.com/v1',
    "openAiKeyEnc" TEXT,
    "openAiModel" TEXT NOT NULL DEFAULT 'whisper-1',
    "speechKitKeyEnc" TEXT,
    "speechKitFolder" TEXT NOT NULL DEFAULT '',
    "summaryEnabled" BOOLEAN NOT NULL DEFAULT false,
    "summaryUrl" TEXT NOT NULL DEFAULT 'https://api.openai.com/v1',
    "summaryKeyEnc" TEXT,
    "summaryModel" TEXT NOT NULL DEFAULT 'gpt-4o-mini',
    "summaryPrompt" TEXT,
    "maskPhrases" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "monthlyMinutes" INTEGER NOT NULL DEFAULT 600,
    "locale" TEXT NOT NULL DEFAULT 'ru',
    "enabledAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "transcript_settings_pkey" PRIMARY KEY ("accountId")
);

-- CreateTable
CREATE TABLE "transcripts" (
    "id" SERIAL NOT NULL,
    "accountId" UUID NOT NULL,
    "callId" INTEGER NOT NULL,
    "recordingId" INTEGER NOT NULL,
    "state" "TranscriptState" NOT NULL DEFAULT 'QUEUED',
    "worker" TEXT,
    "takenAt" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "notBefore" TIMESTAMPTZ(3),
    "lastError" TEXT,
    "seconds" DOUBLE PRECISION,
    "dialogue" JSONB,
    "summary" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "transcripts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "transcript_usage" (
    "accountId" UUID NOT NULL,
    "month" DATE NOT NULL,
    "seconds" DOUBLE PRECISION NOT NULL DEFAULT 0,

    CONSTRAINT "transcript_usage_pkey" PRIMARY KEY ("accountId","month")
);

-- CreateIndex
CREATE UNIQUE INDEX "transcripts_callId_key" ON "transcripts"("callId");

-- CreateIndex
CREATE INDEX "transcripts_queued_idx" ON "transcripts"("accountId", "id") WHERE state = 'QUEUED';

-- AddForeignKey
ALTER TABLE "transcript_settings" ADD CONSTRAINT "transcript_settings_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transcripts" ADD CONSTRAINT "transcripts_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transcripts" ADD CONSTRAINT "transcripts_callId_fkey" FOREIGN KEY ("callId") REFERENCES "calls"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transcript_usage" ADD CONSTRAINT "transcript_usage_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
