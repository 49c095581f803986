// A worker process (e2e/setup/worker-process.ts, as `npm run worker` runs one) for tests that kill
// or stop it, started and waited for until it is ready.
import { spawn, type ChildProcess } from "node:child_process";

export interface SpawnedWorker {
  child: ChildProcess;
  /** Its id among the holders of AMI event connections, and among the delivery processes. */
  trackingId: string;
  deliveryId: string;
}

export async function spawnWorker(env: Record<string, string> = {}): Promise<SpawnedWorker> {
  const child = spawn(process.execPath, ["--import", "tsx", "e2e/setup/worker-process.ts"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [trackingId, deliveryId] = await new Promise<string[]>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /ready (\S+) (\S+)\n/.exec(out);
      if (ready) resolve([ready[1]!, ready[2]!]);
    });
    child.once("exit", (code) => reject(new Error(`the worker exited with ${code} before it was ready`)));
  });
  return { child, trackingId: trackingId!, deliveryId: deliveryId! };
}

/** Signals the process and resolves once it has exited. */
export async function signalWorker(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await exited;
}
