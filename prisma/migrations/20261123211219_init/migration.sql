-- CreateEnum
CREATE TYPE "AmiTransport" AS ENUM ('HTTP', 'TCP');

-- CreateEnum
CREATE TYPE "CallEventType" AS ENUM ('IN', 'OUT', 'HANGUP', 'UPLOAD');

-- CreateEnum
CREATE TYPE "CallDirection" AS ENUM ('IN', 'OUT');

-- CreateEnum
CREATE TYPE "DeliveryKind" AS ENUM ('CALL_EVENT', 'CALLS_UPLOAD', 'MODULE_EDIT');

-- CreateEnum
CREATE TYPE "DeliveryState" AS ENUM ('QUEUED', 'SENT', 'FAILED');

-- CreateTable
CREATE TABLE "accounts" (
    "id" UUID NOT NULL,
    "crmUrl" TEXT NOT NULL,
    "apiKeyEnc" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "moduleCode" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "freeze" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "crm_users" (
    "id" SERIAL NOT NULL,
    "accountId" UUID NOT NULL,
    "crmUserId" INTEGER NOT NULL,
    "firstName" TEXT,
    "lastName" TEXT,
    "patronymic" TEXT,
    "email" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "extension" TEXT,
    "status" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "crm_users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "asterisk_settings" (
    "accountId" UUID NOT NULL,
    "callerIdPrefix" TEXT NOT NULL DEFAULT '',
    "outgoingContext" TEXT NOT NULL DEFAULT 'default',
    "outgoingPriority" TEXT NOT NULL DEFAULT '1',
    "managerCallerIdName" TEXT NOT NULL DEFAULT 'CRM',
    "amiHost" TEXT NOT NULL DEFAULT '127.0.0.1',
    "amiPort" INTEGER NOT NULL DEFAULT 8088,
    "amiLogin" TEXT NOT NULL DEFAULT 'asterisk',
    "amiSecretEnc" TEXT,
    "amiTransport" "AmiTransport" NOT NULL DEFAULT 'HTTP',
    "channelTemplate" TEXT NOT NULL DEFAULT 'SIP',
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "asterisk_settings_pkey" PRIMARY KEY ("accountId")
);

-- CreateTable
CREATE TABLE "call_events" (
    "id" SERIAL NOT NULL,
    "accountId" UUID NOT NULL,
    "uniqueid" TEXT NOT NULL,
    "type" "CallEventType" NOT NULL,
    "payload" JSONB NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "call_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "calls" (
    "id" SERIAL NOT NULL,
    "accountId" UUID NOT NULL,
    "uniqueid" TEXT NOT NULL,
    "direction" "CallDirection",
    "phone" TEXT,
    "extension" TEXT,
    "result" TEXT,
    "startedAt" TIMESTAMPTZ(3),
    "waitSeconds" INTEGER,
    "talkSeconds" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "calls_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "recordings" (
    "id" SERIAL NOT NULL,
    "accountId" UUID NOT NULL,
    "callId" INTEGER,
    "uniqueid" TEXT NOT NULL,
    "storageKey" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "durationSeconds" DOUBLE PRECISION,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recordings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deliveries" (
    "id" SERIAL NOT NULL,
    "accountId" UUID NOT NULL,
    "callId" INTEGER,
    "kind" "DeliveryKind" NOT NULL,
    "state" "DeliveryState" NOT NULL DEFAULT 'QUEUED',
    "payload" JSONB NOT NULL,
    "lastError" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "delivery_attempts" (
    "id" SERIAL NOT NULL,
    "deliveryId" INTEGER NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "durationMs" INTEGER NOT NULL,
    "httpStatus" INTEGER,
    "error" TEXT,
    "response" JSONB,

    CONSTRAINT "delivery_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "accounts_crmUrl_key" ON "accounts"("crmUrl");

-- CreateIndex
CREATE UNIQUE INDEX "accounts_clientId_key" ON "accounts"("clientId");

-- CreateIndex
CREATE UNIQUE INDEX "accounts_moduleCode_key" ON "accounts"("moduleCode");

-- CreateIndex
CREATE UNIQUE INDEX "crm_users_accountId_crmUserId_key" ON "crm_users"("accountId", "crmUserId");

-- CreateIndex
CREATE UNIQUE INDEX "crm_users_accountId_extension_key" ON "crm_users"("accountId", "extension");

-- CreateIndex
CREATE INDEX "call_events_accountId_receivedAt_idx" ON "call_events"("accountId", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "call_events_accountId_uniqueid_type_key" ON "call_events"("accountId", "uniqueid", "type");

-- CreateIndex
CREATE INDEX "calls_accountId_createdAt_idx" ON "calls"("accountId", "createdAt" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "calls_accountId_uniqueid_key" ON "calls"("accountId", "uniqueid");

-- CreateIndex
CREATE UNIQUE INDEX "recordings_storageKey_key" ON "recordings"("storageKey");

-- CreateIndex
CREATE INDEX "recordings_accountId_uniqueid_idx" ON "recordings"("accountId", "uniqueid");

-- CreateIndex
CREATE INDEX "deliveries_accountId_state_idx" ON "deliveries"("accountId", "state");

-- CreateIndex
CREATE INDEX "deliveries_callId_idx" ON "deliveries"("callId");

-- CreateIndex
CREATE INDEX "delivery_attempts_deliveryId_idx" ON "delivery_attempts"("deliveryId");

-- AddForeignKey
ALTER TABLE "crm_users" ADD CONSTRAINT "crm_users_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "asterisk_settings" ADD CONSTRAINT "asterisk_settings_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "call_events" ADD CONSTRAINT "call_events_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "calls" ADD CONSTRAINT "calls_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_callId_fkey" FOREIGN KEY ("callId") REFERENCES "calls"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_callId_fkey" FOREIGN KEY ("callId") REFERENCES "calls"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delivery_attempts" ADD CONSTRAINT "delivery_attempts_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;
