-- Numbers to ignore and new callers as customers (docs/crm-features.md, «Номера без карточки» and
-- «Новые клиенты»): the account's list, the mark on each call it kept out of the CRM, and one claim
-- per number on the customer made for it.
ALTER TYPE "DeliveryKind" ADD VALUE 'NEW_CUSTOMER';
ALTER TABLE "calls" ADD COLUMN     "ignored" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "crm_options" ADD COLUMN     "newCustomers" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "newCustomerName" TEXT NOT NULL DEFAULT 'Новый клиент {phone}';
CREATE TABLE "ignore_lists" (
    "accountId" UUID NOT NULL,
    "numbers" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "hidden" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ignore_lists_pkey" PRIMARY KEY ("accountId")
);
CREATE TABLE "new_customers" (
    "accountId" UUID NOT NULL,
    "phoneKey" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "crmCustomerId" INTEGER,
    "claimedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "new_customers_pkey" PRIMARY KEY ("accountId","phoneKey")
);
ALTER TABLE "ignore_lists" ADD CONSTRAINT "ignore_lists_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "new_customers" ADD CONSTRAINT "new_customers_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE INDEX "calls_ignored_idx" ON "calls"("accountId", "createdAt") WHERE ("ignored" = true);
