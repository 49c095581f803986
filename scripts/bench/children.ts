// Every process the benchmark starts goes through here, so that every way out (the end, an error,
// Ctrl+C) stops them all. Each child's output goes to bench-results/logs/<label>.log.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LOG_DIR } from "./config";

export interface Child {
  readonly label: string;
  readonly pid: number;
  /** Resolves with the first stdout line that matches, rejects when the child exits first or time runs out. */
  line(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL if it has not exited in time; resolves when it has exited. */
  stop(): Promise<void>;
  readonly exited: Promise<number | null>;
}

const running = new Set<Child>();
const STOP_GRACE_MS = 15_000;

export function spawnNode(label: string, args: string[], env: NodeJS.ProcessEnv): Child {
  mkdirSync(LOG_DIR, { recursive: true });
  const log = createWriteStream(join(LOG_DIR, `${label}.log`));
  const proc: ChildProcess = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  if (proc.pid === undefined) throw new Error(`${label} could not be started`);
  proc.stdout!.pipe(log, { end: false });
  proc.stderr!.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) =>
    proc.once("exit", (code) => {
      running.delete(child);
      log.end();
      resolve(code);
    }),
  );

  const child: Child = {
    label,
    pid: proc.pid,
    exited,
    line(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        let buffered = "";
        const onData = (chunk: Buffer) => {
          buffered += chunk.toString();
          const match = buffered.match(pattern);
          if (match) finish(() => resolve(match));
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(
                new Error(`${label} printed nothing like ${pattern} in ${timeoutMs} ms (see ${LOG_DIR}/${label}.log)`),
              ),
            ),
          timeoutMs,
        );
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          proc.stdout!.off("data", onData);
          settle();
        };
        proc.stdout!.on("data", onData);
        void exited.then((code) =>
          finish(() => reject(new Error(`${label} exited with code ${code} (see ${LOG_DIR}/${label}.log)`))),
        );
      });
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const killer = setTimeout(() => proc.kill("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(killer);
    },
  };
  running.add(child);
  return child;
}

/** A TypeScript script of the bench (`new URL("./x.ts", import.meta.url)`) run under tsx, as spawnNode runs a child. */
export function spawnScript(label: string, script: URL, env: NodeJS.ProcessEnv): Child {
  return spawnNode(label, ["--import", "tsx", fileURLToPath(script)], env);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/** Last resort when the bench process exits without having stopped its children. */
export function killAllNow(): void {
  for (const child of running) {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
