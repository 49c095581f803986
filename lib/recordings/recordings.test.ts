// Storing and opening recordings, the same on this machine's disk and in an S3 bucket (a real
// S3-compatible server, e2e/setup/s3.ts).
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestAccount } from "@/e2e/setup/factories";
import { startS3, type S3Server } from "@/e2e/setup/s3";
import { s3Storage, testStores } from "./test-stores";
import { db, dbPool } from "@/lib/db/client";
import { until } from "@/e2e/setup/until";
import { openRecording, storeRecording, type OpenRecordingResult } from "./recordings";
import { LocalRecordingStorage, type RecordingBody } from "./storage";
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

async function bytesOf(opened: OpenRecordingResult): Promise<Buffer> {
  if (opened.kind !== "ok") throw new Error(`expected an open recording, got ${opened.kind}`);
  return Buffer.from(await new Response(opened.stream).arrayBuffer());
}

/** A call of the account, ended (its hangup stored) unless told otherwise. */
async function callOf(accountId: string, uniqueid: string, { ended = true } = {}) {
  const call = await db().call.create({ data: { accountId, uniqueid }, select: { id: true, uniqueid: true } });
  if (ended) await hangUp(accountId, uniqueid);
  return call;
}

async function hangUp(accountId: string, uniqueid: string): Promise<void> {
  await db().callEvent.create({ data: { accountId, uniqueid, type: "HANGUP", payload: {} } });
}

function store(
  accountId: string,
  call: { id: number; uniqueid: string },
  body: RecordingBody,
  limits: { maxBytes?: number; quotaBytes?: number } = {},
) {
  return storeRecording({ accountId, call, body, maxBytes: MB, quotaBytes: 1024 * MB, stores, ...limits });
}

/** The recording an upload stored or replaced. */
async function stored(...args: Parameters<typeof store>) {
  const outcome = await store(...args);
  if (outcome.kind === "duplicate") throw new Error("expected the upload to be stored");
  return outcome.recording;
}

async function usage(accountId: string): Promise<number> {
  return Number((await db().recordingUsage.findUniqueOrThrow({ where: { accountId } })).bytes);
}

