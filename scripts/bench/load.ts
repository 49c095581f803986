// autocannon against one or more instances at once (connections split evenly), keeping every
// successful response's latency so that percentiles are exact and combine across instances.
import autocannon from "autocannon";

/** Builds the path of the next request; `call` lives as long as one pass over the steps. */
export type Step = (call: Record<string, string>) => string;

export interface LoadOptions {
  /** Base URLs of the instances under load. */
  urls: string[];
  /** A fixed path, or steps each connection goes through in order, again and again. */
  request: string | Step[];
  connections: number;
  /** Seconds of load; `amount` (requests in all) wins when given. */
  durationS?: number;
  amount?: number;
  /** Stops an `amount` run after this many seconds (on a machine slower than planned for). */
  maxDurationS?: number;
  headers?: Record<string, string>;
}

export interface LoadResult {
  /** 2xx responses. */
  ok: number;
  /** Other responses, connection errors and timeouts. */
  failed: number;
  durationS: number;
  /** 2xx responses per second. */
  rps: number;
  /** Latencies of the 2xx responses, ms. */
  p50: number;
  p99: number;
  min: number;
  max: number;
}

/** The value at fraction `p` (0.99) of sorted latencies. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function requestsOf(request: Step[]): autocannon.Request[] {
  return request.map((step) => ({
    setupRequest: (req: autocannon.Request, context: object) => ({
      ...req,
      path: step(context as Record<string, string>),
    }),
  }));
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let failed = 0;
  const perInstance = Math.max(1, Math.round(options.connections / options.urls.length));
  const started = performance.now();
  await Promise.all(
    options.urls.map(
      (url) =>
        new Promise<void>((resolve, reject) => {
          let deadline: NodeJS.Timeout | undefined;
          const instance = autocannon(
            {
              url: typeof options.request === "string" ? url + options.request : url,
              connections: perInstance,
              duration: options.durationS ?? 10,
              ...(options.amount ? { amount: Math.ceil(options.amount / options.urls.length) } : {}),
              ...(typeof options.request === "string" ? {} : { requests: requestsOf(options.request) }),
              headers: options.headers ?? {},
              timeout: 30,
            },
            (error: unknown) => {
              clearTimeout(deadline);
              if (error) reject(error instanceof Error ? error : new Error(String(error)));
              else resolve();
            },
          );
          if (options.maxDurationS) deadline = setTimeout(() => instance.stop(), options.maxDurationS * 1000);
          instance.on("response", (_client, status, _bytes, responseTime) => {
            if (status >= 200 && status < 300) latencies.push(responseTime);
            else failed++;
          });
          instance.on("reqError", () => failed++);
        }),
    ),
  );
  const durationS = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    ok: sorted.length,
    failed,
    durationS,
    rps: sorted.length / durationS,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}
