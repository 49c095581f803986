-- What the CRM answered about callers, shared by every instance (docs/caching.md). A cache: it
-- is worth no WAL, and after a crash of the database server it starts empty.
CREATE UNLOGGED TABLE "caller_answers" (
    "accountId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "callerId" TEXT NOT NULL,
    "extension" TEXT NOT NULL,
    "freshUntil" TIMESTAMPTZ(3) NOT NULL,
    "staleUntil" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "caller_answers_pkey" PRIMARY KEY ("accountId","key")
);
CREATE INDEX "caller_answers_staleUntil_idx" ON "caller_answers"("staleUntil");
ALTER TABLE "caller_answers" ADD CONSTRAINT "caller_answers_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
