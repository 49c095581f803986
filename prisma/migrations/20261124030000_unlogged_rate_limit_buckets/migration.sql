-- The rate-limit buckets are a few rows rewritten before every CRM request. Written to the WAL,
-- each rewrite waited for an fsync; unlogged, it does not. After a crash of the database server
-- the table comes back empty, which only means full buckets: the CRM's own limit, not ours, and
-- a first request that may meet a 503, which the delivery retries.
ALTER TABLE "rate_limit_buckets" SET UNLOGGED;
