// The service as it runs in production: `next build`, then scripts/serve.mjs with the run's environment.
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { spawnNode, type Child } from "./children";
import { servingPid } from "../../e2e/setup/proc";
import { serviceEnv } from "./process-env";
import { spawnService } from "./profiling";
import { serverNodeFlags } from "../server-flags";

const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
const serveScript = fileURLToPath(new URL("../serve.mjs", import.meta.url));
const READY_TIMEOUT_MS = 90_000;

export async function buildProduction(): Promise<void> {
  const code = await spawnNode("next-build", [nextBin, "build"], serviceEnv()).exited;
  if (code !== 0) throw new Error(`next build failed with code ${code} (see bench-results/logs/next-build.log)`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function untilHealthy(url: string, child: Child): Promise<void> {
  let exited = false;
  void child.exited.then(() => (exited = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !exited) {
    const status = await fetch(`${url}/api/health`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await sleep(250);
  }
  throw new Error(`${child.label} did not become healthy (see bench-results/logs/${child.label}.log)`);
}

export interface Service {
  readonly url: string;
  /** The process that serves HTTP (for its memory). */
  readonly pid: number;
  stop(): Promise<void>;
}

/** One instance on a port of its own, answering once /api/health says the database is there. */
export async function startService(label: string, env: Record<string, string> = {}): Promise<Service> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnService(
    label,
    [...serverNodeFlags(), serveScript, "-p", String(port), "-H", "127.0.0.1"],
    serviceEnv({ ...env, PORT: String(port), PUBLIC_URL: url, NEXTAUTH_URL: url }),
  );
  try {
    await untilHealthy(url, child);
    return { url, pid: servingPid(child.pid, port), stop: () => child.stop() };
  } catch (error) {
    await child.stop();
    throw error;
  }
}
