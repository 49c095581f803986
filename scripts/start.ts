// Starts the service: loads .env, provides the embedded PostgreSQL when DATABASE_URL is
// unset, validates the configuration, builds once if needed, then runs the server (serve.mjs).
// Migrations are applied by the server itself (instrumentation.ts).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../lib/db/embedded";
import { ConfigError, parseEnv } from "../lib/env";
import { loadLocalSecrets } from "../lib/local-secrets";
import { createLogger } from "../lib/log";
import { serverNodeFlags } from "./server-flags";

const dev = process.argv.includes("--dev");
const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
const serveScript = fileURLToPath(new URL("./serve.mjs", import.meta.url));
const log = createLogger(process.env.LOG_LEVEL ?? "info");

const SOURCES = [
  "app",
  "components",
  "lib",
  "public",
  "instrumentation.ts",
  "next.config.mjs",
  "package-lock.json",
  "prisma/schema.prisma",
];

function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(
    stat.mtimeMs,
    ...readdirSync(path)
      .filter((name) => name !== "generated")
      .map((name) => newestChange(join(path, name))),
  );
}

/** A build older than the sources (after a git pull, say) would serve yesterday's code. */
function buildIsStale(): boolean {
  if (!existsSync(".next/BUILD_ID")) return true;
  const built = statSync(".next/BUILD_ID").mtimeMs;
  return SOURCES.some((source) => existsSync(source) && newestChange(source) > built);
}

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
    if (!dev && buildIsStale()) {
      log.info("No up-to-date production build: running next build first");
      const built = await run(process.execPath, [nextBin, "build"]);
      if (built !== 0) return built;
    }
    // Node runs the server directly (not through npx) so that signals reach it.
    return await run(process.execPath, [
      ...(dev ? [] : serverNodeFlags()),
      serveScript,
      ...(dev ? ["--dev"] : []),
      "-p",
      String(env.PORT),
    ]);
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
