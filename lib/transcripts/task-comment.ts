import type pg from "pg";
import { DEFAULT_LOCALE, isLocale, TIME_ZONE } from "@/lib/i18n/config";
import { translatorFor } from "@/lib/i18n/translate";
import { RetailCrmError } from "@/lib/retailcrm/errors";
import type { RetailCrmClient } from "@/lib/retailcrm/client";
import { wallClock } from "@/lib/telephony/clock";
import { dialogueText, wholeLinesWithin, type Line } from "./dialogue";
import { transcriptUrl } from "./link";

/** A missed call whose transcript is done, as its TASK_COMMENT delivery is built from the stored call. */
export interface CommentedCall {
  callId: number;
}

export type CommentOutcome =
  | { action: "commented"; taskId: number; calls: number }
  | { action: "skipped"; reason: "no-task" }
  | { action: "skipped"; reason: "gone"; taskId: number };

/** The beginning of a conversation given in a commentary when the call has no summary. */
const MAX_START_CHARS = 500;

interface TranscribedCall {
  taskId: number;
  callId: number;
  startedAt: Date;
  dialogue: Line[];
  summary: string | null;
  locale: string | null;
  clientId: string;
  timeZone: string | null;
}

/**
 * The task the call's MISSED_TASK made or added it to (its answer's taskId), and every missed call
 * of that task whose transcript is done. A task takes calls for at most a day after it is made
 * (the window, docs/crm-features.md), so its calls' requests are looked for two days either side.
 */
const TASK_CALLS_SQL = `
  WITH task AS (
    SELECT (a."response"->>'taskId')::int AS "taskId", d."accountId", d."createdAt"
    FROM "deliveries" d JOIN "delivery_attempts" a ON a."deliveryId" = d."id"
    WHERE d."callId" = $1 AND d."kind" = 'MISSED_TASK' AND d."state" = 'SENT' AND a."response"->>'taskId' IS NOT NULL
    ORDER BY a."id" DESC LIMIT 1
  )
  SELECT DISTINCT ON (c."id") task."taskId", c."id" AS "callId", COALESCE(c."startedAt", c."createdAt") AS "startedAt",
    t."dialogue", t."summary", s."locale", acc."clientId", acc."crmTimeZone" AS "timeZone"
  FROM task
  JOIN "deliveries" d ON d."accountId" = task."accountId" AND d."kind" = 'MISSED_TASK' AND d."state" = 'SENT'
    AND d."createdAt" BETWEEN task."createdAt" - interval '2 days' AND task."createdAt" + interval '2 days'
  JOIN "delivery_attempts" a ON a."deliveryId" = d."id" AND a."response"->>'taskId' = task."taskId"::text
  JOIN "calls" c ON c."id" = d."callId"
  JOIN "transcripts" t ON t."callId" = c."id" AND t."state" = 'DONE' AND t."dialogue" IS NOT NULL
  JOIN "accounts" acc ON acc."id" = task."accountId"
  LEFT JOIN "transcript_settings" s ON s."accountId" = task."accountId"
  ORDER BY c."id"`;

/** The conversation's first whole lines up to MAX_START_CHARS (or its first characters), "…" when cut. */
function start(said: string): string {
  return said.length <= MAX_START_CHARS ? said : `${wholeLinesWithin(said, MAX_START_CHARS)}\n…`;
}

/**
 * The commentary of a call-back task: for each of its missed calls transcribed, in the order they
 * began, the title, the summary (or the conversation's beginning) and the link to the whole
 * (docs/transcripts.md, «Task commentary»). The same calls give the same text.
 */
export function taskCommentary(locale: string, calls: (Omit<TranscribedCall, "locale"> & { url: string })[]): string {
  const t = translatorFor(isLocale(locale) ? locale : DEFAULT_LOCALE, "transcripts");
  return [...calls]
    .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.callId - b.callId)
    .map((call) => {
      const title = t("noteTitle", { time: wallClock(call.startedAt, call.timeZone ?? TIME_ZONE).slice(0, 16) });
      const said = call.summary
        ? `${t("summaryTitle")}:\n${call.summary}`
        : `${t("dialogueTitle")}:\n${start(dialogueText(call.dialogue, { manager: t("manager"), customer: t("customer") }))}`;
      return `${title}\n${said}\n${t("wholeTranscript", { url: call.url })}`;
    })
    .join("\n\n");
}

/**
 * Writes the transcripts of a missed call's task into the task's commentary (tasks/{id}/edit):
 * the whole commentary each time, so an edit sent again, or one for another call of the task,
 * writes what is true then. Nothing when the call's task was not made (skipped, refused) and
 * nothing of a task the CRM no longer has (404). Any other CRM error is thrown as it came, for
 * the lane to retry or record.
 */
export async function sendTaskCommentary(
  pool: pg.Pool,
  crm: RetailCrmClient,
  call: CommentedCall,
): Promise<CommentOutcome> {
  const { rows } = await pool.query<TranscribedCall>({
    name: "task-comment-calls",
    text: TASK_CALLS_SQL,
    values: [call.callId],
  });
  const first = rows[0];
  if (!first) return { action: "skipped", reason: "no-task" };
  const commentary = taskCommentary(
    first.locale ?? DEFAULT_LOCALE,
    rows.map((row) => ({ ...row, url: transcriptUrl(row.callId, row.clientId) })),
  );
  try {
    await crm.editTask(first.taskId, { commentary });
  } catch (error) {
    if (error instanceof RetailCrmError && error.status === 404)
      return { action: "skipped", reason: "gone", taskId: first.taskId };
    throw error;
  }
  return { action: "commented", taskId: first.taskId, calls: rows.length };
}
