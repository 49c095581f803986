// Starts the service: loads .env, provides the embedded PostgreSQL when DATABASE_URL is
// unset, validates the configuration, builds once if needed, then runs Next.js.
// Migrations are applied by the server itself (instrumentation.ts).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../lib/db/embedded";
import { ConfigError, parseEnv } from "../lib/env";
import { loadLocalSecrets } from "../lib/local-secrets";
import { createLogger } from "../lib/log";

const dev = process.argv.includes("--dev");
const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
const log = createLogger(process.env.LOG_LEVEL ?? "info");

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "inherit", env: process.env });
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => child.kill(signal));
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  const dataDir = process.env.DATA_DIR || ".data";

  let embedded: EmbeddedDatabase | undefined;
  if (!process.env.DATABASE_URL) {
    Object.assign(process.env, { ...(await loadLocalSecrets(dataDir)), ...process.env });
    const port = Number(process.env.EMBEDDED_PG_PORT || 54329);
    log.info({ dataDir, port }, "DATABASE_URL is not set: starting the embedded PostgreSQL");
    embedded = await startEmbeddedDatabase({ dataDir, port, onLog: (line) => log.debug({ pg: line }) });
    process.env.DATABASE_URL = embedded.url;
  }

  try {
    const env = parseEnv(process.env);
    process.env.NEXTAUTH_URL ??= env.PUBLIC_URL;
    process.env.PORT = String(env.PORT);
    if (!dev && !existsSync(".next/BUILD_ID")) {
      log.info("No production build found: running next build first");
      const built = await run(process.execPath, [nextBin, "build"]);
      if (built !== 0) return built;
    }
    // Node runs Next.js directly (not through npx) so that signals reach the server itself.
    return await run(process.execPath, [nextBin, dev ? "dev" : "start", "-p", String(env.PORT)]);
  } finally {
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
    } else {
      log.fatal({ err: error }, "the service could not start");
    }
    process.exit(1);
  },
);
