import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestAccount } from "@/e2e/setup/factories";
import { db } from "@/lib/db/client";
import { openRecording, storeRecording, type OpenRecordingResult } from "./recordings";
import { LocalRecordingStorage, RecordingTooLargeError, UnsupportedRecordingError } from "./storage";
import { chunkedStream, id3Mp3, pcmWav } from "@/e2e/fixtures/audio";

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

async function fileCount(): Promise<number> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).length;
}

async function bytesOf(opened: OpenRecordingResult): Promise<Buffer> {
  if (opened.kind !== "ok") throw new Error(`expected an open recording, got ${opened.kind}`);
  return Buffer.from(await new Response(opened.stream).arrayBuffer());
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
      storage,
    });
    expect(recording).toMatchObject({
      accountId: account.id,
      uniqueid: "1700000000.1",
      callId: null,
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
      storage,
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
      storage,
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
      storage,
    });
    await expect(tooLarge).rejects.toBeInstanceOf(RecordingTooLargeError);
    const html = storeRecording({
      accountId: account.id,
      uniqueid: "u2",
      body: Buffer.from("<html></html>"),
      maxBytes: MB,
      storage,
    });
    await expect(html).rejects.toBeInstanceOf(UnsupportedRecordingError);
    expect(await db().recording.count({ where: { accountId: account.id } })).toBe(0);
    expect(await fileCount()).toBe(0);
  });

  it("removes the stored file when the row cannot be inserted", async () => {
    await expect(
      storeRecording({ accountId: randomUUID(), uniqueid: "u3", body: pcmWav(8000, 1), maxBytes: MB, storage }),
    ).rejects.toThrow();
    expect(await db().recording.count({ where: { uniqueid: "u3" } })).toBe(0);
    expect(await fileCount()).toBe(0);
  });
});

describe("openRecording", () => {
  it("returns the exact bytes, whole or by range", async () => {
    const account = await createTestAccount();
    const audio = pcmWav(8000, 3);
    const { id } = await storeRecording({ accountId: account.id, uniqueid: "u4", body: audio, maxBytes: MB, storage });

    const whole = await openRecording({ id, storage });
    expect(whole).toMatchObject({ kind: "ok", size: audio.length, range: null });
    expect(await bytesOf(whole)).toEqual(audio);

    const part = await openRecording({ id, rangeHeader: "bytes=100-1099", storage });
    expect(part).toMatchObject({ kind: "ok", size: audio.length, range: { start: 100, end: 1099 } });
    expect(await bytesOf(part)).toEqual(audio.subarray(100, 1100));

    const tail = await openRecording({ id, rangeHeader: "bytes=-500", storage });
    expect(tail).toMatchObject({ kind: "ok", range: { start: audio.length - 500, end: audio.length - 1 } });
    expect(await bytesOf(tail)).toEqual(audio.subarray(audio.length - 500));
  });

  it("reports an unsatisfiable range and an unknown id", async () => {
    const account = await createTestAccount();
    const audio = pcmWav(8000, 1);
    const { id } = await storeRecording({ accountId: account.id, uniqueid: "u5", body: audio, maxBytes: MB, storage });
    expect(await openRecording({ id, rangeHeader: `bytes=${audio.length}-`, storage })).toEqual({
      kind: "unsatisfiable",
      size: audio.length,
    });
    expect(await openRecording({ id: id + 1000, storage })).toEqual({ kind: "missing" });
  });
});
