-- Naming and routing incoming callers over AMI (docs/ami-routing.md): off by default.
-- AlterTable
ALTER TABLE "asterisk_settings" ADD COLUMN     "amiCallerName" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "amiRouting" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "routingAnswerSeconds" INTEGER NOT NULL DEFAULT 20,
ADD COLUMN     "routingContext" TEXT NOT NULL DEFAULT 'from-internal',
ADD COLUMN     "routingFallback" TEXT NOT NULL DEFAULT '';

