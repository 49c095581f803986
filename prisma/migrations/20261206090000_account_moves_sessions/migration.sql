-- An address reached by the CRM's activity callback, not yet signed in at with a key there; and the
-- epoch that ends cabinet sessions when the module is switched off or frozen (docs/security.md).
ALTER TABLE "accounts" ADD COLUMN "crmUrlMoved" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "sessionEpoch" INTEGER NOT NULL DEFAULT 0;
