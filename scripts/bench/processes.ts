// The helper processes of a run besides the service: the bare node:http reference and delivery workers.
import { fileURLToPath } from "node:url";
import { spawnScript, type Child } from "./children";
import { serviceEnv } from "./process-env";
import { spawnService } from "./profiling";

const script = (name: string) => fileURLToPath(new URL(name, import.meta.url));

export async function startBareServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawnScript("bare-http", new URL("./bare-server.ts", import.meta.url), process.env);
  const [, port] = await child.line(/listening (\d+)/, 30_000);
  return { url: `http://127.0.0.1:${port}`, stop: () => child.stop() };
}

/**
 * Delivery worker processes as production runs them (npm run worker), with the memory probe
 * preloaded (memoryAfterCollection); SIGTERM lets their running jobs finish.
 */
export async function startWorkers(count: number, label: string): Promise<Child[]> {
  const args = ["--expose-gc", "--import", "tsx", "--import", script("./memory-probe.ts"), script("../worker.ts")];
  const workers = Array.from({ length: count }, (_, i) =>
    spawnService(`${label}-${i + 1}`, args, serviceEnv({ LOG_LEVEL: "info" })),
  );
  await Promise.all(workers.map((worker) => worker.line(/worker started/, 60_000)));
  return workers;
}

/** A worker's memory (bytes, as process.memoryUsage) right after a full collection of its heap. */
export async function memoryAfterCollection(worker: Child): Promise<NodeJS.MemoryUsage> {
  const printed = worker.line(/memory-probe (\{.*\})/, 30_000);
  process.kill(worker.pid, "SIGUSR2");
  return JSON.parse((await printed)[1]!) as NodeJS.MemoryUsage;
}
