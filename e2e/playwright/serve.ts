// The server the Playwright tests drive: the production build (next build + next start)
// on its own database, allowed to reach the simulators on loopback addresses.
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { createDatabase, dropDatabase } from "../setup/databases";
import { E2E_DATA_DIR, E2E_SECRETS, SERVER_LOG } from "./server-log";

const env: NodeJS.ProcessEnv = {
  ...process.env,
  PORT: process.env.E2E_PORT ?? "3100",
  PUBLIC_URL: `http://127.0.0.1:${process.env.E2E_PORT ?? "3100"}`,
  DATA_DIR: E2E_DATA_DIR,
  EMBEDDED_PG_PORT: process.env.E2E_EMBEDDED_PG_PORT ?? "54331",
  ALLOW_PRIVATE_NETWORKS: "true",
  MARKETPLACE_SECRET: process.env.MARKETPLACE_SECRET ?? "e2e-marketplace-secret-0123456789",
  // Everything the server logs goes to SERVER_LOG, which scan-server-log.ts checks for secrets.
  LOG_LEVEL: process.env.LOG_LEVEL ?? "debug",
  CRM_TIMEOUT_MS: "2000",
  AMI_TIMEOUT_MS: "2000",
  // security.spec.ts sends uploads far beyond it; the journal's recordings are a few kB.
  RECORDING_MAX_BYTES: String(1024 * 1024),
  METRICS_TOKEN: E2E_SECRETS.METRICS_TOKEN,
};

if (process.env.DATABASE_URL) {
  await dropDatabase(process.env.DATABASE_URL, "bridge_e2e");
  env.DATABASE_URL = await createDatabase(process.env.DATABASE_URL, "bridge_e2e");
  env.ENCRYPTION_KEY = E2E_SECRETS.ENCRYPTION_KEY;
  env.NEXTAUTH_SECRET = E2E_SECRETS.NEXTAUTH_SECRET;
}

mkdirSync("test-results", { recursive: true });

const build = spawn("npx", ["next", "build"], { stdio: "inherit", env });
build.on("exit", (code) => {
  if (code !== 0) process.exit(code ?? 1);
  const server = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  const logFile = createWriteStream(SERVER_LOG);
  server.stdout.on("data", (chunk: Buffer) => logFile.write(chunk));
  server.stderr.on("data", (chunk: Buffer) => {
    logFile.write(chunk);
    process.stderr.write(chunk);
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => server.kill(signal));
  server.on("exit", (status) => process.exit(status ?? 0));
});
