-- AlterTable
ALTER TABLE "asterisk_settings" ADD COLUMN     "amiEventsSince" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "crm_options" ADD COLUMN     "missedTasksPer10Minutes" INTEGER NOT NULL DEFAULT 50,
ADD COLUMN     "missedTasksPerDay" INTEGER NOT NULL DEFAULT 1000;

-- CreateTable
CREATE TABLE "callback_task_writes" (
    "id" SERIAL NOT NULL,
    "accountId" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "callback_task_writes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "callback_task_writes_accountId_at_idx" ON "callback_task_writes"("accountId", "at");

-- AddForeignKey
ALTER TABLE "callback_task_writes" ADD CONSTRAINT "callback_task_writes_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Accounts already in AMI mode: when they switched is unknown; their last save was at or after it.
UPDATE "asterisk_settings" SET "amiEventsSince" = "updatedAt" WHERE "eventSource" <> 'DIALPLAN';
