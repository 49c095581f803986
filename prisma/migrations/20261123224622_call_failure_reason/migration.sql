-- AlterTable
ALTER TABLE "calls" ADD COLUMN     "failureReason" TEXT;
