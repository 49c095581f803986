import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    include: [
      "lib/**/*.test.ts",
      "app/**/*.test.ts",
      "scripts/**/*.test.ts",
      "e2e/sim/**/*.test.ts",
      "e2e/integration/**/*.test.ts",
    ],
    globalSetup: ["e2e/setup/global-db.ts"],
    setupFiles: ["e2e/setup/per-file-db.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: "forks",
    env: {
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      ENCRYPTION_KEY: "8f3c1e0a9b7d5f2e4c6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a0c2e4b6d8f",
      NEXTAUTH_SECRET: "test-only-nextauth-secret-0123456789abcdef",
      PUBLIC_URL: "http://127.0.0.1:3999",
      ALLOW_PRIVATE_NETWORKS: "true",
      CRM_TIMEOUT_MS: "1500",
      AMI_TIMEOUT_MS: "2500",
      DATA_DIR: ".data/test-files",
      MARKETPLACE_SECRET: "test-marketplace-secret-0123456789",
    },
  },
});
