import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { quotaRefusal, recordingRoom, storeRecording } from "./recordings";
import type { RecordingBody } from "./storage";
import { recordingStores } from "./stores";
import { signRecordingPath, type RecordingTarget } from "./signed-url";
import { declaredLength, discardRest } from "@/lib/http/body";
import { firstMultipartFile, NO_FILE } from "@/lib/http/multipart";
import { isRefusal, Refusal } from "@/lib/http/refusal";

/** The unguessable link the CRM gets for an uploaded recording (revoked by rotating the clientId). */
export function recordingUrl(target: RecordingTarget, clientId: string): string {
  return env().PUBLIC_URL + signRecordingPath(target, clientId, env().ENCRYPTION_KEY);
}

/** The recording as it arrives: a multipart form's first file (curl -F), or the raw body (curl --data-binary). */
async function uploadBody(request: Request, maxBytes: number): Promise<{ body: RecordingBody; close(): void }> {
  const type = (request.headers.get("content-type") ?? "").toLowerCase();
  if (type.includes("multipart/form-data")) {
    try {
      const file = await firstMultipartFile(request, maxBytes);
      return { body: file.chunks, close: file.close };
    } catch (error) {
      if (!isRefusal(error, "malformed_body")) throw error;
      throw new Refusal(
        "malformed_body",
        error.message === NO_FILE
          ? "type=upload needs the recording as a file field (curl -F file=@record.wav)"
          : `${error.message} (curl -F file=@record.wav)`,
      );
    }
  }
  if (!request.body) throw new Refusal("recording_missing", "type=upload needs the recording in the request body");
  const body = request.body;
  return { body, close: () => discardRest(body) };
}

// An upload is held this long for its call before it is refused: in AMI mode the call may be
// stored a moment after the file that names it (docs/recordings.md).
const CALL_WAIT_MS = 5_000;
// What a multipart form adds around the file.
const FORM_OVERHEAD = 64 * 1024;

/** The account's call with this uniqueid, waited for up to CALL_WAIT_MS; null when none came. */
async function callOfUpload(accountId: string, uniqueid: string): Promise<{ id: number; uniqueid: string } | null> {
  const deadline = Date.now() + CALL_WAIT_MS;
  for (let pause = 100; ; pause = Math.min(pause * 2, 1_000)) {
    const call = await db().call.findUnique({
      where: { accountId_uniqueid: { accountId, uniqueid } },
      select: { id: true, uniqueid: true },
    });
    const left = deadline - Date.now();
    if (call || left <= 0) return call;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
  }
}

/** A refusal decided before the body was read: the body is dropped unread (discardRest). */
function refused(request: Request, refusal: Refusal): Refusal {
  if (request.body) discardRest(request.body);
  return refusal;
}

/**
 * type=upload: stores the recording of a call the account has (docs/recordings.md). Before a
 * byte of the body is read: the call is waited for briefly (404 without one), a call whose
 * recording stays answers `duplicate`, and a body that cannot fit the account's quota is 413.
 */
export async function receiveRecording(
  accountId: string,
  uniqueid: string,
  request: Request,
): Promise<{ duplicate: boolean; recordingId?: number; replaced?: true }> {
  // type=upload given in a form body: that body held parameters, not the recording.
  if (request.bodyUsed)
    throw new Refusal(
      "recording_missing",
      "type=upload takes its parameters from the query string; the request body must be the recording",
    );
  const maxBytes = env().RECORDING_MAX_BYTES;
  const declared = declaredLength(request) ?? 0;
  if (declared > maxBytes + FORM_OVERHEAD)
    throw refused(request, new Refusal("recording_too_large", `the recording is larger than ${maxBytes} bytes`));
  const call = await callOfUpload(accountId, uniqueid);
  if (!call)
    throw refused(
      request,
      new Refusal(
        "unknown_call",
        `no call ${uniqueid} is known to this account: a recording is taken only after its call's hangup (or in/out) was stored`,
      ),
    );
  const quotaBytes = env().RECORDINGS_QUOTA_BYTES;
  const room = await recordingRoom(accountId, uniqueid, quotaBytes);
  if (room === null) {
    if (request.body) discardRest(request.body);
    return { duplicate: true };
  }
  if (room <= 0 || declared > room + FORM_OVERHEAD) throw refused(request, quotaRefusal(quotaBytes));
  const limit = Math.min(maxBytes, room);
  const stores = recordingStores();
  const upload = await uploadBody(request, limit);
  try {
    const outcome = await storeRecording({ accountId, call, body: upload.body, maxBytes: limit, quotaBytes, stores });
    if (outcome.kind === "duplicate") return { duplicate: true };
    return {
      duplicate: false,
      recordingId: outcome.recording.id,
      ...(outcome.kind === "replaced" ? { replaced: true as const } : {}),
    };
  } catch (error) {
    // The parser's refusal once the file began, and a size past the room the quota left, said for the upload.
    if (isRefusal(error, "malformed_body"))
      throw new Refusal(
        "malformed_body",
        "the request body is not valid multipart/form-data (curl -F file=@record.wav)",
      );
    if (isRefusal(error, "recording_too_large") && limit < maxBytes) throw quotaRefusal(quotaBytes);
    throw error;
  } finally {
    upload.close();
  }
}
