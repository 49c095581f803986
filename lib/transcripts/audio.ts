import { MPEGDecoder } from "mpg123-decoder";
import { wavLayout } from "@/lib/recordings";
import { EngineError } from "./engine";

/** What every engine is given: 16 kHz, the rate the local model and SpeechKit's LPCM expect. */
export const ENGINE_RATE = 16_000;

/** A recording's sound, one Float32Array (−1…1) per channel. */
export interface DecodedAudio {
  sampleRate: number;
  channels: Float32Array[];
}

/**
 * A stored recording's sound: 16-bit PCM WAV as Asterisk writes it, or the MP3 its compact copy
 * is (docs/recordings.md). Anything else (GSM in WAV) is refused: no engine is sent what the
 * service cannot read itself, so what leaves is always the WAV made here.
 */
export async function decodeRecording(bytes: Buffer): Promise<DecodedAudio> {
  const layout = wavLayout(bytes);
  if (layout) {
    if (layout.audioFormat !== 1 || layout.bitsPerSample !== 16 || layout.channels < 1 || layout.channels > 2)
      throw new EngineError(
        `the recording is WAV format ${layout.audioFormat}, ${layout.bitsPerSample}-bit: only 16-bit PCM is transcribed`,
        false,
      );
    const frames = Math.floor(layout.dataBytes / layout.blockAlign);
    const channels = Array.from({ length: layout.channels }, () => new Float32Array(frames));
    for (let frame = 0; frame < frames; frame++)
      for (let c = 0; c < layout.channels; c++)
        channels[c]![frame] = bytes.readInt16LE(layout.dataOffset + frame * layout.blockAlign + 2 * c) / 32768;
    return { sampleRate: layout.sampleRate, channels };
  }
  const decoder = new MPEGDecoder();
  await decoder.ready;
  try {
    const decoded = decoder.decode(new Uint8Array(bytes));
    if (decoded.samplesDecoded === 0) throw new EngineError("the recording is neither 16-bit PCM WAV nor MP3", false);
    return { sampleRate: decoded.sampleRate, channels: decoded.channelData.map((data) => Float32Array.from(data)) };
  } finally {
    decoder.free();
  }
}

/** Half-width of the low-pass's window, in input samples each side. */
const TAPS = 24;
/** Fractional positions the filter's weights are computed for (polyphase table). */
const PHASES = 256;

/** The low-pass's weights for one fractional position, normalised to sum to 1. */
function weights(frac: number, cutoff: number): Float32Array {
  const w = new Float32Array(2 * TAPS);
  let sum = 0;
  for (let k = 0; k < 2 * TAPS; k++) {
    const t = frac + TAPS - 1 - k;
    const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    w[k] = sinc * (0.5 + 0.5 * Math.cos((Math.PI * t) / TAPS));
    sum += w[k]!;
  }
  return w.map((v) => v / sum);
}

/**
 * One channel at ENGINE_RATE, low-passed below the new Nyquist first (a windowed sinc): sound
 * above it would fold back as noise the recogniser mistakes for speech. The weights come from a
 * table of PHASES fractional positions, so each output sample costs 2·TAPS multiplications.
 */
export function resample(samples: Float32Array, fromRate: number): Float32Array {
  if (fromRate === ENGINE_RATE) return samples;
  const ratio = fromRate / ENGINE_RATE;
  const cutoff = (0.95 * Math.min(fromRate, ENGINE_RATE)) / 2 / fromRate;
  const table: (Float32Array | undefined)[] = [];
  const out = new Float32Array(Math.floor(samples.length / ratio));
  for (let i = 0; i < out.length; i++) {
    const x = i * ratio;
    let centre = Math.floor(x);
    let phase = Math.round((x - centre) * PHASES);
    if (phase === PHASES) {
      centre++;
      phase = 0;
    }
    const w = (table[phase] ??= weights(phase / PHASES, cutoff));
    const first = centre - TAPS + 1;
    let sum = 0;
    for (let k = Math.max(0, -first); k < 2 * TAPS && first + k < samples.length; k++)
      sum += samples[first + k]! * w[k]!;
    out[i] = sum;
  }
  return out;
}

/** 16-bit mono PCM WAV of one channel at ENGINE_RATE. */
export function monoWav(samples: Float32Array): Buffer {
  const out = Buffer.alloc(44 + 2 * samples.length);
  out.write("RIFF", 0, "latin1");
  out.writeUInt32LE(36 + 2 * samples.length, 4);
  out.write("WAVEfmt ", 8, "latin1");
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(ENGINE_RATE, 24);
  out.writeUInt32LE(ENGINE_RATE * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write("data", 36, "latin1");
  out.writeUInt32LE(2 * samples.length, 40);
  for (let i = 0; i < samples.length; i++)
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32768))), 44 + 2 * i);
  return out;
}

/** Seconds of sound: what the monthly cap counts (once per recording, whatever its channels). */
export function durationSeconds(audio: DecodedAudio): number {
  return (audio.channels[0]?.length ?? 0) / audio.sampleRate;
}

/**
 * What is sent, one WAV per side: a stereo recording (MixMonitor's `D` option, docs/asterisk.md)
 * gives the manager's channel and the customer's apart; a mono one, the whole call.
 */
export function sides(audio: DecodedAudio): Buffer[] {
  return audio.channels.map((channel) => monoWav(resample(channel, audio.sampleRate)));
}
