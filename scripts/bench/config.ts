// What a run measures and for how long; every count can be lowered for a quick look.
function whole(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive whole number, not ${JSON.stringify(raw)}`);
  return value;
}

export const config = {
  /** Seconds of each load run (autocannon duration). */
  durationS: whole("BENCH_DURATION", 10),
  /** Seconds of load before measuring, so the JIT and the pools are warm. */
  warmupS: whole("BENCH_WARMUP", 3),
  /** Events queued for one account before its delivery starts. */
  deliveryEvents: whole("BENCH_DELIVERY_EVENTS", 10_000),
  /** Events queued for each of the 20 accounts of the scaling run. */
  deliveryAccountEvents: whole("BENCH_DELIVERY_ACCOUNT_EVENTS", 1_200),
  /** Seconds over which one account's delivery is measured (each 20-account run: half of it). */
  deliveryWindowS: whole("BENCH_DELIVERY_WINDOW", 30),
  /** Events per memory round (two rounds, each stopped after 10 minutes at most). */
  memoryEvents: whole("BENCH_MEMORY_EVENTS", 100_000),
  /** Accounts of the tenants section's full deployment (it measures a hundredth and a tenth of it too). */
  tenantsAccounts: whole("BENCH_TENANTS_ACCOUNTS", 10_000),
  /** Of them in AMI mode, each with a simulated PBX of its own. */
  tenantsAmi: whole("BENCH_TENANTS_AMI", 1_000),
  /** Seconds of each of the tenants section's measuring windows. */
  tenantsWindowS: whole("BENCH_TENANTS_WINDOW", 20),
  /** Start the servers and workers with --cpu-prof and summarise where the time goes. */
  profile: process.env.BENCH_PROFILE === "1",
  /** Use the existing .next build (while developing the benchmark itself). */
  skipBuild: process.env.BENCH_SKIP_BUILD === "1",
} as const;

export const RESULTS_DIR = "bench-results";
export const PROFILE_DIR = `${RESULTS_DIR}/profiles`;
export const LOG_DIR = `${RESULTS_DIR}/logs`;
