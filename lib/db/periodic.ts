import { log } from "@/lib/log";

export interface Periodic {
  /** Runs a round now, or, when one is running, right after it (not `every` ms after). */
  poke(): void;
  /** Stops the loop and waits for the round running now. */
  stop(): Promise<void>;
}

/**
 * Runs `run` now and then `every` ms after each round ends, for good: a round that fails (the
 * database restarting, say) is logged once until one succeeds again, and the loop goes on. The
 * background work of the worker processes (beats, leases, checks) runs this way.
 */
export function periodic(every: number, run: () => Promise<void>, what: string): Periodic {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let failing = false;
  let busy = false;
  let poked = false;
  const loop = () => {
    busy = true;
    running = run()
      .then(() => {
        if (failing) log.info(`${what}: working again`);
        failing = false;
      })
      .catch((error: unknown) => {
        if (!failing) log.warn({ err: error }, `${what} failed; trying again`);
        failing = true;
      })
      .finally(() => {
        busy = false;
        if (stopped) return;
        if (poked) {
          poked = false;
          loop();
        } else timer = setTimeout(loop, every);
      });
  };
  loop();
  return {
    poke() {
      if (stopped) return;
      if (busy) {
        poked = true;
        return;
      }
      clearTimeout(timer);
      loop();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
