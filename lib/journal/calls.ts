import { z } from "zod";
import { announceDeliveryDue } from "@/lib/db/delivery-due";
import type { CompleteOutcome, TaskOutcome } from "@/lib/callback-tasks";
import type { CustomerOutcome } from "@/lib/new-customers";
import { db } from "@/lib/db/client";
import { TIME_ZONE } from "@/lib/i18n/config";
import { translator } from "@/lib/i18n/server";
import { recordingUrl } from "@/lib/recordings";
import { transcriptLines, type CommentOutcome, type NoteOutcome } from "@/lib/transcripts";
import { wallClock } from "@/lib/telephony/clock";

export const PAGE_SIZE = 25;

/** Far past any journal (25 million calls), and an OFFSET PostgreSQL takes. */
const LAST_PAGE = 1_000_000;

/** Which page of the journal to show (`?page=`, the newest first), 1 when none is asked for. */
export const journalQuery = z.object({
  page: z
    .string()
    .regex(/^[1-9]\d{0,6}$/, `Parameter 'page' must be a whole number from 1 to ${LAST_PAGE}`)
    .transform(Number)
    .refine((page) => page <= LAST_PAGE, `Parameter 'page' must be a whole number from 1 to ${LAST_PAGE}`)
    .default(1),
  /** A call to show: the page it is on (links from «Обзор»). */
  call: z
    .string()
    .regex(/^[1-9]\d{0,9}$/, "Parameter 'call' must be a call's id")
    .transform(Number)
    .optional(),
});

/** The journal's page a call of the account is on, newest first as listCalls orders them; null for no such call. */
export async function pageOfCall(accountId: string, callId: number): Promise<number | null> {
  const call = await db().call.findFirst({ where: { id: callId, accountId }, select: { createdAt: true } });
  if (!call) return null;
  const newer = await db().call.count({
    where: {
      accountId,
      OR: [{ createdAt: { gt: call.createdAt } }, { createdAt: call.createdAt, id: { gt: callId } }],
    },
  });
  return Math.floor(newer / PAGE_SIZE) + 1;
}

/** One page of the journal, as the page renders it and /api/cabinet/calls answers it. */
export interface JournalPage {
  calls: JournalCall[];
  total: number;
  pages: number;
}

export interface JournalDelivery {
  id: number;
  kind:
    "CALL_EVENT" | "CALLS_UPLOAD" | "MISSED_TASK" | "NEW_CUSTOMER" | "CUSTOMER_NOTE" | "TASK_COMPLETE" | "TASK_COMMENT";
  label: string;
  state: "QUEUED" | "SENT" | "FAILED";
  lastError: string | null;
  attempts: number;
  /** Why a call-back task or a customer was not written although the request went through (skipped), or the customer made, in words for the admin. */
  note: string | null;
}

export interface JournalCall {
  id: number;
  uniqueid: string;
  /** When it began, "Y-m-d H:i:s" on the clock of the account's CRM: the date the CRM shows. */
  startedAt: string | null;
  direction: "IN" | "OUT" | null;
  phone: string | null;
  extension: string | null;
  manager: string | null;
  result: string | null;
  failureReason: string | null;
  /** The number is on the account's ignore list: nothing of the call went to the CRM. */
  ignored: boolean;
  /** What the dialplan sent that could not be used as sent, in words for the admin. */
  inputWarnings: string[];
  waitSeconds: number | null;
  talkSeconds: number | null;
  recordingUrl: string | null;
  /** Why the recording as stored differs from the upload, in words for the admin. */
  recordingNote: string | null;
  deliveries: JournalDelivery[];
  /** A missed call called back (docs/crm-features.md, «Перезвонили»): after how long, in words, and by whom. */
  calledBack: { after: string; extension: string | null; manager: string | null } | null;
  /** The call's transcript and summary (docs/transcripts.md), or why there is none; null when never queued. */
  transcript: JournalTranscript | null;
}

export interface JournalTranscript {
  state: "QUEUED" | "DONE" | "FAILED" | "SKIPPED";
  /** "[0:05] Менеджер: …", masked, in time order. */
  lines: string[];
  summary: string | null;
  /** The engine's message of the last failure, or why it was skipped. */
  error: string | null;
}

type CallsText = Awaited<ReturnType<typeof translator<"calls">>>;

/** "phone:cleaned" (calls."inputWarnings") as the journal says it. */
function describeInputWarning(t: CallsText, warning: string): string {
  const [field = "", action] = warning.split(":");
  return action === "cleaned" ? t("inputWarning.cleaned", { field }) : t("inputWarning.dropped", { field });
}

