import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { MPEGDecoder } from "mpg123-decoder";
import { createMp3Encoder } from "wasm-media-encoders";
import { wavLayout, type WavLayout } from "./wav-duration";
import { WAV_HEADER_WINDOW } from "./wav-header";

/**
 * WAV → MP3 for storage (docs/recordings.md, «Compact copies»): LAME compiled to WebAssembly
 * (wasm-media-encoders), checked by decoding with mpg123 compiled to WebAssembly (mpg123-decoder).
 * Both are read from disk and written to disk in pieces, so a recording of hours is never held
 * in memory. Meant to run in the encoder's worker thread (encoder-pool.ts), off the requests.
 */

/** A voice bitrate per channel: MPEG-2/2.5 (8–24 kHz) has 24 kbit/s; MPEG-1 (32–48 kHz) starts at 32. */
const KBPS_PER_CHANNEL = { mpeg1: 32, mpeg2: 24 } as const;
const MP3_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] as const;
type Mp3Rate = (typeof MP3_RATES)[number];

/** What a recording is encoded as: its own rate and channels (stereo kept), at a voice bitrate. */
export interface Mp3Plan {
  sampleRate: Mp3Rate;
  channels: 1 | 2;
  kbps: 24 | 32 | 48 | 64;
  layout: WavLayout;
}

/** The plan for a WAV's header, or null when it is no 16-bit PCM of 1–2 channels at a rate MP3 has (GSM, say). */
export function mp3Plan(head: Buffer, fileSize: number): Mp3Plan | null {
  const layout = wavLayout(head, fileSize);
  if (!layout || layout.audioFormat !== 1 || layout.bitsPerSample !== 16) return null;
  const rate = MP3_RATES.find((candidate) => candidate === layout.sampleRate);
  if (rate === undefined || (layout.channels !== 1 && layout.channels !== 2)) return null;
  if (layout.blockAlign !== 2 * layout.channels || layout.dataBytes < layout.blockAlign) return null;
  const perChannel = rate >= 32000 ? KBPS_PER_CHANNEL.mpeg1 : KBPS_PER_CHANNEL.mpeg2;
  return {
    sampleRate: rate,
    channels: layout.channels,
    kbps: (perChannel * layout.channels) as Mp3Plan["kbps"],
    layout,
  };
}

const BITRATES = {
  mpeg1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  mpeg2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
} as const;

/** One MPEG audio frame header's facts, or null where no frame starts. */
function frameSizeAt(bytes: Uint8Array, offset: number): number | null {
  const [b0, b1, b2] = [bytes[offset], bytes[offset + 1], bytes[offset + 2]];
  if (b0 !== 0xff || b1 === undefined || b2 === undefined || (b1 & 0xe0) !== 0xe0) return null;
  const version = (b1 >> 3) & 0b11;
  const rateIndex = (b2 >> 2) & 0b11;
  if (version === 0b01 || ((b1 >> 1) & 0b11) !== 0b01 || rateIndex === 3) return null;
  const mpeg1 = version === 0b11;
  const kbps = (mpeg1 ? BITRATES.mpeg1 : BITRATES.mpeg2)[b2 >> 4];
  if (!kbps) return null;
  const base = [44100, 48000, 32000][rateIndex]!;
  const rate = mpeg1 ? base : version === 0b10 ? base / 2 : base / 4;
  return Math.floor(((mpeg1 ? 144 : 72) * kbps * 1000) / rate) + ((b2 >> 1) & 1);
}

/** A frame header of the plan's MPEG version, rate and channels (for the room its Info frame takes). */
function planHeader(plan: Mp3Plan): Uint8Array {
  const version = plan.sampleRate >= 32000 ? 0b11 : plan.sampleRate >= 16000 ? 0b10 : 0b00;
  const rateIndex = [44100, 22050, 11025].includes(plan.sampleRate)
    ? 0
    : [48000, 24000, 12000].includes(plan.sampleRate)
      ? 1
      : 2;
  return Uint8Array.from([0xff, 0xe2 | (version << 3) | 1, rateIndex << 2, plan.channels === 1 ? 0xc0 : 0x40]);
}

