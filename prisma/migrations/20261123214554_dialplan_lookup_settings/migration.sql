-- AlterTable
ALTER TABLE "asterisk_settings" ADD COLUMN     "countries" TEXT[] DEFAULT ARRAY['RU']::TEXT[],
ADD COLUMN     "lookupBudgetMs" INTEGER NOT NULL DEFAULT 1500,
ADD COLUMN     "transliterateNames" BOOLEAN NOT NULL DEFAULT false;
