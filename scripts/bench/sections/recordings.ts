// Recordings kept as MP3 (docs/recordings.md): the CPU an hour of audio costs to encode and
// verify, the size against the WAV, the memory a 2-hour recording takes, and the dialplan's
// /api/event p99 while a worker process encodes 20 recordings, against the same with none.
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { toneWav } from "../../../e2e/fixtures/audio";
import { db } from "@/lib/db/client";
import { callSteps, eventPath, hangup, nextPhone, nextUniqueid } from "../calls";
import { config } from "../config";
import { load } from "../load";
import { serviceEnv } from "../process-env";
import { spawnService } from "../profiling";
import { failures, type Section } from "../section";
import { atLeast, atMost, format } from "../table";

const SECTION = "recordings";
const HOUR_S = 3600;
/** The long recording: two hours of 8 kHz mono, 110 MiB as WAV; and a short one to compare its memory with. */
const LONG_S = 2 * HOUR_S;
const SHORT_S = 10 * 60;
/** A recording of those the worker encodes under load: 8 minutes, 20 of them take longer than a load run. */
const CALL_S = 8 * 60;
const RECORDINGS = 20;
const CONNECTIONS = 10;
const CPU_LIMIT_S = 18;
const RATIO_LIMIT = 5;
/** A 2-hour recording may take this much more memory than a 10-minute one: none of its length is held. */
const MEMORY_TOLERANCE = 0.2;
const P99_TOLERANCE = 0.2;

interface Encoded {
  result: { kind: string; sizeBytes?: number; durationSeconds?: number };
  cpuS: number;
  peakMiB: number;
  wavBytes: number;
}

/** A WAV of `seconds` encoded and verified by scripts/bench/encode-child.ts: its CPU time and peak memory. */
async function encodeAlone(dir: string, name: string, seconds: number): Promise<Encoded> {
  const wav = path.join(dir, `${name}.wav`);
  await writeFile(wav, toneWav(8000, seconds));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "scripts/bench/encode-child.ts", wav, path.join(dir, `${name}.mp3`)],
    { maxBuffer: 1024 * 1024 },
  );
  const encoded = JSON.parse(stdout) as Omit<Encoded, "wavBytes">;
  if (encoded.result.kind !== "encoded") throw new Error(`the ${name} recording was not encoded: ${stdout}`);
  const wavBytes = (await stat(wav)).size;
  await rm(wav);
  return { ...encoded, wavBytes };
}

