-- What retailCRM users ask for most (docs/crm-features.md): a call-back task for every missed call, the
-- right manager when the responsible one is away, stores by the number called, alerts to admins.
ALTER TYPE "DeliveryKind" ADD VALUE 'MISSED_TASK';
ALTER TABLE "caller_answers" ADD COLUMN     "managerId" INTEGER;
ALTER TABLE "calls" ADD COLUMN     "externalPhone" TEXT,
ADD COLUMN     "phoneKey" TEXT;
UPDATE "calls" SET "phoneKey" = right(regexp_replace("phone", '\D', '', 'g'), 10) WHERE "phone" ~ '[0-9]';
CREATE TABLE "crm_options" (
    "accountId" UUID NOT NULL,
    "missedTasks" BOOLEAN NOT NULL DEFAULT false,
    "missedTaskWindowMinutes" INTEGER NOT NULL DEFAULT 60,
    "missedTaskDefaultUserId" INTEGER,
    "missedTaskTemplate" TEXT NOT NULL DEFAULT 'Перезвонить {customer} {phone}: пропущенный звонок {time}, ждал {wait} с',
    "managerChain" BOOLEAN NOT NULL DEFAULT false,
    "chainLastTalked" BOOLEAN NOT NULL DEFAULT true,
    "chainFallbackUserIds" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "alertsEnabled" BOOLEAN NOT NULL DEFAULT false,
    "alertUserIds" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "alertAfterMinutes" INTEGER NOT NULL DEFAULT 10,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "crm_options_pkey" PRIMARY KEY ("accountId")
);
CREATE TABLE "external_phones" (
    "accountId" UUID NOT NULL,
    "phone" TEXT NOT NULL,
    "siteCode" TEXT NOT NULL,
    CONSTRAINT "external_phones_pkey" PRIMARY KEY ("accountId","phone")
);
CREATE TABLE "callback_tasks" (
    "accountId" UUID NOT NULL,
    "phone" TEXT NOT NULL,
    "crmTaskId" INTEGER NOT NULL,
    "performerId" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "missedCalls" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "callback_tasks_pkey" PRIMARY KEY ("accountId","phone")
);
CREATE TABLE "alert_states" (
    "accountId" UUID NOT NULL,
    "cause" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "since" TIMESTAMPTZ(3),
    "lastSentAt" TIMESTAMPTZ(3),
    "notified" BOOLEAN NOT NULL DEFAULT false,
    "detail" TEXT,
    CONSTRAINT "alert_states_pkey" PRIMARY KEY ("accountId","cause")
);
ALTER TABLE "crm_options" ADD CONSTRAINT "crm_options_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "external_phones" ADD CONSTRAINT "external_phones_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "callback_tasks" ADD CONSTRAINT "callback_tasks_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_states" ADD CONSTRAINT "alert_states_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE INDEX "calls_accountId_phoneKey_createdAt_idx" ON "calls"("accountId", "phoneKey", "createdAt" DESC);
