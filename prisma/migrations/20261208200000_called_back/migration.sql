-- Missed calls called back (docs/crm-features.md, «Перезвонили»): when, after how long, by which call.
-- AlterEnum
ALTER TYPE "DeliveryKind" ADD VALUE 'TASK_COMPLETE';

-- AlterTable
ALTER TABLE "calls" ADD COLUMN     "calledBackAt" TIMESTAMPTZ(3),
ADD COLUMN     "calledBackByCallId" INTEGER,
ADD COLUMN     "calledBackExtension" TEXT,
ADD COLUMN     "calledBackSeconds" INTEGER;

-- AlterTable
ALTER TABLE "callback_tasks" ADD COLUMN     "completedAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "crm_options" ADD COLUMN     "callBackWindowMinutes" INTEGER NOT NULL DEFAULT 1440;
