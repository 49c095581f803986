/**
 * Many PBXs in one process (the bench's `tenants` section, docs/performance.md): each a simulator
 * of its own with a TCP AMI port of its own, as a thousand customers' Asterisks would be, and
 * calls played on any of them as a real Asterisk sent them (e2e/fixtures/ami-transcripts).
 */
import { createAsteriskSim, type AsteriskSim, type AsteriskSimOptions } from "./index";

/** Time passing inside a call: `ms` go by before the first event `before` accepts (after any earlier pause). */
export interface CallPause {
  before(event: Readonly<Record<string, string>>): boolean;
  ms: number;
}

export interface PbxFarm {
  readonly pbxs: readonly AsteriskSim[];
  /** PBXs with at least one logged-in session that call events reach. */
  connected(): number;
  /** PBXs with more than one such session (a holder handing a connection over, not yet gone). */
  doubled(): number;
  /**
   * Plays a recorded call on one PBX: its events in order, ids renumbered, the pauses waited out
   * between them. Resolves once its last event is sent (at once when the farm is closed meanwhile).
   */
  playCall(
    index: number,
    events: readonly Readonly<Record<string, string>>[],
    options: { renumber: (id: string) => string; pauses?: readonly CallPause[] },
  ): Promise<void>;
  close(): Promise<void>;
}

/** PBXs opened at a time: each listens on a port of its own. */
const OPENING = 50;

export async function createPbxFarm(count: number, options: Omit<AsteriskSimOptions, "tcpPort">): Promise<PbxFarm> {
  const pbxs: AsteriskSim[] = [];
  try {
    for (let from = 0; from < count; from += OPENING)
      pbxs.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(OPENING, count - from) }, () =>
            createAsteriskSim({ httpPort: null, ...options, tcpPort: 0 }),
          ),
        )),
      );
  } catch (error) {
    await Promise.all(pbxs.map((pbx) => pbx.close()));
    throw error;
  }
  const waits = new Set<() => void>();
  let closed = false;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waits.add(done);
    });

  return {
    pbxs,
    connected: () => pbxs.filter((pbx) => pbx.eventSessions > 0).length,
    doubled: () => pbxs.filter((pbx) => pbx.eventSessions > 1).length,
    async playCall(index, events, { renumber, pauses = [] }) {
      const pbx = pbxs[index];
      if (pbx === undefined) throw new Error(`no PBX ${index} in a farm of ${pbxs.length}`);
      let next = 0;
      let from = 0;
      for (let i = 0; i <= events.length && !closed; i++) {
        const pausing = i < events.length && next < pauses.length && pauses[next]!.before(events[i]!);
        if (!pausing && i < events.length) continue;
        pbx.replay(events.slice(from, i), { renumber });
        from = i;
        if (pausing) await pause(pauses[next++]!.ms);
      }
    },
    async close() {
      closed = true;
      for (const done of [...waits]) done();
      await Promise.all(pbxs.map((pbx) => pbx.close()));
    },
  };
}
