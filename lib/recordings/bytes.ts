import { db } from "@/lib/db/client";
import { RecordingNotFoundError } from "./storage";
import { recordingStores } from "./stores";

/**
 * A recording's bytes, whole, from whichever store holds them: for the transcription worker
 * (docs/transcripts.md), which reads a call's recording once. A deleted one is not found.
 */
export async function recordingBytes(recordingId: number): Promise<Buffer> {
  const recording = await db().recording.findUnique({
    where: { id: recordingId },
    select: { storageKey: true, store: true, state: true },
  });
  if (!recording || recording.state === "DELETED") throw new RecordingNotFoundError(`#${recordingId}`);
  const opened = await recordingStores().storageOf(recording.store).open(recording.storageKey);
  const chunks: Uint8Array[] = [];
  const reader = opened.stream.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) chunks.push(read.value);
  return Buffer.concat(chunks);
}
