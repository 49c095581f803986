-- «Обзор»: an account's deliveries of the last days, without reading other accounts' (lib/overview).
CREATE INDEX "deliveries_accountId_createdAt_idx" ON "deliveries"("accountId", "createdAt");