/** CRC-16 (polynomial 0x8005, reflected), as the LAME tag's checksums are. */
function crc16(bytes: Uint8Array, start = 0): number {
  let crc = start;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** The samples LAME puts before the sound when it does not resample: the tag tells decoders to skip them. */
const ENCODER_DELAY = 576;
/** A LAME tag's checksum covers the first 190 bytes of its frame, which must hold them. */
const TAG_FRAME_MIN = 192;

/**
 * The first frame of the file: an "Info" frame (as LAME writes for CBR) with the frame and byte
 * counts and the LAME extension's encoder delay and padding, so that a decoder (mpg123, a
 * browser) plays exactly the recorded samples and knows the duration without reading it all.
 * Its bitrate is the lowest whose frame holds the tag; `header` is the first audio frame's.
 */
export function infoFrame(
  header: Uint8Array,
  counts: { frames: number; audioBytes: number; samples: number; audioCrc: number; kbps: number },
): Buffer {
  const b1 = header[1]!;
  const b2 = header[2]!;
  const b3 = header[3]!;
  const version = (b1 >> 3) & 0b11;
  const mpeg1 = version === 0b11;
  const base = [44100, 48000, 32000][(b2 >> 2) & 0b11]!;
  const rate = mpeg1 ? base : version === 0b10 ? base / 2 : base / 4;
  const table = mpeg1 ? BITRATES.mpeg1 : BITRATES.mpeg2;
  const frameBytes = (kbps: number) => Math.floor(((mpeg1 ? 144 : 72) * kbps * 1000) / rate);
  const index = table.findIndex((kbps, i) => i > 0 && frameBytes(kbps) >= TAG_FRAME_MIN);
  const size = frameBytes(table[index]!);
  const frame = Buffer.alloc(size);
  // No CRC (protection bit set), no padding, the chosen bitrate; the rest as the audio frames have it.
  frame.set([0xff, b1 | 1, (index << 4) | (b2 & 0x0c), b3]);
  const mono = b3 >> 6 === 0b11;
  const xing = 4 + (mpeg1 ? (mono ? 17 : 32) : mono ? 9 : 17);
  const total = size + counts.audioBytes;
  frame.write("Info", xing, "latin1");
  frame.writeUInt32BE(0b11, xing + 4); // the frame and byte counts follow
  frame.writeUInt32BE(counts.frames, xing + 8);
  frame.writeUInt32BE(total, xing + 12);
  const lame = xing + 16;
  frame.write("LAME3.100", lame, "latin1");
  frame[lame + 9] = 0x01; // tag revision 0, constant bitrate
  frame[lame + 20] = Math.min(255, counts.kbps);
  const samplesPerFrame = mpeg1 ? 1152 : 576;
  const padding = counts.frames * samplesPerFrame - ENCODER_DELAY - counts.samples;
  frame[lame + 21] = ENCODER_DELAY >> 4;
  frame[lame + 22] = ((ENCODER_DELAY & 0x0f) << 4) | ((padding >> 8) & 0x0f);
  frame[lame + 23] = padding & 0xff;
  frame.writeUInt32BE(total, lame + 28);
  frame.writeUInt16BE(counts.audioCrc, lame + 32);
  frame.writeUInt16BE(crc16(frame.subarray(0, 190)), lame + 34);
  return frame;
}

/** PCM samples read per round: about a second of 8 kHz audio, whatever the file's length. */
const READ_BYTES = 64 * 1024;

/**
 * Encodes a stored WAV (its `plan` from mp3Plan) into `mp3Path`, reading and writing in pieces.
 * Returns the samples per channel encoded.
 */
export async function encodeWavToMp3(wavPath: string, mp3Path: string, plan: Mp3Plan): Promise<{ samples: number }> {
  const encoder = await createMp3Encoder();
  encoder.configure({
    sampleRate: plan.sampleRate,
    channels: plan.channels,
    bitrate: plan.kbps,
    outputSampleRate: plan.sampleRate,
  });
  const { channels } = plan;
  const out = await open(mp3Path, "w");
  try {
    // Room for the Info frame, written once the counts are known.
    const reserved = infoFrame(planHeader(plan), {
      frames: 0,
      audioBytes: 0,
      samples: 0,
      audioCrc: 0,
      kbps: plan.kbps,
    }).length;
    let position = reserved;
    let header: Uint8Array | null = null;
    let crc = 0;
    let frames = 0;
    let pending = 0;
    const write = async (encoded: Uint8Array) => {
      if (encoded.length === 0) return;
      const bytes = Buffer.from(encoded);
      header ??= bytes.subarray(0, 4);
      crc = crc16(bytes, crc);
      await out.write(bytes, 0, bytes.length, position);
      position += bytes.length;
      // Counts the frames: one may run on into the next piece.
      let at = pending;
      while (at < bytes.length) {
        const size = frameSizeAt(bytes, at);
        if (!size) throw new Error("the encoder wrote something that is no MPEG frame");
        frames += 1;
        at += size;
      }
      pending = at - bytes.length;
    };
    const { dataOffset, dataBytes } = plan.layout;
    const frameBytes = 2 * channels;
    let samples = 0;
    let carry = Buffer.alloc(0);
    const pcm = createReadStream(wavPath, {
      start: dataOffset,
      end: dataOffset + dataBytes - 1,
      highWaterMark: READ_BYTES,
    });
    for await (const piece of pcm as AsyncIterable<Buffer>) {
      const chunk = carry.length ? Buffer.concat([carry, piece]) : piece;
      const count = Math.floor(chunk.length / frameBytes);
      carry = Buffer.from(chunk.subarray(count * frameBytes));
      const planes = Array.from({ length: channels }, () => new Float32Array(count));
      for (let i = 0; i < count; i++)
        for (let c = 0; c < channels; c++) planes[c]![i] = chunk.readInt16LE((i * channels + c) * 2) / 32768;
      samples += count;
      await write(encoder.encode(planes));
    }
    await write(encoder.finalize());
    if (!header) throw new Error("the recording has no sound to encode");
    const tag = infoFrame(header, { frames, audioBytes: position - reserved, samples, audioCrc: crc, kbps: plan.kbps });
    if (tag.length !== reserved) throw new Error("the Info frame does not fit the room kept for it");
    await out.write(tag, 0, tag.length, 0);
    return { samples };
  } finally {
    await out.close();
  }
}

/**
 * Decodes an MP3 file as a player would, in pieces: its duration in seconds (the Info frame's
 * delay and padding taken off), or an error when mpg123 finds frames it cannot decode.
 */
export async function decodedSeconds(mp3Path: string): Promise<number> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  try {
    let samples = 0;
    let rate = 0;
    for await (const piece of createReadStream(mp3Path, { highWaterMark: READ_BYTES }) as AsyncIterable<Buffer>) {
      const decoded = decoder.decode(piece);
      if (decoded.errors.length > 0) throw new Error(`the MP3 does not decode: ${decoded.errors[0]!.message}`);
      samples += decoded.samplesDecoded;
      if (decoded.sampleRate) rate = decoded.sampleRate;
    }
    if (rate === 0) throw new Error("the MP3 holds no frame that decodes");
    return samples / rate;
  } finally {
    decoder.free();
  }
}

