import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalRecordingStorage, RecordingNotFoundError } from "./storage";
import { chunkedStream, gsmWav, id3Mp3, mpegFrames, ogg, pcmWav } from "@/e2e/fixtures/audio";

const MB = 1024 * 1024;
let root: string;
let storage: LocalRecordingStorage;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "recordings-"));
  storage = new LocalRecordingStorage(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

describe("LocalRecordingStorage.put", () => {
  it.each([
    ["PCM WAV", pcmWav(8000, 1), "audio/wav", "wav"],
    ["GSM WAV", gsmWav(1), "audio/wav", "wav"],
    ["MP3 (ID3)", id3Mp3(), "audio/mpeg", "mp3"],
    ["MP3 (frame sync)", mpegFrames(), "audio/mpeg", "mp3"],
    ["OGG", ogg(), "audio/ogg", "ogg"],
  ])("stores %s under a random key in a 2-level folder", async (_name, audio, contentType, extension) => {
    const stored = await storage.put(chunkedStream(audio, 100).stream, { maxBytes: MB });
    expect(stored).toMatchObject({ sizeBytes: audio.length, contentType });
    expect(stored.key).toMatch(new RegExp(`^[A-Za-z0-9_-]{32}\\.${extension}$`));
    const path = join(root, stored.key.slice(0, 2), stored.key);
    expect(await readFile(path)).toEqual(audio);
    expect(await filesUnder(root)).toEqual([path]);
  });

  it("stores a WAV copied before MixMonitor closed it (sizes 0) with true sizes, and says it did", async () => {
    const unfinished = pcmWav(8000, 2, { finalized: false });
    const stored = await storage.put(chunkedStream(unfinished, 1000).stream, { maxBytes: MB });
    expect(stored).toMatchObject({ sizeBytes: unfinished.length, headerRepaired: true });
    const bytes = await readFile(join(root, stored.key.slice(0, 2), stored.key));
    // What MixMonitor would have written on closing it.
    expect(bytes).toEqual(pcmWav(8000, 2));
    expect((await storage.put(pcmWav(8000, 2), { maxBytes: MB })).headerRepaired).toBe(false);
    expect((await storage.put(gsmWav(1), { maxBytes: MB })).headerRepaired).toBe(false);
  });

  it("repairs a data size that runs past the end of the file (a copy cut short)", async () => {
    const cut = pcmWav(8000, 3).subarray(0, 44 + 8000);
    const stored = await storage.put(cut, { maxBytes: MB });
    expect(stored.headerRepaired).toBe(true);
    const bytes = await readFile(join(root, stored.key.slice(0, 2), stored.key));
    expect([bytes.readUInt32LE(4), bytes.readUInt32LE(40)]).toEqual([cut.length - 8, 8000]);
    expect(bytes.subarray(44)).toEqual(cut.subarray(44));
  });

  it("accepts a Buffer body and never reuses a key", async () => {
    const first = await storage.put(pcmWav(8000, 0.5), { maxBytes: MB });
    const second = await storage.put(pcmWav(8000, 0.5), { maxBytes: MB });
    expect(first.key).not.toBe(second.key);
    expect(await filesUnder(root)).toHaveLength(2);
  });

  it.each([
    ["HTML", Buffer.from("<html><body>not audio</body></html>")],
    ["a PHP script sent as call.wav", Buffer.from("<?php echo shell_exec($_GET['c']); ?>")],
    ["a ZIP sent as call.mp3", Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200)])],
    ["a 5-byte body", Buffer.from("RIFF\0")],
  ])("rejects %s and keeps nothing", async (_name, body) => {
    await expect(storage.put(chunkedStream(body, 3).stream, { maxBytes: MB })).rejects.toMatchObject({
      code: "recording_unsupported",
    });
    expect(await filesUnder(root)).toEqual([]);
  });

  it("leaves no temporary file when it refuses a body at once (the file may still be opening)", async () => {
    const bodies = () => [
      Buffer.from("1; DROP TABLE calls; --"),
      chunkedStream(Buffer.from("<?php ?> not audio"), 64).stream,
    ];
    for (let i = 0; i < 50; i++) {
      for (const body of bodies())
        await expect(storage.put(body, { maxBytes: MB })).rejects.toMatchObject({ code: "recording_unsupported" });
      await expect(storage.put(chunkedStream(pcmWav(8000, 1), 4096).stream, { maxBytes: 100 })).rejects.toMatchObject({
        code: "recording_too_large",
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await filesUnder(root)).toEqual([]);
  });

  it("stops reading a non-audio upload as soon as the first bytes are known", async () => {
    const body = chunkedStream(Buffer.alloc(100_000, "<"), 16);
    await expect(storage.put(body.stream, { maxBytes: MB })).rejects.toMatchObject({ code: "recording_unsupported" });
    expect(body.pulled()).toBeLessThan(5);
  });

  it("rejects a zero-byte upload, as a stream or a Buffer", async () => {
    await expect(storage.put(chunkedStream(Buffer.alloc(0), 10).stream, { maxBytes: MB })).rejects.toMatchObject({
      code: "recording_empty",
    });
    await expect(storage.put(Buffer.alloc(0), { maxBytes: MB })).rejects.toMatchObject({ code: "recording_empty" });
    expect(await filesUnder(root)).toEqual([]);
  });

  it("aborts an oversized upload mid-stream and leaves no file", async () => {
    const audio = pcmWav(8000, 10);
    const body = chunkedStream(audio, 1024);
    const error = await storage.put(body.stream, { maxBytes: 20_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "recording_too_large", message: "the recording is larger than 20000 bytes" });
    expect(body.pulled()).toBeLessThan(30);
    expect(audio.length / 1024).toBeGreaterThan(150);
    expect(await filesUnder(root)).toEqual([]);
  });

  it("accepts an upload of exactly maxBytes and rejects one byte more", async () => {
    const audio = pcmWav(8000, 1);
    await expect(storage.put(audio, { maxBytes: audio.length })).resolves.toMatchObject({ sizeBytes: audio.length });
    await expect(storage.put(audio, { maxBytes: audio.length - 1 })).rejects.toMatchObject({
      code: "recording_too_large",
    });
    expect(await filesUnder(root)).toHaveLength(1);
  });

  it("keeps nothing when the sender's stream fails", async () => {
    const head = pcmWav(8000, 1).subarray(0, 2000);
    let sent = false;
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new Error("connection reset"));
        sent = true;
        controller.enqueue(head);
      },
    });
    await expect(storage.put(broken, { maxBytes: MB })).rejects.toThrow("connection reset");
    expect(await filesUnder(root)).toEqual([]);
  });
});

