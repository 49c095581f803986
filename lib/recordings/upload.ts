import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { storeRecording } from "./recordings";
import { EmptyRecordingError, RecordingTooLargeError, UnsupportedRecordingError, type RecordingBody } from "./storage";
import { recordingStores } from "./stores";
import { signRecordingPath, type RecordingTarget } from "./signed-url";
import { declaredLength, discardRest } from "@/lib/http/body";
import { firstMultipartFile, MultipartError, NO_FILE } from "@/lib/http/multipart";

/** The unguessable link the CRM gets for an uploaded recording (revoked by rotating the clientId). */
export function recordingUrl(target: RecordingTarget, clientId: string): string {
  return env().PUBLIC_URL + signRecordingPath(target, clientId, env().ENCRYPTION_KEY);
}

export class UploadRejected extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = "UploadRejected";
  }
}

/** The recording as it arrives: a multipart form's first file (curl -F), or the raw body (curl --data-binary). */
async function uploadBody(request: Request, maxBytes: number): Promise<{ body: RecordingBody; close(): void }> {
  const type = (request.headers.get("content-type") ?? "").toLowerCase();
  if (type.includes("multipart/form-data")) {
    try {
      const file = await firstMultipartFile(request, maxBytes);
      return { body: file.chunks, close: file.close };
    } catch (error) {
      if (!(error instanceof MultipartError)) throw error;
      throw new UploadRejected(
        400,
        error.message === NO_FILE
          ? "type=upload needs the recording as a file field (curl -F file=@record.wav)"
          : "the request body is not valid multipart/form-data (curl -F file=@record.wav)",
      );
    }
  }
  if (!request.body) throw new UploadRejected(400, "type=upload needs the recording in the request body");
  const body = request.body;
  return { body, close: () => discardRest(body) };
}

/** type=upload: stores the recording for this uniqueid once (a repeated valid upload changes nothing). */
export async function receiveRecording(
  accountId: string,
  uniqueid: string,
  request: Request,
): Promise<{ duplicate: boolean; recordingId?: number }> {
  // type=upload given in a form body: that body held parameters, not the recording.
  if (request.bodyUsed)
    throw new UploadRejected(
      400,
      "type=upload takes its parameters from the query string; the request body must be the recording",
    );
  const maxBytes = env().RECORDING_MAX_BYTES;
  if ((declaredLength(request) ?? 0) > maxBytes + 64 * 1024) {
    if (request.body) discardRest(request.body);
    throw new UploadRejected(413, `the recording is larger than ${maxBytes} bytes`);
  }
  // A repeat is checked only once the body has passed every check below, so a bad body gets its
  // precise 4xx even for a uniqueid that already has a recording (the duplicate is then dropped).
  const stores = recordingStores();
  const upload = await uploadBody(request, maxBytes);
  let recording;
  try {
    recording = await storeRecording({ accountId, uniqueid, body: upload.body, maxBytes, stores });
  } catch (error) {
    if (error instanceof MultipartError)
      throw new UploadRejected(400, "the request body is not valid multipart/form-data (curl -F file=@record.wav)");
    if (error instanceof EmptyRecordingError) throw new UploadRejected(400, "the recording is empty");
    if (error instanceof RecordingTooLargeError)
      throw new UploadRejected(413, `the recording is larger than ${maxBytes} bytes`);
    if (error instanceof UnsupportedRecordingError)
      throw new UploadRejected(415, "the recording must be WAV, MP3 or OGG audio");
    throw error;
  } finally {
    upload.close();
  }
  const stored = await db().callEvent.createMany({
    data: [
      {
        accountId,
        uniqueid,
        type: "UPLOAD",
        payload: { recordingId: recording.id, sizeBytes: recording.sizeBytes, contentType: recording.contentType },
      },
    ],
    skipDuplicates: true,
  });
  if (stored.count === 0) {
    await db().recording.delete({ where: { id: recording.id } });
    await stores.storageOf(recording.store).remove(recording.storageKey);
    return { duplicate: true };
  }
  return { duplicate: false, recordingId: recording.id };
}
