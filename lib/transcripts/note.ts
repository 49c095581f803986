import type pg from "pg";
import type { RetailCrmClient } from "@/lib/retailcrm/client";
import { DEFAULT_LOCALE, isLocale } from "@/lib/i18n/config";
import { translatorFor } from "@/lib/i18n/translate";
import { wallClock } from "@/lib/telephony/clock";
import { dialogueText, wholeLinesWithin, type Line } from "./dialogue";

/** A call whose transcript is done, as its CUSTOMER_NOTE delivery is built from the stored call. */
export interface NotedCall {
  callId: number;
  phone: string;
  startedAt: Date;
  /** The zone the account's CRM reads dates in: the note names the call's time on its clock. */
  timeZone: string;
  site?: string;
  /** The public link to the whole transcript, given when the conversation is cut. */
  transcriptUrl: string;
}

export type NoteOutcome =
  | { action: "created"; noteId: number; customerId: number }
  | { action: "skipped"; reason: "no-customer" | "no-transcript" };

/** The longest conversation written into a note; a longer one is cut and ends with the link to the whole. */
const MAX_DIALOGUE_CHARS = 4_000;

/**
 * The note's text in the admin's language: title, summary, then the conversation; a conversation
 * too long for a note ends with `transcriptUrl`, the public page of the whole (docs/transcripts.md, «Note»).
 */
export function noteText(
  locale: string,
  call: { startedAt: Date; timeZone: string; transcriptUrl: string },
  lines: Line[],
  summary: string | null,
): string {
  const t = translatorFor(isLocale(locale) ? locale : DEFAULT_LOCALE, "transcripts");
  let said = dialogueText(lines, { manager: t("manager"), customer: t("customer") });
  if (said.length > MAX_DIALOGUE_CHARS)
    said = `${wholeLinesWithin(said, MAX_DIALOGUE_CHARS)}\n${t("truncated", { url: call.transcriptUrl })}`;
  const parts = [t("noteTitle", { time: wallClock(call.startedAt, call.timeZone).slice(0, 16) })];
  if (summary) parts.push(`${t("summaryTitle")}:\n${summary}`);
  parts.push(`${t("dialogueTitle")}:\n${said}`);
  return parts.join("\n\n");
}

/**
 * Writes a call's transcript into a note on its customer, found by the call's number as the
 * telephony manager lookup finds them. A number no customer has gets no note (the journal says
 * so). A CRM error is thrown as it came, for the delivery lane to retry or record.
 */
export async function sendCallNote(pool: pg.Pool, crm: RetailCrmClient, call: NotedCall): Promise<NoteOutcome> {
  const { rows } = await pool.query<{ dialogue: Line[] | null; summary: string | null; locale: string | null }>({
    name: "transcript-of-call",
    text: `SELECT t."dialogue", t."summary", s."locale" FROM "transcripts" t
      LEFT JOIN "transcript_settings" s ON s."accountId" = t."accountId" WHERE t."callId" = $1 AND t."state" = 'DONE'`,
    values: [call.callId],
  });
  const transcript = rows[0];
  if (!transcript?.dialogue) return { action: "skipped", reason: "no-transcript" };
  const found = await crm.telephonyManager(call.phone, { details: true, ignoreStatus: true, site: call.site });
  const customerId = found.customer?.id;
  if (customerId === undefined) return { action: "skipped", reason: "no-customer" };
  const created = await crm.createCustomerNote(
    {
      text: noteText(transcript.locale ?? DEFAULT_LOCALE, call, transcript.dialogue, transcript.summary),
      customer: { id: customerId },
    },
    call.site,
  );
  return { action: "created", noteId: created.id, customerId };
}
