// The helper processes of a run besides the service: the bare node:http reference and delivery workers.
import { fileURLToPath } from "node:url";
import { spawnNode, type Child } from "./children";
import { serviceEnv } from "./process-env";
import { spawnService } from "./profiling";

const script = (name: string) => fileURLToPath(new URL(name, import.meta.url));

export async function startBareServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawnNode("bare-http", ["--import", "tsx", script("./bare-server.ts")], process.env);
  const [, port] = await child.line(/listening (\d+)/, 30_000);
  return { url: `http://127.0.0.1:${port}`, stop: () => child.stop() };
}

/** Delivery worker processes as production runs them (npm run worker); SIGTERM lets their running jobs finish. */
export async function startWorkers(count: number, label: string): Promise<Child[]> {
  const workers = Array.from({ length: count }, (_, i) =>
    spawnService(`${label}-${i + 1}`, ["--import", "tsx", script("../worker.ts")], serviceEnv({ LOG_LEVEL: "info" })),
  );
  await Promise.all(workers.map((worker) => worker.line(/worker started/, 60_000)));
  return workers;
}
