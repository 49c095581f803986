/** Where e2e/playwright/serve.ts writes everything the server under test prints. */
export const SERVER_LOG = "test-results/server.log";

/** The server's own secrets when DATABASE_URL is set (with the embedded database, the launcher keeps them in DATA_DIR). */
export const E2E_SECRETS = {
  ENCRYPTION_KEY: process.env.ENCRYPTION_KEY ?? "e2e0".repeat(16),
  NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? "e2e-only-nextauth-secret-0123456789abcdef",
  METRICS_TOKEN: "e2e-metrics-token-0123456789abcdef",
};

export const E2E_DATA_DIR = ".data/e2e";
