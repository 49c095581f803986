ALTER TABLE "recordings" ADD COLUMN "headerRepaired" BOOLEAN NOT NULL DEFAULT false;