describe.each<RecordingStore>(["LOCAL", "S3"])("recordings in %s", (kind) => {
  let fileCount: () => Promise<number>;

  beforeEach(async () => {
    ({ root, stores, fileCount } = await testStores(kind, s3));
  });

  describe("storeRecording", () => {
    it("stores a WAV upload with its type, size and duration, linked to its call", async () => {
      const account = await createTestAccount();
      const call = await callOf(account.id, "1700000000.1");
      const audio = pcmWav(8000, 10.5);
      const recording = await stored(account.id, call, chunkedStream(audio, 4096).stream);
      expect(recording).toMatchObject({
        accountId: account.id,
        uniqueid: "1700000000.1",
        callId: call.id,
        store: kind,
        contentType: "audio/wav",
        sizeBytes: audio.length,
        durationSeconds: 10.5,
        replaceable: false,
      });
      expect(await db().recording.findUniqueOrThrow({ where: { id: recording.id } })).toEqual(recording);
      expect(await fileCount()).toBe(1);
    });

    it("measures a WAV Asterisk has not finalized from its size", async () => {
      const account = await createTestAccount();
      const recording = await stored(
        account.id,
        await callOf(account.id, "u1"),
        pcmWav(16000, 7.25, { finalized: false }),
      );
      expect(recording.durationSeconds).toBe(7.25);
    });

    it("stores an MP3 without a duration", async () => {
      const account = await createTestAccount();
      const recording = await stored(account.id, await callOf(account.id, "1700000000.2"), id3Mp3());
      expect(recording).toMatchObject({ contentType: "audio/mpeg", durationSeconds: null });
    });

    it("leaves neither a row nor a file when the upload is refused", async () => {
      const account = await createTestAccount();
      const call = await callOf(account.id, "u2");
      const tooLarge = store(account.id, call, chunkedStream(pcmWav(8000, 5), 1024).stream, { maxBytes: 10_000 });
      await expect(tooLarge).rejects.toMatchObject({ code: "recording_too_large" });
      const html = store(account.id, call, Buffer.from("<html></html>"));
      await expect(html).rejects.toMatchObject({ code: "recording_unsupported" });
      expect(await db().recording.count({ where: { accountId: account.id } })).toBe(0);
      expect(await fileCount()).toBe(0);
    });

    it("removes the stored file when the row cannot be inserted", async () => {
      await expect(store(randomUUID(), { id: 1, uniqueid: "u3" }, pcmWav(8000, 1))).rejects.toThrow();
      expect(await db().recording.count({ where: { uniqueid: "u3" } })).toBe(0);
      expect(await fileCount()).toBe(0);
    });

    it("replaces an upload that came before the hangup in the same row, and removes its file", async () => {
      const account = await createTestAccount();
      const call = await callOf(account.id, "u8", { ended: false });
      const forged = await stored(account.id, call, pcmWav(8000, 1));
      expect(forged.replaceable).toBe(true);
      await hangUp(account.id, "u8");
      const real = pcmWav(8000, 3);
      const outcome = await store(account.id, call, real);
      expect(outcome).toMatchObject({
        kind: "replaced",
        recording: { id: forged.id, sizeBytes: real.length, durationSeconds: 3, replaceable: false },
      });
      expect(outcome.kind !== "duplicate" && outcome.recording.storageKey).not.toBe(forged.storageKey);
      expect(await bytesOf(await openRecording({ id: forged.id, stores }))).toEqual(real);
      expect(await fileCount()).toBe(1);
      // Now it stays: a later upload is a duplicate and leaves nothing behind.
      expect(await store(account.id, call, pcmWav(8000, 2))).toEqual({ kind: "duplicate" });
      expect(await bytesOf(await openRecording({ id: forged.id, stores }))).toEqual(real);
      expect(await fileCount()).toBe(1);
      expect(await usage(account.id)).toBe(real.length);
    });

    it("replaces one whose WAV header had to be repaired, also after the hangup", async () => {
      const account = await createTestAccount();
      const call = await callOf(account.id, "u9");
      const partial = await stored(account.id, call, pcmWav(8000, 1, { finalized: false }));
      expect(partial).toMatchObject({ headerRepaired: true, replaceable: true });
      const finished = pcmWav(8000, 2);
      expect(await store(account.id, call, finished)).toMatchObject({
        kind: "replaced",
        recording: { id: partial.id, headerRepaired: false, replaceable: false },
      });
      expect(await bytesOf(await openRecording({ id: partial.id, stores }))).toEqual(finished);
      expect(await fileCount()).toBe(1);
    });

    it("refuses an upload past the account's quota, counting the bytes a replacement frees", async () => {
      const account = await createTestAccount();
      const first = pcmWav(8000, 2);
      const quotaBytes = first.length * 2;
      await stored(account.id, await callOf(account.id, "u10"), first, { quotaBytes });
      const early = await callOf(account.id, "u11", { ended: false });
      await stored(account.id, early, pcmWav(8000, 1.5), { quotaBytes });
      const over = store(account.id, await callOf(account.id, "u12"), pcmWav(8000, 1), { quotaBytes });
      await expect(over).rejects.toMatchObject({ code: "recording_quota" });
      expect(await fileCount()).toBe(2);
      // Replacing the early one with a recording of the quota's last bytes fits.
      await hangUp(account.id, "u11");
      expect(await store(account.id, early, pcmWav(8000, 2), { quotaBytes })).toMatchObject({ kind: "replaced" });
      expect(await usage(account.id)).toBe(quotaBytes);
      expect(await fileCount()).toBe(2);
    });
    it("lets uploads sent at once take the quota's last bytes only once", async () => {
      const account = await createTestAccount();
      const audio = pcmWav(8000, 1);
      const calls = await Promise.all(["u13", "u14", "u15", "u16"].map((uniqueid) => callOf(account.id, uniqueid)));
      const outcomes = await Promise.allSettled(
        calls.map((call) => store(account.id, call, audio, { quotaBytes: audio.length * 2 })),
      );
      expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value.kind : o.reason)).sort()).toEqual([
        expect.objectContaining({ code: "recording_quota" }),
        expect.objectContaining({ code: "recording_quota" }),
        "stored",
        "stored",
      ]);
      expect(await usage(account.id)).toBe(audio.length * 2);
      expect(await fileCount()).toBe(2);
    });
  });

  it("sends an account's uploads to the database one at a time, so that they wait without a connection each", async () => {
    const account = await createTestAccount();
    const audio = pcmWav(8000, 0.5);
    await stored(account.id, await callOf(account.id, "u17"), audio);
    const calls = await Promise.all(["u18", "u19", "u20", "u21"].map((uniqueid) => callOf(account.id, uniqueid)));
    const holder = await dbPool().connect();
    const waitingOnLocks = async () => {
      const { rows } = await holder.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return rows[0]!.n;
    };
    let uploads: ReturnType<typeof store>[] = [];
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM "recording_usage" WHERE "accountId" = $1 FOR UPDATE`, [account.id]);
      uploads = calls.map((call) => store(account.id, call, audio));
      await until(waitingOnLocks, (n) => n > 0, 5_000, 20);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await waitingOnLocks()).toBe(1);
    } finally {
      await holder.query("COMMIT");
      holder.release();
    }
    expect((await Promise.all(uploads)).map((o) => o.kind)).toEqual(Array(4).fill("stored"));
  });

  describe("openRecording", () => {
    it("returns the exact bytes, whole or by range", async () => {
      const account = await createTestAccount();
      const audio = pcmWav(8000, 3);
      const { id } = await stored(account.id, await callOf(account.id, "u4"), audio);

      const whole = await openRecording({ id, stores });
      expect(whole).toMatchObject({ kind: "ok", size: audio.length, range: null });
      expect(await bytesOf(whole)).toEqual(audio);

      const part = await openRecording({ id, rangeHeader: "bytes=100-1099", stores });
      expect(part).toMatchObject({ kind: "ok", size: audio.length, range: { start: 100, end: 1099 } });
      expect(await bytesOf(part)).toEqual(audio.subarray(100, 1100));

      const tail = await openRecording({ id, rangeHeader: "bytes=-500", stores });
      expect(tail).toMatchObject({ kind: "ok", range: { start: audio.length - 500, end: audio.length - 1 } });
      expect(await bytesOf(tail)).toEqual(audio.subarray(audio.length - 500));

      // One byte, as players probe: s3rver, like some S3-compatible stores, answers "bytes=0-0" with the whole object.
      for (const at of [0, 7, audio.length - 1]) {
        const one = await openRecording({ id, rangeHeader: `bytes=${at}-${at}`, stores });
        expect(one).toMatchObject({ kind: "ok", size: audio.length, range: { start: at, end: at } });
        expect(await bytesOf(one), `bytes=${at}-${at}`).toEqual(audio.subarray(at, at + 1));
      }
    });

    it("reports an unsatisfiable range and an unknown id", async () => {
      const account = await createTestAccount();
      const audio = pcmWav(8000, 1);
      const { id } = await stored(account.id, await callOf(account.id, "u5"), audio);
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
    const bucket = s3Storage(s3, join(root, ".tmp"));
    const account = await createTestAccount();
    const before = pcmWav(8000, 1);
    stores = { current: "LOCAL", tmpDir: join(root, ".tmp"), storageOf: () => local };
    const old = await stored(account.id, await callOf(account.id, "u6"), before);
    const switched: RecordingStores = {
      current: "S3",
      tmpDir: join(root, ".tmp"),
      storageOf: (which) => (which === "LOCAL" ? local : bucket),
    };
    stores = switched;
    const after = pcmWav(8000, 2);
    const fresh = await stored(account.id, await callOf(account.id, "u7"), after);
    expect([old.store, fresh.store]).toEqual(["LOCAL", "S3"]);
    expect(await bytesOf(await openRecording({ id: old.id, stores: switched }))).toEqual(before);
    expect(await bytesOf(await openRecording({ id: fresh.id, rangeHeader: "bytes=0-99", stores: switched }))).toEqual(
      after.subarray(0, 100),
    );
  });
});
