// Compact copies and retention, the same on this machine's disk and in an S3 bucket (a real
// S3-compatible server, e2e/setup/s3.ts), with the encoder's real worker threads.
import { readdir, rm } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { gsmWav, id3Mp3, toneWav } from "@/e2e/fixtures/audio";
import { createTestAccount } from "@/e2e/setup/factories";
import { startS3, type S3Server } from "@/e2e/setup/s3";
import { testStores } from "./test-stores";
import { until } from "@/e2e/setup/until";
import { db } from "@/lib/db/client";
import { listCalls } from "@/lib/journal";
import { compactPending, encoderId, MAX_ENCODE_ATTEMPTS } from "./compaction";
import { EncoderPool } from "./encoder-pool";
import { openRecording, storeRecording, type OpenRecordingResult } from "./recordings";
import { deleteExpired } from "./retention";
import type { RecordingStore, RecordingStores } from "./stores";

const MB = 1024 * 1024;
let s3: S3Server;
let pool: EncoderPool;
let root: string;
let stores: RecordingStores;

beforeAll(async () => {
  s3 = await startS3();
  pool = new EncoderPool(1);
});
afterAll(async () => {
  await pool.close();
  await s3.close();
});

async function bytesOf(opened: OpenRecordingResult): Promise<Buffer> {
  if (opened.kind !== "ok") throw new Error(`expected an open recording, got ${opened.kind}`);
  return Buffer.from(await new Response(opened.stream).arrayBuffer());
}

async function upload(accountId: string, uniqueid: string, audio: Buffer) {
  const call = await db().call.create({ data: { accountId, uniqueid }, select: { id: true, uniqueid: true } });
  await db().callEvent.create({ data: { accountId, uniqueid, type: "HANGUP", payload: {} } });
  const outcome = await storeRecording({
    accountId,
    call,
    body: audio,
    maxBytes: 64 * MB,
    quotaBytes: 1024 * MB,
    stores,
  });
  if (outcome.kind === "duplicate") throw new Error("expected the upload to be stored");
  return outcome.recording;
}

const usage = async (accountId: string) =>
  Number((await db().recordingUsage.findUniqueOrThrow({ where: { accountId } })).bytes);

