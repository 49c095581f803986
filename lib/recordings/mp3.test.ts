import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gsmWav, toneWav } from "@/e2e/fixtures/audio";
import { compactWav, decodedSeconds } from "./mp3";
import { sniffAudio } from "./sniff";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "mp3-test-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function compact(name: string, wav: Buffer) {
  const wavPath = path.join(dir, `${name}.wav`);
  const mp3Path = path.join(dir, `${name}.mp3`);
  await writeFile(wavPath, wav);
  return { result: await compactWav(wavPath, mp3Path), mp3Path };
}

/** The channel mode and bitrate of the first audio frame (after the Info frame). */
async function audioFrame(mp3Path: string) {
  const mp3 = await readFile(mp3Path);
  const info = mp3.indexOf("Info");
  const lame = mp3.indexOf("LAME");
  const first = mp3.indexOf(Buffer.from([0xff]), lame + 36);
  return { mono: mp3[first + 3]! >> 6 === 0b11, bitrateIndex: mp3[first + 2]! >> 4, info, lame, mp3 };
}

describe("compactWav", () => {
  it("makes a mono 8 kHz call at least 5× smaller, of the same duration, with an Info frame", async () => {
    const wav = toneWav(8000, 30);
    const { result, mp3Path } = await compact("mono", wav);
    expect(result).toEqual({ kind: "encoded", durationSeconds: 30, sizeBytes: expect.any(Number) });
    if (result.kind !== "encoded") return;
    expect(wav.length / result.sizeBytes).toBeGreaterThanOrEqual(5);
    const frame = await audioFrame(mp3Path);
    expect(sniffAudio(frame.mp3.subarray(0, 12))).toEqual({ contentType: "audio/mpeg", extension: "mp3" });
    expect(frame.mono).toBe(true);
    // MPEG-2.5 bitrate index 3: 24 kbit/s.
    expect(frame.bitrateIndex).toBe(3);
    expect(frame.info).toBeGreaterThan(0);
    expect(frame.lame).toBeGreaterThan(frame.info);
  });

  it("keeps the two channels of a stereo recording, and a 16 kHz one's rate", async () => {
    const { result, mp3Path } = await compact("stereo", toneWav(16000, 5, 2));
    expect(result).toMatchObject({ kind: "encoded", durationSeconds: 5 });
    expect((await audioFrame(mp3Path)).mono).toBe(false);
  });

  it("leaves alone what it cannot encode: GSM in WAV", async () => {
    expect((await compact("gsm", gsmWav(3))).result).toEqual({ kind: "not-encodable" });
  });
});

describe("decodedSeconds", () => {
  it("refuses an MP3 whose frames are damaged", async () => {
    const { mp3Path } = await compact("damaged", toneWav(8000, 10));
    const mp3 = await readFile(mp3Path);
    // Frame headers in the middle overwritten: what a disk or a bucket could hand back.
    mp3.fill(0x55, mp3.length / 3, (mp3.length * 2) / 3);
    await writeFile(mp3Path, mp3);
    await expect(decodedSeconds(mp3Path)).rejects.toThrow(/does not decode/);
  });
});
