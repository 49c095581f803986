import { db } from "@/lib/db/client";
import { Refusal } from "@/lib/http/refusal";
import { log } from "@/lib/log";
import type { Recording } from "@/lib/generated/prisma/client";
import { parseRange, type ByteRange } from "./range";
import type { RecordingBody, RecordingStorage, StoredRecording } from "./storage";
import type { RecordingStore, RecordingStores } from "./stores";
import { wavDurationSeconds } from "./wav-duration";
import { WAV_HEADER_WINDOW } from "./wav-header";

async function measureWav(storage: RecordingStorage, stored: StoredRecording): Promise<number | null> {
  const { stream } = await storage.open(stored.key, {
    start: 0,
    end: Math.min(stored.sizeBytes, WAV_HEADER_WINDOW) - 1,
  });
  const head = Buffer.from(await new Response(stream).arrayBuffer());
  return wavDurationSeconds(head, stored.sizeBytes);
}

export const quotaRefusal = (quotaBytes: number) =>
  new Refusal("recording_quota", `this account's recordings would pass its storage quota of ${quotaBytes} bytes`);

/** The recording an upload for this call would meet: none, one it replaces, or one that stays. */
async function recordingOfCall(client: Pick<ReturnType<typeof db>, "recording">, accountId: string, uniqueid: string) {
  return client.recording.findFirst({
    where: { accountId, uniqueid },
    orderBy: { id: "desc" },
    select: { id: true, storageKey: true, store: true, sizeBytes: true, replaceable: true },
  });
}

/**
 * What an upload for this call may store, looked at before its body is read: nothing when the
 * call's recording stays (`null`), else the bytes the account's quota leaves, the recording it
 * would replace counting as free.
 */
export async function recordingRoom(accountId: string, uniqueid: string, quotaBytes: number): Promise<number | null> {
  const [existing, usage] = await Promise.all([
    recordingOfCall(db(), accountId, uniqueid),
    db().recordingUsage.findUnique({ where: { accountId } }),
  ]);
  if (existing && !existing.replaceable) return null;
  return quotaBytes - Number(usage?.bytes ?? 0) + (existing?.sizeBytes ?? 0);
}

// One upload of an account at a time reaches the database from this process: one waiting there
// for the account's usage row holds a pooled connection, which other accounts' requests need.
const turns = new Map<string, Promise<unknown>>();

async function inTurn<T>(accountId: string, work: () => Promise<T>): Promise<T> {
  const mine = (turns.get(accountId) ?? Promise.resolve()).then(work);
  const done = mine.catch(() => undefined);
  turns.set(accountId, done);
  try {
    return await mine;
  } finally {
    if (turns.get(accountId) === done) turns.delete(accountId);
  }
}

export type StoreOutcome = { kind: "stored" | "replaced"; recording: Recording } | { kind: "duplicate" };

/**
 * Stores an uploaded recording (type=upload) of a call the account has. A call keeps one
 * recording row: one that came before the call's hangup, or whose WAV header had to be repaired,
 * gets the next upload's bytes (its links keep working, the old file is removed); any other
 * stays, and the upload is a duplicate. The account's recordings stay within `quotaBytes`.
 * Refuses empty, oversized or non-audio uploads (the storage's refusals) and one past the quota
 * (recording_quota); on any failure the upload leaves no file and no row.
 */
