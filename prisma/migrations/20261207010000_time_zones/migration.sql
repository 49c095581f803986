-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "crmTimeZone" TEXT;

-- AlterTable
ALTER TABLE "asterisk_settings" ADD COLUMN     "pbxTimeZone" TEXT NOT NULL DEFAULT 'Europe/Moscow';

