// Storing and opening recordings, the same on this machine's disk and in an S3 bucket (a real
// S3-compatible server, e2e/setup/s3.ts).
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestAccount } from "@/e2e/setup/factories";
import { startS3, type S3Server } from "@/e2e/setup/s3";
import { db } from "@/lib/db/client";
import { openRecording, storeRecording, type OpenRecordingResult } from "./recordings";
import { S3RecordingStorage } from "./s3-storage";
import { LocalRecordingStorage, RecordingTooLargeError, UnsupportedRecordingError } from "./storage";
import type { RecordingStore, RecordingStores } from "./stores";
import { chunkedStream, id3Mp3, pcmWav } from "@/e2e/fixtures/audio";

const MB = 1024 * 1024;
let s3: S3Server;
let root: string;
let stores: RecordingStores;

beforeAll(async () => {
  s3 = await startS3();
});
afterAll(() => s3.close());
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function s3Storage(tmpDir: string): S3RecordingStorage {
  const { env } = s3;
  const client = new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return new S3RecordingStorage(client, env.S3_BUCKET, env.S3_PREFIX, tmpDir);
}

async function bytesOf(opened: OpenRecordingResult): Promise<Buffer> {
  if (opened.kind !== "ok") throw new Error(`expected an open recording, got ${opened.kind}`);
  return Buffer.from(await new Response(opened.stream).arrayBuffer());
}