/** The CRM method of a request, as the admin knows it from the API docs; the callback task in words. */
function deliveryLabel(t: CallsText, kind: JournalDelivery["kind"], eventType: string): string {
  if (kind === "MISSED_TASK") return t("delivery.missedTask");
  if (kind === "NEW_CUSTOMER") return t("delivery.newCustomer");
  if (kind === "CUSTOMER_NOTE") return "customers/notes/create";
  if (kind === "TASK_COMPLETE") return t("delivery.taskComplete");
  if (kind === "TASK_COMMENT") return t("delivery.taskComment");
  return kind === "CALLS_UPLOAD" ? "calls/upload" : `call/event ${eventType.toLowerCase()}`;
}

/** A skipped call-back task's or note's reason (the answer recorded for it) as the journal says it. */
function skippedNote(t: CallsText, answer: unknown): string | null {
  const outcome = answer as TaskOutcome | NoteOutcome | null;
  if (outcome?.action !== "skipped") return null;
  if (outcome.reason === "no-customer" || outcome.reason === "no-transcript") return t("delivery.skipped.noCustomer");
  if (outcome.reason === "cap")
    return t(outcome.per === "day" ? "delivery.skipped.capDay" : "delivery.skipped.cap10Minutes", {
      limit: outcome.limit,
    });
  return t(outcome.reason === "reached" ? "delivery.skipped.reached" : "delivery.skipped.optionOff");
}

/** What became of a new customer (the answer recorded for it), as the journal says it. */
function customerNote(t: CallsText, answer: unknown): string | null {
  const outcome = answer as CustomerOutcome | null;
  if (outcome?.action === "created") return t("delivery.customer.created", { id: outcome.customerId });
  if (outcome?.action !== "skipped") return null;
  if (outcome.reason === "option-off") return t("delivery.customer.optionOff");
  return t(outcome.reason === "known" ? "delivery.customer.known" : "delivery.customer.claimed", {
    id: outcome.customerId ?? "—",
  });
}

/** A stored transcript as the journal shows it, its speakers named in the admin's language. */
function journalTranscript(
  row: { state: JournalTranscript["state"]; dialogue: unknown; summary: string | null; lastError: string | null },
  names: Record<"manager" | "customer", string>,
): JournalTranscript {
  return {
    state: row.state,
    lines: Array.isArray(row.dialogue) ? transcriptLines(row.dialogue as never, names) : [],
    summary: row.summary,
    error: row.lastError,
  };
}

/** Why a task completion did nothing although the request went through. */
function completeNote(t: CallsText, answer: unknown): string | null {
  const outcome = answer as CompleteOutcome | null;
  if (outcome?.action !== "skipped") return null;
  if (outcome.reason === "gone") return t("delivery.completeSkipped.gone");
  return t(
    outcome.reason === "missed-since" ? "delivery.completeSkipped.missedSince" : "delivery.completeSkipped.noOpenTask",
  );
}

/** Why a task commentary was not written (the answer recorded for it), as the journal says it. */
function commentNote(t: CallsText, answer: unknown): string | null {
  const outcome = answer as CommentOutcome | null;
  if (outcome?.action !== "skipped") return null;
  return t(outcome.reason === "gone" ? "delivery.completeSkipped.gone" : "delivery.commentSkipped.noTask");
}

