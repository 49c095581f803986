// Transcripts (docs/transcripts.md, «Cost of the service's own part»): what the service itself
// spends on an hour of stereo call audio before an engine hears it (the stored recording decoded,
// then one 16 kHz WAV per side, as the worker sends them), and the bytes that leave per hour,
// beside the decoding alone and the recording's own size, measured in the same run.
import { toneWav } from "../../../e2e/fixtures/audio";
import { decodeRecording, sides } from "@/lib/transcripts";
import type { Section } from "../section";
import { atMost, format } from "../table";

const SECTION = "transcripts";
const HOUR_S = 3600;
/** A recording as MixMonitor's `D` option writes one: 8 kHz, 16-bit, the two sides apart; 10 minutes. */
const RECORDING_S = 10 * 60;
const ROUNDS = 3;
/** The service's part may cost an hour of audio at most 36 s of one core (100 × real time). */
const CPU_LIMIT_S = 36;

/** CPU seconds (user + system) `work` takes in this process: the fastest of ROUNDS, after a warm-up. */
async function cpuOf(work: () => Promise<unknown>): Promise<number> {
  await work();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const from = process.cpuUsage();
    await work();
    const used = process.cpuUsage(from);
    best = Math.min(best, (used.user + used.system) / 1e6);
  }
  return best;
}

export const transcriptsSection: Section = async (ctx) => {
  const wav = toneWav(8000, RECORDING_S, 2);
  let sent = 0;
  const decodeS = await cpuOf(() => decodeRecording(wav));
  const prepareS = await cpuOf(async () => {
    sent = sides(await decodeRecording(wav)).reduce((sum, side) => sum + side.length, 0);
  });
  const perHour = HOUR_S / RECORDING_S;
  ctx.record("cpu", { decodeS, prepareS, recordingS: RECORDING_S, sentBytes: sent, wavBytes: wav.length });
  const mib = (bytes: number) => (bytes * perHour) / 1024 / 1024;
  return [
    {
      section: SECTION,
      figure: "CPU per hour of stereo 8 kHz audio: decoded, two 16 kHz sides, 1 core",
      value: prepareS * perHour,
      unit: "s",
      reference: `decoding alone ${format(decodeS * perHour, "s")}; the hour itself 3600 s`,
      target: atMost(prepareS * perHour, CPU_LIMIT_S, `≤ ${CPU_LIMIT_S} s (≥ 100× real time)`),
    },
    {
      section: SECTION,
      figure: "sent to the engine per hour of stereo audio",
      value: mib(sent),
      unit: "MiB",
      reference: `the recording as stored (WAV) ${format(mib(wav.length), "MiB")}`,
    },
  ];
};
