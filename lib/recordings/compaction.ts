import { randomBytes, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { access, mkdir, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { db } from "@/lib/db/client";
import { LIVENESS_LOCK_CLASS } from "@/lib/db/liveness";
import { log } from "@/lib/log";
import type { EncoderPool } from "./encoder-pool";
import type { CompactResult } from "./mp3";
import { RecordingNotFoundError } from "./storage";
import type { RecordingStore, RecordingStores } from "./stores";

/**
 * Compact copies (docs/recordings.md): a worker process takes the recordings waiting for theirs
 * (state PENDING), encodes each in its encoder pool, and puts the copy in the place of the
 * upload once it is verified. Until then the upload stays and plays. A process that dies
 * mid-encode (SIGKILL) loses its liveness lock, and the recording is taken up again by the next.
 */

/** Encodings begun before a recording is given up (kept as received): one that kills its process each time. */
export const MAX_ENCODE_ATTEMPTS = 3;
/** Files of an encoding left by a process that died are removed after this long. */
const STALE_TEMP_MS = 60 * 60_000;
const TEMP_PREFIX = "encode-";

interface Claimed {
  id: number;
  accountId: string;
  storageKey: string;
  store: RecordingStore;
  sizeBytes: number;
  encodeAttempts: number;
}

/** Recordings waiting for their copy that no live process is encoding, taken for `encoder`. */
const CLAIM_SQL = `
  WITH alive AS MATERIALIZED (
    SELECT l."objid" FROM pg_locks l
    WHERE l."locktype" = 'advisory' AND l."granted" AND l."objsubid" = 2 AND l."classid" = $3::int::oid
      AND l."database" = (SELECT "oid" FROM pg_database WHERE "datname" = current_database())
  )
  UPDATE "recordings" r SET "encoder" = $1, "encodeAttempts" = r."encodeAttempts" + 1
  FROM (
    SELECT c."id" FROM "recordings" c
    WHERE c."state" = 'PENDING'
      AND (c."encoder" IS NULL OR hashtext(c."encoder")::oid NOT IN (SELECT "objid" FROM alive))
    ORDER BY c."id" LIMIT $2 FOR UPDATE SKIP LOCKED
  ) free
  WHERE r."id" = free."id"
  RETURNING r."id", r."accountId"::text, r."storageKey", r."store"::text, r."sizeBytes", r."encodeAttempts"`;

export async function claimPending(encoder: string, count: number): Promise<Claimed[]> {
  return db().$queryRawUnsafe<Claimed[]>(CLAIM_SQL, encoder, count, LIVENESS_LOCK_CLASS);
}

/** The recording leaves PENDING as `state`, if it still holds the bytes that were encoded. */
async function settle(claimed: Claimed, state: "AS_RECEIVED" | "ENCODE_FAILED"): Promise<void> {
  await db().recording.updateMany({
    where: { id: claimed.id, storageKey: claimed.storageKey, state: "PENDING" },
    data: { state, encoder: null },
  });
}

/**
 * Puts the verified copy in the upload's place, if the recording still holds the bytes that were
 * encoded (a replacing upload or retention may have come meanwhile): then its links play the
 * copy, the account's usage shrinks, and the upload is removed; else the copy is.
 */
async function swapIn(
  claimed: Claimed,
  copy: { key: string; store: RecordingStore; sizeBytes: number; durationSeconds: number },
  stores: RecordingStores,
): Promise<boolean> {
  const swapped = await db().$transaction(async (tx) => {
    // The usage row first, as uploads lock it: the two never wait for each other the other way round.
    await tx.$queryRaw`SELECT 1 FROM "recording_usage" WHERE "accountId" = ${claimed.accountId}::uuid FOR UPDATE`;
    const { count } = await tx.recording.updateMany({
      where: { id: claimed.id, storageKey: claimed.storageKey, state: "PENDING" },
      data: {
        state: "COMPACT",
        encoder: null,
        storageKey: copy.key,
        store: copy.store,
        contentType: "audio/mpeg",
        sizeBytes: copy.sizeBytes,
        durationSeconds: copy.durationSeconds,
      },
    });
    if (count === 0) return false;
    await tx.recordingUsage.updateMany({
      where: { accountId: claimed.accountId },
      data: { bytes: { increment: copy.sizeBytes - claimed.sizeBytes } },
    });
    return true;
  });
  const [removeKey, removeStore] = swapped ? [claimed.storageKey, claimed.store] : [copy.key, copy.store];
  await stores
    .storageOf(removeStore)
    .remove(removeKey)
    .catch((error: unknown) =>
      log.warn({ accountId: claimed.accountId, err: error }, "a recording file was not removed after encoding"),
    );
  return swapped;
}

/** One recording: its upload copied here, encoded in the pool, the copy stored and swapped in. */
async function compactOne(claimed: Claimed, pool: EncoderPool, stores: RecordingStores): Promise<void> {
  const context = { accountId: claimed.accountId, recordingId: claimed.id };
  if (claimed.encodeAttempts > MAX_ENCODE_ATTEMPTS) {
    log.error(
      { ...context, attempts: claimed.encodeAttempts },
      "a recording's encoding never finished; kept as received",
    );
    return settle(claimed, "ENCODE_FAILED");
  }
  await mkdir(stores.tmpDir, { recursive: true });
  const base = path.join(stores.tmpDir, `${TEMP_PREFIX}${randomBytes(12).toString("hex")}`);
  const mp3Path = `${base}.mp3`;
  const source = stores.storageOf(claimed.store);
  // A file on this disk is read where it is; a bucket's object is copied here first.
  const inPlace = source.fileOf(claimed.storageKey);
  const wavPath = inPlace ?? `${base}.wav`;
  try {
    try {
      if (inPlace)
        await access(inPlace).catch(() => {
          throw new RecordingNotFoundError(claimed.storageKey);
        });
      else {
        const { stream } = await source.open(claimed.storageKey);
        await pipeline(
          Readable.fromWeb(stream as import("node:stream/web").ReadableStream),
          createWriteStream(wavPath),
        );
      }
    } catch (error) {
      if (!(error instanceof RecordingNotFoundError)) throw error;
      // Lost from its store: nothing to encode. (Bytes replaced meanwhile leave the row as the upload made it.)
      log.error(context, "a recording's file is missing from its store; it cannot be encoded");
      return settle(claimed, "ENCODE_FAILED");
    }
    const result: CompactResult = await pool.encode(wavPath, mp3Path);
    if (result.kind === "not-encodable") return settle(claimed, "AS_RECEIVED");
    if (result.kind === "failed") {
      log.error({ ...context, reason: result.reason }, "a recording could not be encoded; kept as received");
      return settle(claimed, "ENCODE_FAILED");
    }
    // Moved into its store, not copied: on this disk a rename.
    const storage = stores.storageOf(stores.current);
    const key = await storage.adoptMp3(mp3Path);
    const swapped = await swapIn(
      claimed,
      { key, store: stores.current, sizeBytes: result.sizeBytes, durationSeconds: result.durationSeconds },
      stores,
    ).catch(async (error: unknown) => {
      // The database failed between the two: the copy goes, the upload stays, and it is tried again.
      await storage.remove(key).catch(() => undefined);
      throw error;
    });
    if (swapped)
      log.info(
        { ...context, from: claimed.sizeBytes, to: result.sizeBytes },
        "a recording was replaced by its MP3 copy",
      );
  } finally {
    await Promise.all([inPlace ? undefined : rm(wavPath, { force: true }), rm(mp3Path, { force: true })]);
  }
}

/** Files a dead process's encodings left behind. */
export async function removeStaleTemp(tmpDir: string): Promise<void> {
  const names = await readdir(tmpDir).catch(() => []);
  const now = Date.now();
  for (const name of names.filter((candidate) => candidate.startsWith(TEMP_PREFIX))) {
    const file = path.join(tmpDir, name);
    const info = await stat(file).catch(() => null);
    if (info && now - info.mtimeMs > STALE_TEMP_MS) await rm(file, { force: true });
  }
}

/** A recording whose encoding met a passing fault (the bucket unreachable, say) waits for the next round. */
async function release(encoder: string, claimed: Claimed): Promise<void> {
  await db().recording.updateMany({
    where: { id: claimed.id, encoder, state: "PENDING" },
    data: { encoder: null, encodeAttempts: { decrement: 1 } },
  });
}

/**
 * One round: recordings are taken as many at a time as the pool has threads, until none waits
 * or one meets a fault. Returns how many were taken.
 */
export async function compactPending(encoder: string, pool: EncoderPool, stores: RecordingStores): Promise<number> {
  let taken = 0;
  for (;;) {
    const claimed = await claimPending(encoder, pool.size);
    taken += claimed.length;
    const faults = await Promise.all(
      claimed.map((recording) =>
        compactOne(recording, pool, stores).then(
          () => false,
          async (error: unknown) => {
            log.warn(
              { accountId: recording.accountId, recordingId: recording.id, err: error },
              "encoding a recording failed; it will be tried again",
            );
            await release(encoder, recording);
            return true;
          },
        ),
      ),
    );
    if (claimed.length === 0 || faults.includes(true)) return taken;
  }
}

/** The id a process encodes under (recordings.encoder), held alive by its liveness lock. */
export function encoderId(): string {
  return `encoder-${randomUUID()}`;
}
