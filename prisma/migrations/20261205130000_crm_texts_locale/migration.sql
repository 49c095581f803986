-- The language of what the service writes into the CRM (task lines, alerts): the admin's (docs/i18n.md).
ALTER TABLE "crm_options" ADD COLUMN "locale" TEXT NOT NULL DEFAULT 'ru';
