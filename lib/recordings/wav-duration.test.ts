import { describe, expect, it } from "vitest";
import { gsmWav, id3Mp3, pcmWav } from "@/e2e/fixtures/audio";
import { wavDurationSeconds } from "./wav-duration";

function withListChunk(wav: Buffer): Buffer {
  const list = Buffer.alloc(8 + 5 + 1);
  list.write("LIST", 0, "latin1");
  list.writeUInt32LE(5, 4);
  return Buffer.concat([wav.subarray(0, 36), list, wav.subarray(36)]);
}

describe("wavDurationSeconds", () => {
  it("reads a finalized 8 kHz 16-bit mono WAV", () => {
    expect(wavDurationSeconds(pcmWav(8000, 10.5))).toBe(10.5);
  });

  it("measures from the file size while Asterisk is still recording (header sizes 0)", () => {
    const wav = pcmWav(8000, 10.5, { finalized: false });
    expect(wav.readUInt32LE(4)).toBe(0);
    expect(wav.readUInt32LE(40)).toBe(0);
    expect(wavDurationSeconds(wav)).toBe(10.5);
  });

  it("reads wav16 (16 kHz)", () => {
    expect(wavDurationSeconds(pcmWav(16000, 7.25))).toBe(7.25);
  });

  it("reads GSM in WAV (format 49, 60-byte header with a fact chunk)", () => {
    expect(wavDurationSeconds(gsmWav(12.32))).toBeCloseTo(12.32, 6);
  });

  it("trusts the file, not the header, when the data is truncated", () => {
    expect(wavDurationSeconds(pcmWav(8000, 10.5, { declaredSeconds: 21 }))).toBe(10.5);
  });

  it("is 0 for a header with no data", () => {
    expect(wavDurationSeconds(pcmWav(8000, 0))).toBe(0);
  });

  it("skips other chunks, including their pad byte", () => {
    expect(wavDurationSeconds(withListChunk(pcmWav(8000, 2)))).toBe(2);
  });

  it("measures from the start of the file when given the full size", () => {
    const wav = pcmWav(8000, 3, { finalized: false });
    expect(wavDurationSeconds(wav.subarray(0, 100), wav.length)).toBe(3);
  });

  it.each([
    ["a file cut inside the header", pcmWav(8000, 1).subarray(0, 30)],
    ["a file cut inside the fmt chunk", gsmWav(1).subarray(0, 24)],
    ["data before fmt", Buffer.concat([Buffer.from("RIFF\0\0\0\0WAVEdata\0\0\0\0", "latin1"), Buffer.alloc(100)])],
    [
      "a compressed format other than GSM",
      (() => {
        const wav = pcmWav(8000, 1);
        wav.writeUInt16LE(85, 20);
        return wav;
      })(),
    ],
    ["an MP3", id3Mp3()],
    ["text", Buffer.from("not a wav at all")],
    ["empty input", Buffer.alloc(0)],
  ])("is null for %s", (_name, file) => {
    expect(wavDurationSeconds(file)).toBeNull();
  });
});
