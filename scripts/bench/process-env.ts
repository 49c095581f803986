// The first import of run.ts: lib/log.ts reads LOG_LEVEL when it loads and lib/env.ts parses the
// configuration once, so the bench process's own settings must be in place before any lib/ module.
// The servers and worker processes get the same values (serviceEnv), so a key this process
// encrypts with is the one the server decrypts with.
import { databaseUrl } from "../../e2e/setup/databases";

/** Dropped and made anew by every section: two benches on one PostgreSQL server need a name each. */
export const BENCH_DATABASE = process.env.BENCH_DATABASE || "bridge_bench";

/** The PostgreSQL server the bench database lives on (DATABASE_URL's, or the local default). */
export const adminUrl = process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

const shared = {
  DATABASE_URL: databaseUrl(adminUrl, BENCH_DATABASE),
  ENCRYPTION_KEY: "be0c".repeat(16),
  NEXTAUTH_SECRET: "bench-only-nextauth-secret-0123456789abcdef",
  MARKETPLACE_SECRET: "bench-marketplace-secret-0123456789",
  ALLOW_PRIVATE_NETWORKS: "true",
  LOG_LEVEL: "warn",
  DATA_DIR: ".data/bench",
  NEXT_TELEMETRY_DISABLED: "1",
};

Object.assign(process.env, shared);

/** The environment of a service process (next start or a delivery worker) of this run. */
export function serviceEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, NODE_ENV: "production", ...extra };
}
