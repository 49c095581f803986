import { applyMigrations } from "@/lib/db/migrate";
import { startBackground } from "@/lib/background";
import { ConfigError, env } from "@/lib/env";
import { log } from "@/lib/log";

/** Brings the schema up to date (the server at boot, npm run worker at start). */
export async function prepareDatabase(url: string): Promise<void> {
  const applied = await applyMigrations(url);
  log.info({ applied }, applied.length ? "database migrations applied" : "database schema is up to date");
}

/** Runs once when the Next.js server boots: validate the configuration, bring the schema up to date, start delivering and the admins' alerts (unless told not to). */
export async function startServer(): Promise<void> {
  try {
    const { DELIVERY_CONCURRENCY: concurrency } = env();
    const url = process.env.DATABASE_URL;
    if (!url) throw new ConfigError(["DATABASE_URL is required but not set (npm start provides an embedded database)"]);
    await prepareDatabase(url);
    if (concurrency > 0) {
      const background = await startBackground(url, { delivery: { concurrency } });
      log.info({ concurrency }, `started: ${background.running.join(", ")}`);
    } else {
      log.info("DELIVERY_CONCURRENCY=0: this process only stores; npm run worker delivers");
    }
  } catch (error) {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else log.fatal({ err: error }, "start-up failed");
    process.exit(1);
  }
}
