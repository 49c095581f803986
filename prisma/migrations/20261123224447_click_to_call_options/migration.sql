-- AlterTable
ALTER TABLE "asterisk_settings" ADD COLUMN     "pauseQueueWhenAway" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "sendOutEvent" BOOLEAN NOT NULL DEFAULT false;
