-- An upload looks for the oldest queued uploads of its account to send along. Through the
-- (accountId, state) index that read every queued request of the account, thousands under a
-- backlog, for each upload; this index holds only queued uploads, in the order they are taken.
CREATE INDEX "deliveries_queued_uploads_idx" ON "deliveries"("accountId", "id") WHERE (state = 'QUEUED' AND kind = 'CALLS_UPLOAD');
