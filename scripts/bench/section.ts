// What a section of the benchmark gets from the run, and the rows every section writes alike.
import type { Child } from "./children";
import type { BenchAccount } from "./crm";
import type { LoadResult } from "./load";
import type { Service } from "./server";
import { format, type Row } from "./table";

export interface SectionContext {
  /** The bare node:http server answering constant JSON (a process of its own). */
  readonly bareUrl: string;
  /** An instance of the service (with extra environment, if given); stopped when the section ends. */
  service(label: string, env?: Record<string, string>): Promise<Service>;
  /** Delivery worker processes; stopped when the section ends unless stopped before. */
  workers(count: number, label: string): Promise<Child[]>;
  /** An account connected to a retailCRM simulator of its own; closed when the section ends. */
  account(): Promise<BenchAccount>;
  /** Keeps a raw measurement in latest.json. */
  record(key: string, value: unknown): void;
}

export type Section = (context: SectionContext) => Promise<Row[]>;

/** "trivial 1234 req/s, bare 5678 req/s": the references of one figure. */
export function references(
  pick: (result: LoadResult) => number,
  unit: Row["unit"],
  refs: Record<string, LoadResult>,
): string {
  return Object.entries(refs)
    .map(([name, result]) => `${name} ${format(pick(result), unit)}`)
    .join(", ");
}

/** A row that is there only when a run had failed requests (any is a miss). */
export function failures(section: string, figure: string, ...results: LoadResult[]): Row[] {
  const failed = results.reduce((sum, result) => sum + result.failed, 0);
  return failed === 0
    ? []
    : [
        {
          section,
          figure: `${figure}: failed requests`,
          value: failed,
          unit: "count",
          target: { text: "0", ok: false },
        },
      ];
}
