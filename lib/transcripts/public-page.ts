import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { DEFAULT_LOCALE, isLocale, TIME_ZONE, type Locale } from "@/lib/i18n/config";
import { translatorFor } from "@/lib/i18n/translate";
import { wallClock } from "@/lib/telephony/clock";
import { transcriptLines, type Line } from "./dialogue";
import { verifyTranscriptSignature } from "./link";

// Call ids are PostgreSQL integers.
const MAX_ID = 2_147_483_647;

/** A call's transcript as its public page shows it, in the account's language. */
export interface PublicTranscript {
  locale: Locale;
  title: string;
  summaryTitle: string;
  summary: string | null;
  dialogueTitle: string;
  lines: string[];
}

/**
 * The transcript a link names (`c<callId>` and its signature, link.ts): the masked dialogue and
 * summary as stored; null for a link that is not one, a wrong signature, or a call with no
 * transcript (none yet, or forgotten with its recording).
 */
export async function publicTranscript(idParam: string, sig: string): Promise<PublicTranscript | null> {
  // Only the canonical spelling: "c01" is no link, even where "c1" is.
  const match = /^c([1-9]\d{0,9})$/.exec(idParam);
  if (!match || Number(match[1]) > MAX_ID) return null;
  const callId = Number(match[1]);
  const [row] = await db().$queryRaw<
    {
      clientId: string;
      timeZone: string | null;
      startedAt: Date;
      dialogue: Line[] | null;
      summary: string | null;
      locale: string | null;
    }[]
  >`SELECT a."clientId", a."crmTimeZone" AS "timeZone", COALESCE(c."startedAt", c."createdAt") AS "startedAt",
      t."dialogue", t."summary", s."locale"
    FROM "transcripts" t JOIN "calls" c ON c."id" = t."callId" JOIN "accounts" a ON a."id" = t."accountId"
    LEFT JOIN "transcript_settings" s ON s."accountId" = t."accountId"
    WHERE t."callId" = ${callId} AND t."state" = 'DONE'`;
  if (!row?.dialogue || !verifyTranscriptSignature(callId, sig, row.clientId, env().ENCRYPTION_KEY)) return null;
  const locale = isLocale(row.locale) ? row.locale : DEFAULT_LOCALE;
  const t = translatorFor(locale, "transcripts");
  return {
    locale,
    title: t("noteTitle", { time: wallClock(row.startedAt, row.timeZone ?? TIME_ZONE).slice(0, 16) }),
    summaryTitle: t("summaryTitle"),
    summary: row.summary,
    dialogueTitle: t("dialogueTitle"),
    lines: transcriptLines(row.dialogue, { manager: t("manager"), customer: t("customer") }),
  };
}