describe.each<RecordingStore>(["LOCAL", "S3"])("recordings in %s", (kind) => {
  let objectsBefore = 0;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "recordings-"));
    const storage = kind === "LOCAL" ? new LocalRecordingStorage(root) : s3Storage(join(root, ".tmp"));
    stores = { current: kind, storageOf: () => storage };
    objectsBefore = await s3.objectCount();
  });

  /** What the test left in the store: files on the disk (temporary ones too) and new objects in the bucket. */
  async function fileCount(): Promise<number> {
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).length + (await s3.objectCount()) - objectsBefore;
  }

  describe("storeRecording", () => {
    it("stores a WAV upload with its type, size and duration", async () => {
      const account = await createTestAccount();
      const audio = pcmWav(8000, 10.5);
      const recording = await storeRecording({
        accountId: account.id,
        uniqueid: "1700000000.1",
        body: chunkedStream(audio, 4096).stream,
        maxBytes: MB,
        stores,
      });
      expect(recording).toMatchObject({
        accountId: account.id,
        uniqueid: "1700000000.1",
        callId: null,
        store: kind,
        contentType: "audio/wav",
        sizeBytes: audio.length,
        durationSeconds: 10.5,
      });
      expect(await db().recording.findUniqueOrThrow({ where: { id: recording.id } })).toEqual(recording);
      expect(await fileCount()).toBe(1);
    });

    it("measures a WAV Asterisk has not finalized from its size", async () => {
      const account = await createTestAccount();
      const recording = await storeRecording({
        accountId: account.id,
        uniqueid: "u1",
        body: pcmWav(16000, 7.25, { finalized: false }),
        maxBytes: MB,
        stores,
      });
      expect(recording.durationSeconds).toBe(7.25);
    });

    it("stores an MP3 without a duration and links the call when it is known", async () => {
      const account = await createTestAccount();
      const call = await db().call.create({ data: { accountId: account.id, uniqueid: "1700000000.2" } });
      const recording = await storeRecording({
        accountId: account.id,
        uniqueid: "1700000000.2",
        body: id3Mp3(),
        maxBytes: MB,
        stores,
      });
      expect(recording).toMatchObject({ callId: call.id, contentType: "audio/mpeg", durationSeconds: null });
    });

    it("leaves neither a row nor a file when the upload is refused", async () => {
      const account = await createTestAccount();
      const tooLarge = storeRecording({
        accountId: account.id,
        uniqueid: "u2",
        body: chunkedStream(pcmWav(8000, 5), 1024).stream,
        maxBytes: 10_000,
        stores,
      });
      await expect(tooLarge).rejects.toBeInstanceOf(RecordingTooLargeError);
      const html = storeRecording({
        accountId: account.id,
        uniqueid: "u2",
        body: Buffer.from("<html></html>"),
        maxBytes: MB,
        stores,
      });
      await expect(html).rejects.toBeInstanceOf(UnsupportedRecordingError);
      expect(await db().recording.count({ where: { accountId: account.id } })).toBe(0);
      expect(await fileCount()).toBe(0);
    });

    it("removes the stored file when the row cannot be inserted", async () => {
      await expect(
        storeRecording({ accountId: randomUUID(), uniqueid: "u3", body: pcmWav(8000, 1), maxBytes: MB, stores }),
      ).rejects.toThrow();
      expect(await db().recording.count({ where: { uniqueid: "u3" } })).toBe(0);
      expect(await fileCount()).toBe(0);
    });
  });

  describe("openRecording", () => {
    it("returns the exact bytes, whole or by range", async () => {
      const account = await createTestAccount();
      const audio = pcmWav(8000, 3);
      const { id } = await storeRecording({ accountId: account.id, uniqueid: "u4", body: audio, maxBytes: MB, stores });

      const whole = await openRecording({ id, stores });
      expect(whole).toMatchObject({ kind: "ok", size: audio.length, range: null });
      expect(await bytesOf(whole)).toEqual(audio);

      const part = await openRecording({ id, rangeHeader: "bytes=100-1099", stores });
      expect(part).toMatchObject({ kind: "ok", size: audio.length, range: { start: 100, end: 1099 } });
      expect(await bytesOf(part)).toEqual(audio.subarray(100, 1100));

      const tail = await openRecording({ id, rangeHeader: "bytes=-500", stores });
      expect(tail).toMatchObject({ kind: "ok", range: { start: audio.length - 500, end: audio.length - 1 } });
      expect(await bytesOf(tail)).toEqual(audio.subarray(audio.length - 500));
    });

    it("reports an unsatisfiable range and an unknown id", async () => {
      const account = await createTestAccount();
      const audio = pcmWav(8000, 1);
      const { id } = await storeRecording({ accountId: account.id, uniqueid: "u5", body: audio, maxBytes: MB, stores });
      expect(await openRecording({ id, rangeHeader: `bytes=${audio.length}-`, stores })).toEqual({
        kind: "unsatisfiable",
        size: audio.length,
      });
      expect(await openRecording({ id: id + 1000, stores })).toEqual({ kind: "missing" });
    });
  });
});

describe("switching to a bucket", () => {
  it("keeps playing the recordings stored on disk before, and puts new ones in the bucket", async () => {
    root = await mkdtemp(join(tmpdir(), "recordings-"));
    const local = new LocalRecordingStorage(root);
    const bucket = s3Storage(join(root, ".tmp"));
    const account = await createTestAccount();
    const before = pcmWav(8000, 1);
    const old = await storeRecording({
      accountId: account.id,
      uniqueid: "u6",
      body: before,
      maxBytes: MB,
      stores: { current: "LOCAL", storageOf: () => local },
    });
    const switched: RecordingStores = { current: "S3", storageOf: (which) => (which === "LOCAL" ? local : bucket) };
    const after = pcmWav(8000, 2);
    const fresh = await storeRecording({
      accountId: account.id,
      uniqueid: "u7",
      body: after,
      maxBytes: MB,
      stores: switched,
    });
    expect([old.store, fresh.store]).toEqual(["LOCAL", "S3"]);
    expect(await bytesOf(await openRecording({ id: old.id, stores: switched }))).toEqual(before);
    expect(await bytesOf(await openRecording({ id: fresh.id, rangeHeader: "bytes=0-99", stores: switched }))).toEqual(
      after.subarray(0, 100),
    );
  });
});
