import type { Recording } from "@/lib/generated/prisma/client";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { TIME_ZONE } from "@/lib/i18n/config";
import { translatorFor } from "@/lib/i18n/translate";
import { downloadName } from "./download-name";
import { openRecording } from "./recordings";
import { recordingSettingsOf } from "./settings";
import { verifyRecordingSignature } from "./signed-url";
import { recordingStores } from "./stores";

// Recording ids are PostgreSQL integers.
const MAX_ID = 2_147_483_647;

const notFound = () =>
  new Response("Not found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });

/** The recording a link's id names: `<id>` a recording, `c<id>` a call's newest (none until it arrives). */
async function recordingOfLink(idParam: string, sig: string): Promise<number | null> {
  // Only the canonical spelling of an id: "01" or "c01" is no link, even where "1" is.
  const match = /^(c?)([1-9]\d{0,9})$/.exec(idParam);
  if (!match || Number(match[2]) > MAX_ID) return null;
  const id = Number(match[2]);
  const key = env().ENCRYPTION_KEY;
  if (match[1]) {
    const call = await db().call.findUnique({
      where: { id },
      select: { accountId: true, uniqueid: true, account: { select: { clientId: true } } },
    });
    if (!call || !verifyRecordingSignature({ callId: id }, sig, call.account.clientId, key)) return null;
    // By uniqueid, as calls/upload links them: a recording that came before its call has no callId.
    const newest = await db().recording.findFirst({
      where: { accountId: call.accountId, uniqueid: call.uniqueid },
      orderBy: { id: "desc" },
      select: { id: true },
    });
    return newest?.id ?? null;
  }
  const owner = await db().recording.findUnique({ where: { id }, select: { account: { select: { clientId: true } } } });
  return owner && verifyRecordingSignature({ recordingId: id }, sig, owner.account.clientId, key) ? id : null;
}

/** The name the recording is saved under: its call's start in the CRM's zone, direction, number and manager. */
async function nameOf(recording: Recording): Promise<string> {
  const [row] = await db().$queryRaw<
    {
      crmTimeZone: string | null;
      found: boolean;
      startedAt: Date | null;
      direction: "IN" | "OUT" | null;
      phone: string | null;
      extension: string | null;
      lastName: string | null;
    }[]
  >`SELECT a."crmTimeZone", c."id" IS NOT NULL AS "found", c."startedAt", c."direction"::text AS "direction", c."phone",
      c."extension", u."lastName"
    FROM "accounts" a
    LEFT JOIN "calls" c ON c."accountId" = a."id" AND c."uniqueid" = ${recording.uniqueid}
    LEFT JOIN "crm_users" u ON u."accountId" = c."accountId" AND u."extension" = c."extension"
    WHERE a."id" = ${recording.accountId}::uuid`;
  if (!row) throw new Error(`recording ${recording.id}: its account ${recording.accountId} is gone`);
  const { crmTimeZone, found, lastName, ...call } = row;
  return downloadName(recording, found ? call : null, found ? { lastName } : null, crmTimeZone ?? TIME_ZONE);
}

/** The short page a deleted recording's link answers with, in the language of the admin who chose the period. */
async function gonePage(recording: Recording): Promise<Response> {
  const { locale } = await recordingSettingsOf(recording.accountId);
  const t = translatorFor(locale, "asterisk.recordings.gone");
  const title = t("title");
  const text = t("text", { days: recording.keptDays ?? 0 });
  const html = `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;
  return new Response(html, {
    status: 410,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "private, max-age=3600",
      "x-content-type-options": "nosniff",
      // The page is text only: nothing may load or run in it.
      "content-security-policy": "default-src 'none'",
    },
  });
}

/** Streams a recording to whoever holds its signed link (the CRM's player), with HTTP Range support. */
export async function streamRecording(idParam: string, sig: string, rangeHeader: string | null): Promise<Response> {
  const id = await recordingOfLink(idParam, sig);
  if (id === null) return notFound();
  const opened = await openRecording({ id, rangeHeader, stores: recordingStores() });
  if (opened.kind === "missing") return notFound();
  if (opened.kind === "gone") return gonePage(opened.recording);
  if (opened.kind === "unsatisfiable")
    return new Response(null, { status: 416, headers: { "content-range": `bytes */${opened.size}` } });
  const total = opened.recording.sizeBytes;
  const headers: Record<string, string> = {
    "content-type": opened.recording.contentType,
    "accept-ranges": "bytes",
    "content-length": String(opened.range ? opened.range.end - opened.range.start + 1 : opened.size),
    // A recording the call's next upload may replace, or its compact copy, is fetched anew each
    // time: the link then plays the new bytes.
    "cache-control":
      opened.recording.replaceable || opened.recording.state === "PENDING"
        ? "private, no-cache"
        : "private, max-age=3600",
    // Saved under a name a person can file (docs/recordings.md); a player plays it all the same.
    "content-disposition": `attachment; filename="${await nameOf(opened.recording)}"`,
    // Played as audio only, never sniffed into a page (the upload was checked to be audio, but the link is public).
    "x-content-type-options": "nosniff",
  };
  if (opened.range) headers["content-range"] = `bytes ${opened.range.start}-${opened.range.end}/${total}`;
  return new Response(opened.stream, { status: opened.range ? 206 : 200, headers });
}
