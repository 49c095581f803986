// BENCH_PROFILE=1: service processes run under --cpu-prof (each thread's profile is written when
// the process exits), and each section's profiles are summarised once its processes have stopped.
import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawnNode, type Child } from "./children";
import { config, PROFILE_DIR } from "./config";
import { summariseProfile, type ProfileSummary, type ProfileWindow } from "./profile-summary";

/** Profiled processes by pid: Node names a profile CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile. */
const labels = new Map<number, string>();
const PROFILE_NAME = /^CPU\.\d+\.\d+\.(\d+)\.(\d+)\.\d+\.cpuprofile$/;

/** A service process (`label` starts with its section's name), profiled when BENCH_PROFILE=1. */
export function spawnService(label: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawnNode(
    label,
    [...(config.profile ? ["--cpu-prof", "--cpu-prof-dir", PROFILE_DIR] : []), ...args],
    env,
  );
  if (config.profile) labels.set(child.pid, label);
  return child;
}

const windows: ProfileWindow[] = [];
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Marks a stretch of the run (a measuring window) whose samples are summarised apart as well;
 * the profiles' clock is the monotonic one this process reads too. Returns the window's end.
 */
export function profileWindow(name: string): () => void {
  const fromUs = monotonicUs();
  return () => {
    if (config.profile) windows.push({ name, fromUs, toUs: monotonicUs() });
  };
}

export function clearProfiles(): void {
  rmSync(PROFILE_DIR, { recursive: true, force: true });
}

/**
 * Names the profiles of processes that have exited after their labels (<label>.cpuprofile for
 * the main thread; others, such as tsx's module loader thread, <label>.thread-<n>.cpuprofile)
 * and summarises the main threads of a section's processes, whole and within each window marked.
 */
export function sectionProfiles(section: string): ProfileSummary[] {
  if (!config.profile || !existsSync(PROFILE_DIR)) return [];
  for (const name of readdirSync(PROFILE_DIR)) {
    const [, pid, thread] = name.match(PROFILE_NAME) ?? [];
    const label = labels.get(Number(pid));
    if (label)
      renameSync(
        join(PROFILE_DIR, name),
        join(PROFILE_DIR, thread === "0" ? `${label}.cpuprofile` : `${label}.thread-${thread}.cpuprofile`),
      );
  }
  return readdirSync(PROFILE_DIR)
    .filter((name) => name.startsWith(`${section}-`) && name.endsWith(".cpuprofile") && !name.includes(".thread-"))
    .sort()
    .flatMap((name) => {
      const file = join(PROFILE_DIR, name);
      const sliced = windows
        .map((window) => summariseProfile(file, 15, window))
        .filter((summary) => summary.sampledMs > 0);
      return [summariseProfile(file), ...sliced];
    });
}
