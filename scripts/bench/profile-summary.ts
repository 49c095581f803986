// Where a .cpuprofile's time went: self time per function and per area (a package, a folder of
// the project, Node's internals, GC), with the minified Next.js server bundles mapped back to
// the sources through their source maps.
//   tsx scripts/bench/profile-summary.ts bench-results/profiles/<name>.cpuprofile [...]
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  /** Microseconds on the monotonic clock, as process.hrtime.bigint() reads it / 1000. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A stretch of a run (monotonic microseconds): a summary of a profile can keep only its samples. */
export interface ProfileWindow {
  name: string;
  fromUs: number;
  toUs: number;
}

export interface Share {
  name: string;
  selfMs: number;
  /** Of the busy (non-idle) time. */
  percent: number;
}

export interface ProfileSummary {
  file: string;
  window?: string;
  sampledMs: number;
  busyMs: number;
  functions: (Share & { where: string })[];
  areas: Share[];
  /** The project's own functions (lib/, app/) with the time spent in them and what they call. */
  project: (Share & { where: string })[];
}

const maps = new Map<string, SourceMap | null>();

function sourceMapOf(path: string): SourceMap | null {
  if (!maps.has(path)) {
    const mapPath = `${path}.map`;
    maps.set(path, existsSync(mapPath) ? new SourceMap(JSON.parse(readFileSync(mapPath, "utf8"))) : null);
  }
  return maps.get(path)!;
}

function packageOf(path: string): string | undefined {
  const inPackage = path.split("node_modules/").at(-1)!;
  if (inPackage === path) return undefined;
  return `npm:${inPackage
    .split("/")
    .slice(0, inPackage.startsWith("@") ? 2 : 1)
    .join("/")}`;
}

/**
 * Where a frame's code comes from (after the source map when there is one) and its area: the
 * package, else the project folder, else Node's module or V8's pseudo-frame ("(garbage collector)").
 */
function locate(frame: CallFrame): { name: string; where: string; area: string } {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return { name, where: "", area: name.startsWith("(") ? name : "(native)" };
  if (!frame.url.startsWith("file://")) {
    return {
      name,
      where: `${frame.url}:${frame.lineNumber + 1}`,
      area: frame.url.startsWith("wasm:") ? "wasm" : frame.url.split("/").slice(0, 2).join("/"),
    };
  }
  const path = fileURLToPath(frame.url);
  const origin = sourceMapOf(path)?.findOrigin(frame.lineNumber + 1, frame.columnNumber + 1);
  if (!origin || !("fileName" in origin)) {
    const file = relative(process.cwd(), path);
    return { name, where: `${file}:${frame.lineNumber + 1}`, area: packageOf(file) ?? dirname(file) };
  }
  // Bundled sources are relative to the map; a package's own maps may name them webpack:/… instead.
  const file = /^[a-z]+:/.test(origin.fileName)
    ? origin.fileName
    : relative(process.cwd(), resolve(dirname(path), origin.fileName));
  return {
    name: origin.name || name,
    where: `${file}:${origin.lineNumber}`,
    area: packageOf(file) ?? packageOf(path) ?? dirname(file),
  };
}

function top(totals: Map<string, number>, busyUs: number, count: number): Share[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, selfMs: us / 1000, percent: (100 * us) / busyUs }));
}

const isProject = (where: string) => where.startsWith("lib/") || where.startsWith("app/");

export function summariseProfile(file: string, count = 15, window?: ProfileWindow): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const located = new Map(profile.nodes.map((node) => [node.id, locate(node.callFrame)]));
  const parents = new Map(
    profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node.id] as const)),
  );
  const projectKeys = new Map<number, string[]>();
  /** The project functions on a node's stack, each once (recursion is not counted twice). */
  const projectStack = (id: number): string[] => {
    let keys = projectKeys.get(id);
    if (!keys) {
      const parent = parents.get(id);
      const { name, where } = located.get(id)!;
      const above = parent === undefined ? [] : projectStack(parent);
      keys = isProject(where) && !above.includes(`${name}\t${where}`) ? [...above, `${name}\t${where}`] : above;
      projectKeys.set(id, keys);
    }
    return keys;
  };

  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  const byProject = new Map<string, number>();
  const add = (totals: Map<string, number>, key: string, us: number) => totals.set(key, (totals.get(key) ?? 0) + us);
  let sampledUs = 0;
  let idleUs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (window && (at < window.fromUs || at >= window.toUs)) return;
    const { name, where, area } = located.get(id)!;
    sampledUs += us;
    if (name === "(idle)") {
      idleUs += us;
      return;
    }
    add(byFunction, `${name}\t${where}`, us);
    add(byArea, area, us);
    for (const key of projectStack(id)) add(byProject, key, us);
  });
  const busyUs = Math.max(1, sampledUs - idleUs);
  const split = ({ name, ...share }: Share) => {
    const [fn, where] = name.split("\t");
    return { ...share, name: fn!, where: where! };
  };
  return {
    file,
    ...(window ? { window: window.name } : {}),
    sampledMs: sampledUs / 1000,
    busyMs: busyUs / 1000,
    functions: top(byFunction, busyUs, count).map(split),
    areas: top(byArea, busyUs, count),
    project: top(byProject, busyUs, count).map(split),
  };
}

export function renderSummary(summary: ProfileSummary): string {
  const pct = (share: Share) => `${share.percent.toFixed(1).padStart(5)} %`;
  return [
    `${summary.file}${summary.window ? ` (${summary.window})` : ""}: ${(summary.sampledMs / 1000).toFixed(1)} s profiled, ${(summary.busyMs / 1000).toFixed(1)} s busy`,
    "  self time by function:",
    ...summary.functions.map((f) => `    ${pct(f)}  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}  ${f.where}`),
    "  self time by area:",
    ...summary.areas.map((a) => `    ${pct(a)}  ${a.selfMs.toFixed(0).padStart(7)} ms  ${a.name}`),
    "  the project's functions, with what they call:",
    ...summary.project.map((f) => `    ${pct(f)}  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}  ${f.where}`),
  ].join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  for (const file of process.argv.slice(2)) console.log(`${renderSummary(summariseProfile(file))}\n`);
}