/** The WAV's header window and size, for mp3Plan. */
export async function wavHead(wavPath: string): Promise<{ head: Buffer; size: number }> {
  const handle = await open(wavPath, "r");
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, WAV_HEADER_WINDOW));
    await handle.read(head, 0, head.length, 0);
    return { head, size };
  } finally {
    await handle.close();
  }
}

/** The greatest difference between the copy's and the original's durations for the copy to replace it. */
export const DURATION_TOLERANCE_SECONDS = 0.1;

export type CompactResult =
  | { kind: "encoded"; durationSeconds: number; sizeBytes: number }
  | { kind: "not-encodable" }
  | { kind: "failed"; reason: string };

/**
 * The whole job of one recording, as the worker thread runs it: the WAV at `wavPath` encoded to
 * `mp3Path` and verified (it decodes, and its duration is the original's within 0.1 s).
 */
export async function compactWav(wavPath: string, mp3Path: string): Promise<CompactResult> {
  const { head, size } = await wavHead(wavPath);
  const plan = mp3Plan(head, size);
  if (!plan) return { kind: "not-encodable" };
  try {
    await encodeWavToMp3(wavPath, mp3Path, plan);
    const expected = plan.layout.dataBytes / plan.layout.byteRate;
    const durationSeconds = await decodedSeconds(mp3Path);
    if (Math.abs(durationSeconds - expected) > DURATION_TOLERANCE_SECONDS)
      return {
        kind: "failed",
        reason: `the MP3 plays ${durationSeconds.toFixed(3)} s where the recording has ${expected.toFixed(3)} s`,
      };
    const { size: sizeBytes } = await stat(mp3Path);
    return { kind: "encoded", durationSeconds, sizeBytes };
  } catch (error) {
    return { kind: "failed", reason: error instanceof Error ? error.message : String(error) };
  }
}
