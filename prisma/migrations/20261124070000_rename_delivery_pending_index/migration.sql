-- The partial index of calls marked for delivery is named for what it holds. A rename, not an
-- edit of the migration that made it: databases that applied that one refuse a changed checksum.
ALTER INDEX "calls_id_idx" RENAME TO "calls_delivery_pending_idx";