export const recordingsSection: Section = async (ctx) => {
  const dir = await mkdtemp(path.join(tmpdir(), "bench-recordings-"));
  try {
    // Encoding alone, in a process of its own: 10 minutes, then 2 hours.
    const shortEncoded = await encodeAlone(dir, "short", SHORT_S);
    const encoded = await encodeAlone(dir, "long", LONG_S);
    const wavBytes = encoded.wavBytes;
    const ratio = wavBytes / encoded.result.sizeBytes!;
    const cpuPerHour = (encoded.cpuS * HOUR_S) / LONG_S;
    ctx.record("encode", { short: shortEncoded, long: encoded });

    // The dialplan's requests with no encoding, then while a worker process encodes 20 recordings.
    const recordingsDir = path.join(dir, "store");
    const service = await ctx.service("web", { RECORDINGS_DIR: recordingsDir });
    const account = await ctx.account();
    const events = callSteps(account.clientId);
    // The 20 recordings are uploaded first and their bytes flushed to the disk, so that both
    // measurements have them there; a worker process that encodes none runs beside the web
    // process (as npm start runs one) for the first, one that encodes (RECORDING_ENCODERS=1) for the second.
    const call = toneWav(8000, CALL_S);
    for (let i = 0; i < RECORDINGS; i++) {
      const uniqueid = nextUniqueid();
      await fetch(service.url + eventPath(account.clientId, hangup(uniqueid, nextPhone())));
      const upload = await fetch(service.url + eventPath(account.clientId, { type: "upload", uniqueid }), {
        method: "POST",
        body: new Uint8Array(call),
      });
      if (!upload.ok) throw new Error(`upload ${i} answered ${upload.status}: ${await upload.text()}`);
    }
    await promisify(execFile)("sync");
    const startWorker = async (encoders: number) => {
      const child = spawnService(
        `recordings-worker-${encoders}`,
        ["--import", "tsx", "scripts/worker.ts"],
        serviceEnv({ LOG_LEVEL: "info", RECORDINGS_DIR: recordingsDir, RECORDING_ENCODERS: String(encoders) }),
      );
      await child.line(/recording work started/, 60_000);
      return child;
    };
    const idle = await startWorker(0);
    await load({ urls: [service.url], request: events, connections: CONNECTIONS, durationS: config.warmupS });
    const quiet = await load({
      urls: [service.url],
      request: events,
      connections: CONNECTIONS,
      durationS: config.durationS,
    });
    // What else the machine was doing: on a machine busy with other work the figure means little.
    const quietLoad = loadavg()[0]!;
    await idle.stop();
    const worker = await startWorker(1);
    try {
      const pending = () => db().recording.count({ where: { accountId: account.id, state: "PENDING" } });
      // Measured once the worker has taken the first of them.
      while ((await db().recording.count({ where: { accountId: account.id, encoder: { not: null } } })) === 0)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const started = performance.now();
      const busy = await load({
        urls: [service.url],
        request: events,
        connections: CONNECTIONS,
        durationS: config.durationS,
      });
      const busyLoad = loadavg()[0]!;
      const leftAtEnd = await pending();
      while ((await pending()) > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      const allS = (performance.now() - started) / 1000;
      ctx.record("p99", { quiet, busy, quietLoad, busyLoad, leftAtEnd, allS });
      const ceiling = quiet.p99 * (1 + P99_TOLERANCE);
      return [
        {
          section: SECTION,
          figure: "CPU per hour of 8 kHz audio (encode + verify, 1 core)",
          value: cpuPerHour,
          unit: "s",
          reference: `${format(HOUR_S / cpuPerHour)}× real time`,
          target: atMost(cpuPerHour, CPU_LIMIT_S, `< ${CPU_LIMIT_S} s (≥ 200× real time)`),
        },
        {
          section: SECTION,
          figure: "WAV size / MP3 size",
          value: ratio,
          unit: "×",
          reference: `${format(wavBytes / 2 ** 20, "MiB")} → ${format(encoded.result.sizeBytes! / 2 ** 20, "MiB")}`,
          target: atLeast(ratio, RATIO_LIMIT, `≥ ${RATIO_LIMIT}×`),
        },
        {
          section: SECTION,
          figure: "peak RSS of a process encoding a 2-hour recording",
          value: encoded.peakMiB,
          unit: "MiB",
          reference: `10 minutes ${format(shortEncoded.peakMiB, "MiB")}; the WAV ${format(wavBytes / 2 ** 20, "MiB")}`,
          target: atMost(
            encoded.peakMiB,
            shortEncoded.peakMiB * (1 + MEMORY_TOLERANCE),
            `≤ 10 minutes' + ${MEMORY_TOLERANCE * 100} % (${format(shortEncoded.peakMiB * (1 + MEMORY_TOLERANCE))})`,
          ),
        },
        {
          section: SECTION,
          figure: `/api/event p99, ${CONNECTIONS} conn, while ${RECORDINGS} recordings encode`,
          value: busy.p99,
          unit: "ms",
          reference: `none encoding ${format(quiet.p99, "ms")}; load average ${format(quietLoad)} → ${format(busyLoad)}; ${RECORDINGS - leftAtEnd} done in the run, all in ${format(allS)} s`,
          target: atMost(busy.p99, ceiling, `≤ none + ${P99_TOLERANCE * 100} % (${format(ceiling)})`),
        },
        ...failures(SECTION, "events", quiet, busy),
      ];
    } finally {
      await worker.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
