// Starts the service: loads .env, provides the embedded PostgreSQL when DATABASE_URL is
// unset, validates the configuration, builds once if needed, then runs the server (serve.mjs)
// and, beside it, a worker process (scripts/worker.ts) that holds the accounts' AMI event
// connections, started again whenever it dies. Migrations are applied by the server itself
// (instrumentation.ts) and by the worker, one after the other.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../lib/db/embedded";
import { ConfigError, parseEnv } from "../lib/env";
import { loadLocalSecrets } from "../lib/local-secrets";
import { createLogger } from "../lib/log";
import { serverNodeFlags, WORKER_HEAP_MB } from "./server-flags";

const dev = process.argv.includes("--dev");
const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
const serveScript = fileURLToPath(new URL("./serve.mjs", import.meta.url));
const workerScript = fileURLToPath(new URL("./worker.ts", import.meta.url));
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

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "inherit", env });
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => child.kill(signal));
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const FIRST_RESTART_MS = 1_000;
const MAX_RESTART_MS = 30_000;
/** A worker that ran this long before it died starts again at once, not after a grown pause. */
const STEADY_MS = 60_000;

/** Runs the worker process until stop(), starting it again (after a pause that grows) whenever it exits. */
function keepRunning(args: string[], env: NodeJS.ProcessEnv): { stop(signal: NodeJS.Signals): Promise<void> } {
  let stopping = false;
  let child: ReturnType<typeof spawn> | undefined;
  let pause = FIRST_RESTART_MS;
  let timer: NodeJS.Timeout | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = () => {
    const startedAt = Date.now();
    const current = spawn(process.execPath, args, { stdio: "inherit", env });
    child = current;
    exited = new Promise((resolve) =>
      current.on("exit", (code, signal) => {
        resolve();
        if (stopping) return;
        if (Date.now() - startedAt > STEADY_MS) pause = FIRST_RESTART_MS;
        log.error({ code, signal, restartInMs: pause }, "the worker process exited; starting it again");
        timer = setTimeout(start, pause);
        pause = Math.min(pause * 2, MAX_RESTART_MS);
      }),
    );
  };
  const stop = async (signal: NodeJS.Signals) => {
    stopping = true;
    clearTimeout(timer);
    child?.kill(signal);
    await exited;
  };
  // A terminal's Ctrl-C reaches the worker too: it is not started again while the service stops.
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void stop(signal));
  start();
  return { stop };
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
    // The web process answers and stores (and delivers, unless DELIVERY_CONCURRENCY=0); the AMI
    // event connections run only in the worker, where no PBX can stall a dialplan's request.
    const worker = keepRunning(
      [...(dev ? [] : serverNodeFlags(process.env.NODE_OPTIONS, WORKER_HEAP_MB)), "--import", "tsx", workerScript],
      { ...process.env, DELIVERY_CONCURRENCY: "0" },
    );
    // Node runs the server directly (not through npx) so that signals reach it.
    const code = await run(process.execPath, [
      ...(dev ? [] : serverNodeFlags()),
      serveScript,
      ...(dev ? ["--dev"] : []),
      "-p",
      String(env.PORT),
    ]);
    await worker.stop("SIGTERM");
    return code;
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
