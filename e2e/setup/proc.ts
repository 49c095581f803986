// What /proc says about a process or a process tree: which process holds a listening socket, and its memory.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

function parentOf(pid: number): number | undefined {
  try {
    // The command name (2nd field) may contain spaces and parentheses: the fields after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** The process and all its descendants. */
function processTree(root: number): number[] {
  const pids = allPids();
  const tree = [root];
  for (let added = true; added;) {
    added = false;
    for (const pid of pids) {
      const parent = parentOf(pid);
      if (!tree.includes(pid) && parent !== undefined && tree.includes(parent)) {
        tree.push(pid);
        added = true;
      }
    }
  }
  return tree;
}

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.trim().split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const localPort = parseInt(fields[1]?.split(":")[1] ?? "", 16);
      if (localPort === port && fields[3] === "0A" && fields[9]) inodes.add(fields[9]);
    }
  }
  return inodes;
}

function holdsSocket(pid: number, inodes: Set<string>): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/)?.[1] ?? "");
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** The process of `root`'s tree that listens on `port` (`next start` may serve from a child of its own). */
export function servingPid(root: number, port: number): number {
  const inodes = listeningInodes(port);
  const pid = processTree(root).find((candidate) => holdsSocket(candidate, inodes));
  if (pid === undefined) throw new Error(`no process of ${root}'s tree listens on port ${port}`);
  return pid;
}

/** Whichever process of this machine listens on `port` (for a server a test did not start itself). */
export function listenerPid(port: number): number {
  const inodes = listeningInodes(port);
  const pid = allPids().find((candidate) => holdsSocket(candidate, inodes));
  if (pid === undefined) throw new Error(`no process listens on port ${port}`);
  return pid;
}

/** The process `npm start` runs beside the server `webPid` (its sibling running scripts/worker.ts). */
export function workerBeside(webPid: number): number {
  const launcher = parentOf(webPid);
  const pid = allPids().find((candidate) => {
    if (candidate === webPid || parentOf(candidate) !== launcher) return false;
    try {
      return readFileSync(`/proc/${candidate}/cmdline`, "utf8").includes("scripts/worker.ts");
    } catch {
      return false;
    }
  });
  if (pid === undefined) throw new Error(`no worker process beside ${webPid}`);
  return pid;
}

function statusMiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const kb = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1];
  if (!kb) throw new Error(`no ${field} for process ${pid}`);
  return Number(kb) / 1024;
}

/** Resident memory now (VmRSS), MiB. */
export const rssMiB = (pid: number) => statusMiB(pid, "VmRSS");

/** The most resident memory the process ever had (VmHWM), MiB. */
export const peakRssMiB = (pid: number) => statusMiB(pid, "VmHWM");

// Linux counts CPU time in clock ticks of 1/100 s (getconf CLK_TCK) on every platform Node runs on here.
const TICK_MS = 10;

/**
 * CPU time (user + system, every thread) the processes have used so far, ms, with that of their
 * children that exited (a PostgreSQL backend that ended counts in its postmaster's); a process
 * gone counts 0.
 */
export function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime, stime, cutime, cstime: fields 14–17 of stat(5), counted from its 3rd.
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // exited
    }
  }
  return ticks * TICK_MS;
}

/** The processes of the local PostgreSQL servers (postmaster and backends alike). */
export function postgresPids(): number[] {
  return allPids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres";
    } catch {
      return false;
    }
  });
}
