import type { Reply } from "./reply";

export type OutageMode = "none" | "reset" | "hang" | "http502";

interface FailRule {
  remaining: number;
  reply: Reply;
  pathPrefix: string;
}

/** Test-controlled misbehaviour: latency, scripted failures, outages, a missing account. */
export class Faults {
  accountExists = true;
  private outageMode: OutageMode = "none";
  private readonly latency = new Map<string, number>();
  private readonly failRules: FailRule[] = [];
  private hung: (() => void)[] = [];

  get outage(): OutageMode {
    return this.outageMode;
  }

  /** Changing the mode releases hung requests, which then meet the new mode. */
  setOutage(mode: OutageMode): void {
    this.outageMode = mode;
    if (mode === "hang") return;
    const released = this.hung;
    this.hung = [];
    for (const resume of released) resume();
  }

  park(resume: () => void): void {
    this.hung.push(resume);
  }

  /** `ms` 0 removes the rule for that prefix. */
  setLatency(ms: number, pathPrefix = ""): void {
    if (ms > 0) this.latency.set(pathPrefix, ms);
    else this.latency.delete(pathPrefix);
  }

  latencyFor(path: string): number {
    let ms = 0;
    for (const [prefix, delay] of this.latency) if (path.startsWith(prefix)) ms = Math.max(ms, delay);
    return ms;
  }

  failNext(count: number, reply: Reply, pathPrefix = ""): void {
    if (count > 0) this.failRules.push({ remaining: count, reply, pathPrefix });
  }

  takeFailure(path: string): Reply | undefined {
    const rule = this.failRules.find((r) => path.startsWith(r.pathPrefix));
    if (!rule) return undefined;
    rule.remaining--;
    if (rule.remaining === 0) this.failRules.splice(this.failRules.indexOf(rule), 1);
    return rule.reply;
  }
}