describe("LocalRecordingStorage.open and remove", () => {
  it("streams the whole file or an inclusive range, with the full size", async () => {
    const audio = pcmWav(8000, 2);
    const { key } = await storage.put(audio, { maxBytes: MB });
    const whole = await storage.open(key);
    expect(whole.size).toBe(audio.length);
    expect(await bytesOf(whole.stream)).toEqual(audio);
    const part = await storage.open(key, { start: 40, end: 1039 });
    expect(part.size).toBe(audio.length);
    expect(await bytesOf(part.stream)).toEqual(audio.subarray(40, 1040));
  });

  it("removes a file, after which opening it says not found", async () => {
    const { key } = await storage.put(ogg(), { maxBytes: MB });
    await storage.remove(key);
    await expect(storage.open(key)).rejects.toBeInstanceOf(RecordingNotFoundError);
    await expect(storage.remove(key)).resolves.toBeUndefined();
    expect(await filesUnder(root)).toEqual([]);
  });

  it.each([
    "../../../etc/passwd",
    "../secret.wav",
    "ab/../../../../etc/passwd.wav",
    "/etc/passwd",
    "..%2F..%2Fetc%2Fpasswd.wav",
    `${"a".repeat(30)}/..wav`,
    `${"a".repeat(31)}\0.wav`,
    `${"a".repeat(32)}.php`,
    `${"a".repeat(32)}.wav/..`,
    `${"a".repeat(32)}.WAV`,
    `${"a".repeat(33)}.wav`,
    ".tmp",
    "",
  ])("refuses the key %j before touching the file system", async (key) => {
    await expect(storage.open(key)).rejects.toThrow("Invalid recording storage key");
    await expect(storage.remove(key)).rejects.toThrow("Invalid recording storage key");
  });
});
