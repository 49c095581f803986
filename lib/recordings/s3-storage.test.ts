// Recordings in an S3 bucket (a real S3-compatible server, e2e/setup/s3.ts): uploads stream into
// the bucket without being held in memory, and are cut off at the limit as their bytes arrive.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pcmWav } from "@/e2e/fixtures/audio";
import { startS3, type S3Server } from "@/e2e/setup/s3";
import { s3Storage } from "./test-stores";
import type { S3RecordingStorage } from "./s3-storage";
import { RecordingNotFoundError } from "./storage";

const MiB = 1024 * 1024;
let s3: S3Server;
let tmp: string;
let storage: S3RecordingStorage;

beforeAll(async () => {
  s3 = await startS3();
  tmp = await mkdtemp(join(tmpdir(), "s3-staging-"));
  storage = s3Storage(s3, tmp);
});
afterAll(async () => {
  await s3.close();
  await rm(tmp, { recursive: true, force: true });
});

/** A WAV of `mib` MiB made as it is read, 1 MiB at a time; counts what was read. */
function largeWav(mib: number): { body: AsyncIterable<Uint8Array>; read: () => number } {
  const head = pcmWav(8000, 0);
  head.writeUInt32LE(mib * MiB - 8, 4);
  head.writeUInt32LE(mib * MiB - 44, 40);
  const silence = Buffer.alloc(MiB);
  let read = 0;
  async function* chunks() {
    for (let i = 0; i < mib; i++) {
      const chunk = i === 0 ? Buffer.concat([head, silence.subarray(head.length)]) : silence;
      read += chunk.length;
      yield chunk;
    }
  }
  return { body: chunks(), read: () => read };
}

const stagedFiles = async () => (await readdir(tmp, { recursive: true })).length;

describe("S3RecordingStorage", () => {
  it("streams a 192 MiB upload into the bucket without holding it in memory", async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      const { body } = largeWav(192);
      const stored = await storage.put(body, { maxBytes: 256 * MiB });
      expect(stored).toMatchObject({ sizeBytes: 192 * MiB, contentType: "audio/wav", headerRepaired: false });
      const { stream, size } = await storage.open(stored.key, { start: 192 * MiB - 10, end: 192 * MiB - 1 });
      expect(size).toBe(192 * MiB);
      expect(Buffer.from(await new Response(stream).arrayBuffer())).toEqual(Buffer.alloc(10));
      await storage.remove(stored.key);
    } finally {
      clearInterval(sampler);
    }
    // The server runs in this process too, so both sides of the upload are in the figure.
    expect((peak - before) / MiB).toBeLessThan(64);
    expect(await stagedFiles()).toBe(0);
  }, 60_000);

  it("refuses an upload at the limit as it arrives, leaving nothing in the bucket or on disk", async () => {
    const objects = await s3.objectCount();
    const upload = largeWav(80);
    await expect(storage.put(upload.body, { maxBytes: 16 * MiB })).rejects.toMatchObject({
      code: "recording_too_large",
    });
    expect(upload.read()).toBeLessThanOrEqual(17 * MiB);
    expect(await s3.objectCount()).toBe(objects);
    expect(await stagedFiles()).toBe(0);
  });

  it("repairs a WAV whose header sizes are 0 before it reaches the bucket", async () => {
    const stored = await storage.put(pcmWav(8000, 2, { finalized: false }), { maxBytes: MiB });
    expect(stored.headerRepaired).toBe(true);
    const { stream } = await storage.open(stored.key, { start: 0, end: 43 });
    const head = Buffer.from(await new Response(stream).arrayBuffer());
    expect(head.readUInt32LE(40)).toBe(stored.sizeBytes - 44);
    expect(head.readUInt32LE(4)).toBe(stored.sizeBytes - 8);
  });

  it("says a key it does not hold is not found", async () => {
    await expect(storage.open("A".repeat(32) + ".wav")).rejects.toBeInstanceOf(RecordingNotFoundError);
  });
});