export async function storeRecording(input: {
  accountId: string;
  call: { id: number; uniqueid: string };
  body: RecordingBody;
  maxBytes: number;
  quotaBytes: number;
  stores: RecordingStores;
}): Promise<StoreOutcome> {
  const { accountId, call, stores } = input;
  const uniqueid = call.uniqueid;
  const storage = stores.storageOf(stores.current);
  const stored = await storage.put(input.body, { maxBytes: input.maxBytes });
  let result: { outcome: StoreOutcome; replaced?: { storageKey: string; store: RecordingStore } };
  try {
    const durationSeconds = stored.contentType === "audio/wav" ? await measureWav(storage, stored) : null;
    result = await inTurn(accountId, () =>
      db().$transaction(async (tx) => {
        // The account's usage row, locked: two uploads can neither both take the last free bytes nor both replace one recording.
        const [usage] = await tx.$queryRaw<{ bytes: bigint }[]>`
        INSERT INTO "recording_usage" ("accountId") VALUES (${accountId}::uuid)
        ON CONFLICT ("accountId") DO UPDATE SET "bytes" = "recording_usage"."bytes" RETURNING "bytes"`;
        const existing = await recordingOfCall(tx, accountId, uniqueid);
        if (existing && !existing.replaceable) return { outcome: { kind: "duplicate" } };
        const usedBytes = Number(usage!.bytes);
        const growth = stored.sizeBytes - (existing?.sizeBytes ?? 0);
        if (usedBytes + growth > input.quotaBytes) throw quotaRefusal(input.quotaBytes);
        const [ended, settings] = await Promise.all([
          tx.callEvent.findFirst({ where: { accountId, uniqueid, type: "HANGUP" }, select: { id: true } }),
          tx.recordingSettings.findUnique({ where: { accountId }, select: { format: true } }),
        ]);
        // A WAV waits for its compact copy unless the account keeps WAV (docs/recordings.md).
        const compact = stored.contentType === "audio/wav" && (settings?.format ?? "MP3") === "MP3";
        const data = {
          callId: call.id,
          storageKey: stored.key,
          store: stores.current,
          contentType: stored.contentType,
          sizeBytes: stored.sizeBytes,
          durationSeconds,
          headerRepaired: stored.headerRepaired,
          replaceable: !ended || stored.headerRepaired,
          state: compact ? ("PENDING" as const) : ("AS_RECEIVED" as const),
          encoder: null,
          encodeAttempts: 0,
        };
        const recording = existing
          ? await tx.recording.update({ where: { id: existing.id }, data })
          : await tx.recording.create({ data: { accountId, uniqueid, ...data } });
        const payload = {
          recordingId: recording.id,
          sizeBytes: recording.sizeBytes,
          contentType: recording.contentType,
        };
        await tx.callEvent.upsert({
          where: { accountId_uniqueid_type_ring: { accountId, uniqueid, type: "UPLOAD", ring: "" } },
          create: { accountId, uniqueid, type: "UPLOAD", payload },
          update: { payload },
        });
        await tx.recordingUsage.update({ where: { accountId }, data: { bytes: { increment: growth } } });
        return existing
          ? { outcome: { kind: "replaced", recording }, replaced: existing }
          : { outcome: { kind: "stored", recording } };
      }),
    );
  } catch (error) {
    await storage.remove(stored.key);
    throw error;
  }
  if (result.outcome.kind === "duplicate") await storage.remove(stored.key);
  if (result.replaced)
    await stores
      .storageOf(result.replaced.store)
      .remove(result.replaced.storageKey)
      .catch((error: unknown) =>
        log.warn({ accountId, err: error }, "the file of a replaced recording was not removed"),
      );
  return result.outcome;
}

export type OpenRecordingResult =
  | { kind: "missing" }
  | { kind: "gone"; recording: Recording }
  | { kind: "unsatisfiable"; size: number }
  | { kind: "ok"; recording: Recording; stream: ReadableStream<Uint8Array>; size: number; range: ByteRange | null };

/**
 * For the streaming route: "ok" with a range answers 206, without one 200; "unsatisfiable" answers
 * 416; "gone" (deleted by retention) 410.
 * `size` is always the whole file's, so a 206 body is `range.end - range.start + 1` bytes.
 */
export async function openRecording(input: {
  id: number;
  rangeHeader?: string | null;
  stores: RecordingStores;
}): Promise<OpenRecordingResult> {
  const recording = await db().recording.findUnique({ where: { id: input.id } });
  if (!recording) return { kind: "missing" };
  if (recording.state === "DELETED") return { kind: "gone", recording };
  const range = parseRange(input.rangeHeader ?? null, recording.sizeBytes);
  if (range === "unsatisfiable") return { kind: "unsatisfiable", size: recording.sizeBytes };
  const storage = input.stores.storageOf(recording.store);
  const { stream, size } = await storage.open(recording.storageKey, range ?? undefined);
  return { kind: "ok", recording, stream, size, range };
}
