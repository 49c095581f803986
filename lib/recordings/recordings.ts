import { db } from "@/lib/db/client";
import type { Recording } from "@/lib/generated/prisma/client";
import { parseRange, type ByteRange } from "./range";
import type { RecordingBody, RecordingStorage, StoredRecording } from "./storage";
import type { RecordingStores } from "./stores";
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

/**
 * Stores an uploaded recording (type=upload) and records it, linked to the call when that call is
 * already known. Throws the storage's typed errors for empty, oversized or non-audio uploads; on
 * any failure neither a file nor a row remains.
 */
export async function storeRecording(input: {
  accountId: string;
  uniqueid: string;
  body: RecordingBody;
  maxBytes: number;
  stores: RecordingStores;
}): Promise<Recording> {
  const { accountId, uniqueid, stores } = input;
  const storage = stores.storageOf(stores.current);
  const stored = await storage.put(input.body, { maxBytes: input.maxBytes });
  try {
    const durationSeconds = stored.contentType === "audio/wav" ? await measureWav(storage, stored) : null;
    const call = await db().call.findUnique({
      where: { accountId_uniqueid: { accountId, uniqueid } },
      select: { id: true },
    });
    return await db().recording.create({
      data: {
        accountId,
        uniqueid,
        callId: call?.id ?? null,
        storageKey: stored.key,
        store: stores.current,
        contentType: stored.contentType,
        sizeBytes: stored.sizeBytes,
        durationSeconds,
        headerRepaired: stored.headerRepaired,
      },
    });
  } catch (error) {
    await storage.remove(stored.key);
    throw error;
  }
}

export type OpenRecordingResult =
  | { kind: "missing" }
  | { kind: "unsatisfiable"; size: number }
  | { kind: "ok"; recording: Recording; stream: ReadableStream<Uint8Array>; size: number; range: ByteRange | null };

/**
 * For the streaming route: "ok" with a range answers 206, without one 200; "unsatisfiable" answers 416.
 * `size` is always the whole file's, so a 206 body is `range.end - range.start + 1` bytes.
 */
export async function openRecording(input: {
  id: number;
  rangeHeader?: string | null;
  stores: RecordingStores;
}): Promise<OpenRecordingResult> {
  const recording = await db().recording.findUnique({ where: { id: input.id } });
  if (!recording) return { kind: "missing" };
  const range = parseRange(input.rangeHeader ?? null, recording.sizeBytes);
  if (range === "unsatisfiable") return { kind: "unsatisfiable", size: recording.sizeBytes };
  const storage = input.stores.storageOf(recording.store);
  const { stream, size } = await storage.open(recording.storageKey, range ?? undefined);
  return { kind: "ok", recording, stream, size, range };
}