/** How long a call back took, in words: seconds under a minute, minutes under an hour, then hours and minutes. */
function afterWords(t: CallsText, seconds: number): string {
  if (seconds < 60) return t("calledBack.seconds", { value: seconds });
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return t("calledBack.minutes", { value: minutes });
  return t("calledBack.hours", { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
}

/** Why the recording as stored differs from the upload, or is no more (docs/recordings.md). */
function recordingNote(
  t: CallsText,
  recording: { headerRepaired: boolean; state: string; keptDays: number | null } | undefined,
): string | null {
  if (recording?.state === "DELETED") return t("recording.deleted", { days: recording.keptDays ?? 0 });
  if (recording?.state === "ENCODE_FAILED") return t("recording.encodeFailed");
  return recording?.headerRepaired ? t("recording.repaired") : null;
}

/** The account's calls, newest first, with what became of each CRM request, notes in the admin's language. */
export async function listCalls(accountId: string, page: number): Promise<JournalPage> {
  const t = await translator("calls");
  const said = await translator("transcripts");
  const speakerNames = { manager: said("manager"), customer: said("customer") };
  const account = await db().account.findUniqueOrThrow({
    where: { id: accountId },
    select: { clientId: true, crmTimeZone: true },
  });
  const [total, calls] = await Promise.all([
    db().call.count({ where: { accountId } }),
    db().call.findMany({
      where: { accountId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: (page - 1) * PAGE_SIZE,
      take: PAGE_SIZE,
      include: {
        transcript: { select: { state: true, dialogue: true, summary: true, lastError: true } },
        deliveries: {
          orderBy: { id: "asc" },
          include: {
            event: { select: { type: true } },
            _count: { select: { attempts: true } },
            attempts: { orderBy: { id: "desc" }, take: 1, select: { response: true } },
          },
        },
      },
    }),
  ]);
  // By uniqueid, not by the recording's callId: a recording uploaded before its call was known has none.
  const recordings = await db().recording.findMany({
    where: { accountId, uniqueid: { in: calls.map((c) => c.uniqueid) } },
    orderBy: { id: "asc" },
    select: { id: true, uniqueid: true, headerRepaired: true, state: true, keptDays: true },
  });
  const recordingOf = new Map(recordings.map((r) => [r.uniqueid, r]));
  const extensions = [
    ...new Set(calls.flatMap((c) => [c.extension, c.calledBackExtension]).filter((e): e is string => e !== null)),
  ];
  const users = await db().crmUser.findMany({ where: { accountId, extension: { in: extensions } } });
  const managerOf = new Map(
    users.map((u) => [u.extension!, [u.lastName, u.firstName].filter(Boolean).join(" ") || u.email || null]),
  );
  return {
    total,
    pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    calls: calls.map((c) => ({
      id: c.id,
      uniqueid: c.uniqueid,
      startedAt: c.startedAt ? wallClock(c.startedAt, account.crmTimeZone ?? TIME_ZONE) : null,
      direction: c.direction,
      phone: c.phone,
      extension: c.extension,
      manager: c.extension ? (managerOf.get(c.extension) ?? null) : null,
      result: c.result,
      failureReason: c.failureReason,
      ignored: c.ignored,
      inputWarnings: [...new Set(c.inputWarnings)].map((warning) => describeInputWarning(t, warning)),
      waitSeconds: c.waitSeconds,
      talkSeconds: c.talkSeconds,
      recordingUrl:
        recordingOf.has(c.uniqueid) && recordingOf.get(c.uniqueid)!.state !== "DELETED"
          ? recordingUrl({ recordingId: recordingOf.get(c.uniqueid)!.id }, account.clientId)
          : null,
      recordingNote: recordingNote(t, recordingOf.get(c.uniqueid)),
      deliveries: c.deliveries.map((d) => ({
        id: d.id,
        kind: d.kind,
        label: deliveryLabel(t, d.kind, d.event.type),
        state: d.state,
        lastError: d.lastError,
        attempts: d._count.attempts,
        note:
          d.state !== "SENT"
            ? null
            : d.kind === "MISSED_TASK" || d.kind === "CUSTOMER_NOTE"
              ? skippedNote(t, d.attempts[0]?.response)
              : d.kind === "NEW_CUSTOMER"
                ? customerNote(t, d.attempts[0]?.response)
                : d.kind === "TASK_COMPLETE"
                  ? completeNote(t, d.attempts[0]?.response)
                  : d.kind === "TASK_COMMENT"
                    ? commentNote(t, d.attempts[0]?.response)
                    : null,
      })),
      transcript: c.transcript ? journalTranscript(c.transcript, speakerNames) : null,
      calledBack:
        c.calledBackAt && c.calledBackSeconds !== null
          ? {
              after: t("calledBack.after", { after: afterWords(t, c.calledBackSeconds) }),
              extension: c.calledBackExtension,
              manager: c.calledBackExtension ? (managerOf.get(c.calledBackExtension) ?? null) : null,
            }
          : null,
    })),
  };
}

/** «Повторить»: puts a failed CRM request of this account back in the queue. */
export async function retryDelivery(accountId: string, deliveryId: number): Promise<boolean> {
  const owed = await db().$transaction(async (tx) => {
    const delivery = await tx.delivery.findFirst({ where: { id: deliveryId, accountId, state: "FAILED" } });
    if (!delivery?.callId) return false;
    await tx.delivery.update({ where: { id: delivery.id }, data: { state: "QUEUED" } });
    // Its account's delivery lane is told of it (docs/delivery.md).
    await tx.call.update({ where: { id: delivery.callId }, data: { deliveryPending: true } });
    return true;
  });
  if (owed) announceDeliveryDue();
  return owed;
}
