// One recording encoded and verified as the worker's thread does it (lib/recordings/mp3.ts), in a
// process of its own so that its CPU time and peak memory are its own: prints them as JSON.
import { readFileSync } from "node:fs";
// The encoder's own module, not the capability's index: the memory measured is the encoder's, not
// that of the database client and the routes the index brings along.
import { compactWav } from "../../lib/recordings";

const [wavPath, mp3Path] = process.argv.slice(2);
const before = process.cpuUsage();
const result = await compactWav(wavPath!, mp3Path!);
const cpu = process.cpuUsage(before);
// The process's peak resident memory (VmHWM, kB).
const peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? Number.NaN);
process.stdout.write(`${JSON.stringify({ result, cpuS: (cpu.user + cpu.system) / 1e6, peakMiB: peakKb / 1024 })}\n`);