describe.each<RecordingStore>(["LOCAL", "S3"])("recordings in %s", (kind) => {
  let fileCount: () => Promise<number>;

  beforeEach(async () => {
    ({ root, stores, fileCount } = await testStores(kind, s3));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("plays the WAV until its verified MP3 takes its place, ranges included; then only the MP3 is kept", async () => {
    const account = await createTestAccount();
    const wav = toneWav(8000, 20);
    const recording = await upload(account.id, "1800000000.1", wav);
    expect(recording).toMatchObject({ state: "PENDING", contentType: "audio/wav", sizeBytes: wav.length });
    const during = await openRecording({ id: recording.id, rangeHeader: "bytes=100-199", stores });
    expect(await bytesOf(during)).toEqual(wav.subarray(100, 200));

    expect(await compactPending(encoderId(), pool, stores)).toBe(1);

    const compact = await db().recording.findUniqueOrThrow({ where: { id: recording.id } });
    expect(compact).toMatchObject({ state: "COMPACT", contentType: "audio/mpeg", store: kind, durationSeconds: 20 });
    expect(wav.length / compact.sizeBytes).toBeGreaterThanOrEqual(5);
    const whole = await bytesOf(await openRecording({ id: recording.id, stores }));
    expect(whole.length).toBe(compact.sizeBytes);
    expect(whole.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xe3]));
    const after = await openRecording({ id: recording.id, rangeHeader: "bytes=100-199", stores });
    expect(after).toMatchObject({ kind: "ok", range: { start: 100, end: 199 }, size: compact.sizeBytes });
    expect(await bytesOf(after)).toEqual(whole.subarray(100, 200));
    // The upload is gone from the store, and the account's usage is the copy's size.
    expect(await fileCount()).toBe(1);
    expect(await usage(account.id)).toBe(compact.sizeBytes);
  });

  it("drops a copy whose upload was replaced while it was encoded, and encodes the new bytes", async () => {
    const account = await createTestAccount();
    // Long enough to be replaced mid-encode.
    const first = await upload(account.id, "1800000000.2", toneWav(8000, 600));
    await db().recording.update({ where: { id: first.id }, data: { replaceable: true } });
    const round = compactPending(encoderId(), pool, stores);
    await until(
      async () => (await readdir(stores.tmpDir).catch(() => [])).some((name) => name.endsWith(".mp3")),
      (encoding) => encoding,
      20_000,
    );
    // The call's next upload: new bytes in the same row while the old ones are being encoded.
    const call = { id: first.callId!, uniqueid: first.uniqueid };
    await storeRecording({
      accountId: account.id,
      call,
      body: toneWav(8000, 3),
      maxBytes: 64 * MB,
      quotaBytes: 1024 * MB,
      stores,
    });
    await round;
    const row = await db().recording.findUniqueOrThrow({ where: { id: first.id } });
    expect(row).toMatchObject({ state: "COMPACT", durationSeconds: 3 });
    expect(await fileCount()).toBe(1);
    expect(await usage(account.id)).toBe(row.sizeBytes);
  });

  it("keeps as received what is compact already, and what the account keeps as WAV", async () => {
    const account = await createTestAccount();
    const gsm = await upload(account.id, "1800000000.3", gsmWav(4));
    const wavAccount = await createTestAccount();
    await db().recordingSettings.create({ data: { accountId: wavAccount.id, format: "WAV" } });
    const wav = toneWav(8000, 4);
    const kept = await upload(wavAccount.id, "1800000000.4", wav);
    expect(kept.state).toBe("AS_RECEIVED");
    await compactPending(encoderId(), pool, stores);
    expect(await db().recording.findUniqueOrThrow({ where: { id: gsm.id } })).toMatchObject({
      state: "AS_RECEIVED",
      contentType: "audio/wav",
    });
    expect(await bytesOf(await openRecording({ id: kept.id, stores }))).toEqual(wav);
  });

  it("gives up, keeping the upload, on a recording whose encoding kept killing its process", async () => {
    const account = await createTestAccount();
    const wav = toneWav(8000, 2);
    const recording = await upload(account.id, "1800000000.5", wav);
    await db().recording.update({ where: { id: recording.id }, data: { encodeAttempts: MAX_ENCODE_ATTEMPTS } });
    await compactPending(encoderId(), pool, stores);
    expect(await db().recording.findUniqueOrThrow({ where: { id: recording.id } })).toMatchObject({
      state: "ENCODE_FAILED",
      contentType: "audio/wav",
    });
    expect(await bytesOf(await openRecording({ id: recording.id, stores }))).toEqual(wav);
    expect((await listCalls(account.id, 1)).calls[0]).toMatchObject({
      recordingUrl: expect.any(String),
      recordingNote: "Запись не удалось сжать в MP3: она хранится как записана",
    });
  });

  it("deletes, in one batch, what is older than each account's period, and nothing else", async () => {
    const monthly = await createTestAccount();
    await db().recordingSettings.create({ data: { accountId: monthly.id, retentionDays: 30, locale: "en" } });
    const forever = await createTestAccount();
    await db().recordingSettings.create({ data: { accountId: forever.id, retentionDays: null } });
    const byDefault = await createTestAccount();
    const old = await Promise.all([0, 1, 2].map((i) => upload(monthly.id, `1800000001.${i}`, id3Mp3())));
    const young = await upload(monthly.id, "1800000001.9", id3Mp3());
    const kept = await upload(forever.id, "1800000002.1", id3Mp3());
    const yearOld = await upload(byDefault.id, "1800000003.1", id3Mp3());
    const monthOld = await upload(byDefault.id, "1800000003.2", id3Mp3());
    const ago = (days: number) => new Date(Date.now() - days * 86_400_000);
    await db().recording.updateMany({ where: { id: { in: old.map((r) => r.id) } }, data: { createdAt: ago(31) } });
    await db().recording.update({ where: { id: young.id }, data: { createdAt: ago(29) } });
    await db().recording.update({ where: { id: kept.id }, data: { createdAt: ago(4000) } });
    await db().recording.update({ where: { id: yearOld.id }, data: { createdAt: ago(366) } });
    await db().recording.update({ where: { id: monthOld.id }, data: { createdAt: ago(364) } });
    const files = await fileCount();

    expect(await deleteExpired(stores)).toBe(4);

    expect(await fileCount()).toBe(files - 4);
    for (const { id } of [...old, yearOld]) {
      expect(await db().recording.findUniqueOrThrow({ where: { id } })).toMatchObject({
        state: "DELETED",
        sizeBytes: 0,
        deletedAt: expect.any(Date),
      });
      expect(await openRecording({ id, stores })).toMatchObject({ kind: "gone" });
    }
    expect((await db().recording.findUniqueOrThrow({ where: { id: old[0]!.id } })).keptDays).toBe(30);
    expect((await db().recording.findUniqueOrThrow({ where: { id: yearOld.id } })).keptDays).toBe(365);
    for (const { id } of [young, kept, monthOld])
      expect(await openRecording({ id, stores })).toMatchObject({ kind: "ok" });
    expect(await usage(monthly.id)).toBe(young.sizeBytes);
    // The calls stay: only the recordings' bytes go.
    expect(await db().call.count({ where: { accountId: monthly.id } })).toBe(4);
    expect(await deleteExpired(stores)).toBe(0);
  });
});
