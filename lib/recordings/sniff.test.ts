import { describe, expect, it } from "vitest";
import { sniffAudio } from "./sniff";
import { gsmWav, id3Mp3, mpegFrames, ogg, pcmWav } from "@/e2e/fixtures/audio";

describe("sniffAudio", () => {
  it.each([
    ["PCM WAV", pcmWav(8000, 0.1), { contentType: "audio/wav", extension: "wav" }],
    ["GSM WAV", gsmWav(0.1), { contentType: "audio/wav", extension: "wav" }],
    ["MP3 with an ID3 tag", id3Mp3(), { contentType: "audio/mpeg", extension: "mp3" }],
    ["MP3 starting with a frame", mpegFrames(), { contentType: "audio/mpeg", extension: "mp3" }],
    ["MPEG-2 Layer III frame", Buffer.from([0xff, 0xf3, 0x64, 0xc4]), { contentType: "audio/mpeg", extension: "mp3" }],
    ["OGG", ogg(), { contentType: "audio/ogg", extension: "ogg" }],
  ])("recognises %s by its content", (_name, head, expected) => {
    expect(sniffAudio(head)).toEqual(expected);
  });

  it.each([
    ["empty input", Buffer.alloc(0)],
    ["HTML", Buffer.from("<!DOCTYPE html><html><body>hi</body></html>")],
    ["a PHP script (whatever it was named)", Buffer.from("<?php system($_GET['c']); ?>")],
    ["a ZIP archive", Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00])],
    ["a RIFF that is not WAVE (AVI)", Buffer.from("RIFF\0\0\0\0AVI LIST", "latin1")],
    ["a truncated RIFF header", Buffer.from("RIFF\0\0\0\0WAV", "latin1")],
    ["ADTS AAC (layer bits 00)", Buffer.from([0xff, 0xf1, 0x50, 0x80])],
    ["a frame sync with a bad bitrate", Buffer.from([0xff, 0xfb, 0xf0, 0x64])],
    ["a frame sync with a reserved sample rate", Buffer.from([0xff, 0xfb, 0x9c, 0x64])],
    ["a frame sync with the reserved version", Buffer.from([0xff, 0xeb, 0x90, 0x64])],
    ["'ID3' followed by junk", Buffer.from("ID3 is a tag format", "latin1")],
    ["a lone 0xFF", Buffer.from([0xff])],
  ])("rejects %s", (_name, head) => {
    expect(sniffAudio(head)).toBeNull();
  });
});
