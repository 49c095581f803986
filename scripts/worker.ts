// npm run worker: the background work in a process of its own: delivery to the CRMs (unless
// DELIVERY_CONCURRENCY=0), the accounts' AMI event connections, the recordings' compact copies
// and retention, the calls' transcripts (docs/transcripts.md), none of which run in a web process (docs/ami-events.md, docs/recordings.md). Any number may run against one database; npm start runs one
// beside the web process. Needs DATABASE_URL: the embedded database belongs to npm start.
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { startBackground } from "../lib/background";
import { ConfigError, parseEnv } from "../lib/env";
import { createLogger } from "../lib/log";
import { metricsAnswer } from "../lib/metrics";
import { PEER_HEADER } from "../lib/security/source-address";
import { prepareDatabase } from "../lib/server-start";

const log = createLogger(process.env.LOG_LEVEL ?? "info");

async function main(): Promise<void> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  const env = parseEnv(process.env);
  if (!env.DATABASE_URL)
    throw new ConfigError(["DATABASE_URL is required: npm run worker shares the database of the web processes"]);
  // A worker may start before any web process has: the schema must be there.
  await prepareDatabase(env.DATABASE_URL);
  const concurrency = env.DELIVERY_CONCURRENCY;
  const background = await startBackground(env.DATABASE_URL, {
    delivery: concurrency > 0 ? { concurrency } : undefined,
    callTracking: {},
    recordings: { encoders: env.RECORDING_ENCODERS },
    transcripts: {},
  });
  log.info({ concurrency, running: background.running }, `worker started: ${background.running.join(", ")}`);
  if (env.METRICS_PORT) serveMetrics(env.METRICS_PORT);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void background.stop().then(() => process.exit(0)));
  }
}

/** This process's counters for Prometheus (docs/metrics.md): GET /api/metrics, the same token. */
function serveMetrics(port: number): void {
  createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://worker");
    const answer =
      request.method === "GET" && url.pathname === "/api/metrics"
        ? metricsAnswer(
            new Request(url, {
              headers: {
                authorization: request.headers.authorization ?? "",
                "x-forwarded-for": request.headersDistinct["x-forwarded-for"]?.join(", ") ?? "",
                // As scripts/serve.mjs does: the socket's address, for the wrong tokens' throttle.
                [PEER_HEADER]: request.socket.remoteAddress ?? "",
              },
            }),
          )
        : Promise.resolve(new Response("not found", { status: 404 }));
    void answer.then(async (reply) => {
      response.writeHead(reply.status, Object.fromEntries(reply.headers));
      response.end(await reply.text());
    });
  }).listen(port, () => log.info({ port }, "worker metrics listening"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
  else log.fatal({ err: error }, "the worker could not start");
  process.exit(1);
});
