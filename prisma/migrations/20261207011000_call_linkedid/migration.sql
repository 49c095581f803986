-- AlterTable
ALTER TABLE "calls" ADD COLUMN     "linkedid" TEXT;

-- CreateIndex
CREATE INDEX "calls_accountId_linkedid_idx" ON "calls"("accountId", "linkedid");

