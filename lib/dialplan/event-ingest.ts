import type { Prisma } from "@/lib/generated/prisma/client";
import { db } from "@/lib/db/client";
import { enqueueCallDelivery } from "@/lib/delivery/enqueue";
import { log } from "@/lib/log";
import { parseCodes } from "@/lib/telephony/direction";
import { mapStatus } from "@/lib/telephony/status";
import type { EventParams } from "@/lib/validations/dialplan";

export class EventRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EventRejected";
  }
}

type CallType = "in" | "out" | "hangup";

function requirePhone(params: EventParams): string {
  if (!params.phone) throw new EventRejected(`parameter phone is required for type=${params.type}`);
  return params.phone;
}

function singleCode(params: EventParams): string | undefined {
  const codes = parseCodes(params.code ?? "").codes;
  if (codes.length > 1) throw new EventRejected(`parameter code must be a single extension for type=${params.type}`);
  return codes[0];
}

async function allMappedExtensions(tx: Prisma.TransactionClient, accountId: string): Promise<string[]> {
  const users = await tx.crmUser.findMany({ where: { accountId, extension: { not: null } }, select: { extension: true }, orderBy: { crmUserId: "asc" } });
  return users.map((u) => u.extension!);
}

function naiveDate(value: string | undefined): Date | undefined {
  return value ? new Date(`${value.replace(" ", "T")}Z`) : undefined;
}

/**
 * Stores one dialplan event and the CRM requests it owes, in one transaction, before the
 * reply. (account, uniqueid, type) is stored once: a repeated event changes nothing and
 * nothing is sent twice. A hangup needs no earlier in/out: it carries all the CRM needs.
 */
export async function ingestCallEvent(accountId: string, params: EventParams & { type: CallType }): Promise<{ duplicate: boolean }> {
  const phone = requirePhone(params);
  const code = params.type === "in" ? undefined : singleCode(params);
  const status = params.type === "hangup" ? mapStatus(params.status ?? "") : undefined;
  if (status && !status.known) log.warn({ accountId, uniqueid: params.uniqueid, status: params.status }, "unknown hangup status; sending it as failed");

  return db().$transaction(async (tx) => {
    const stored = await tx.callEvent.createMany({
      data: [{ accountId, uniqueid: params.uniqueid, type: params.type === "in" ? "IN" : params.type === "out" ? "OUT" : "HANGUP", payload: params }],
      skipDuplicates: true,
    });
    if (stored.count === 0) return { duplicate: true };

    const existing = await tx.call.findUnique({ where: { accountId_uniqueid: { accountId, uniqueid: params.uniqueid } } });
    const direction = params.type === "hangup" ? (params.direct ?? (existing?.direction === "OUT" ? "out" : "in")) : params.type;
    const callData = {
      direction: direction === "out" ? ("OUT" as const) : ("IN" as const),
      phone,
      ...(code ? { extension: code } : {}),
      ...(status ? { result: status.upload, waitSeconds: params.hold ?? null, talkSeconds: params.duration ?? null } : {}),
      ...(params.date ? { startedAt: naiveDate(params.date) } : existing?.startedAt ? {} : { startedAt: new Date() }),
    };
    const call = await tx.call.upsert({
      where: { accountId_uniqueid: { accountId, uniqueid: params.uniqueid } },
      create: { accountId, uniqueid: params.uniqueid, ...callData },
      update: callData,
    });

    const codes = params.type === "in" ? parseCodes(params.code ?? "").codes : code ? [code] : [];
    const event = {
      phone,
      type: params.type,
      codes: params.type === "in" && codes.length === 0 ? await allMappedExtensions(tx, accountId) : codes,
      callExternalId: params.uniqueid,
      ...(status ? { hangupStatus: status.event } : {}),
    };
    const deliveries: Prisma.DeliveryCreateManyInput[] = [{ accountId, callId: call.id, kind: "CALL_EVENT", payload: event }];
    if (params.type === "hangup") {
      deliveries.push({
        accountId,
        callId: call.id,
        kind: "CALLS_UPLOAD",
        payload: {
          date: params.date ?? new Date().toISOString().slice(0, 19).replace("T", " "),
          type: direction,
          phone,
          ...(code ? { code } : {}),
          result: status!.upload,
          duration: params.duration ?? 0,
          durationWaiting: params.hold ?? 0,
          externalId: params.uniqueid,
          ...(params.path ? { recordUrl: params.path } : {}),
        },
      });
    }
    await tx.delivery.createMany({ data: deliveries });
    await enqueueCallDelivery(tx, call.id);
    return { duplicate: false };
  });
}
