import { z } from "zod";
import { db } from "@/lib/db/client";
import { AmiError } from "@/lib/asterisk/ami/errors";
import { header } from "@/lib/asterisk/ami/message";
import { ingestCallEvent } from "@/lib/calls";
import { log } from "@/lib/log";
import { recentRingProfile } from "@/lib/accounts";
import { storeOf } from "@/lib/sites";
import { numberKey } from "@/lib/telephony/phone";
import { accountAmi } from "@/lib/asterisk/account-ami";
import { newClickId } from "@/lib/telephony/click-id";
import { originateAction } from "./originate";

export const makeCallSchema = z.object({
  clientId: z.string({ error: "parameter clientId is required" }).min(1, "parameter clientId is required"),
  code: z
    .string({ error: "parameter code is required" })
    .trim()
    .regex(/^\d{1,10}$/, "parameter code must be the manager's extension (digits)"),
  phone: z
    .string({ error: "parameter phone is required" })
    .trim()
    .min(1, "parameter phone is required")
    .max(64, "parameter phone is too long")
    .refine(
      (v) => /^[+\d ()\-.]+$/.test(v) && v.replace(/\D/g, "").length >= 2,
      "parameter phone must be a phone number",
    ),
  userId: z
    .string()
    .trim()
    .regex(/^\d{1,12}$/, "parameter userId must be a number")
    .optional(),
  externalPhone: z.string().trim().max(64, "parameter externalPhone is too long").optional(),
});

export type MakeCallOutcome = { success: true; clickId: string } | { success: false; errorMsg: string };

const AMI_FAILURES: Record<AmiError["kind"], string> = {
  unreachable: "Не удалось позвонить: АТС недоступна",
  "blocked-address": "Не удалось позвонить: адрес АТС во внутренней сети запрещён",
  timeout: "Не удалось позвонить: АТС не ответила вовремя",
  auth: "Не удалось позвонить: АТС не приняла логин или пароль AMI",
  permission: "Не удалось позвонить: у пользователя AMI нет права originate",
  protocol: "Не удалось позвонить: по адресу АТС не отвечает AMI",
  closed: "Не удалось позвонить: АТС закрыла соединение",
  refused: "Не удалось позвонить: АТС отказала в соединении",
  "too-large": "Не удалось позвонить: АТС прислала ответ больше допустимого",
};

/** Rings the manager's extension and dials the customer through the account's AMI. */
export async function makeCall(accountId: string, input: z.infer<typeof makeCallSchema>): Promise<MakeCallOutcome> {
  const user = await db().crmUser.findFirst({ where: { accountId, extension: input.code } });
  if (!user || (input.userId !== undefined && user.crmUserId !== Number(input.userId))) {
    return {
      success: false,
      errorMsg: `Внутренний номер ${input.code} не назначен этому сотруднику в модуле Asterisk`,
    };
  }
  const settings = await db().asteriskSettings.findUnique({ where: { accountId } });
  const ami = settings ? accountAmi(settings) : null;
  if (!settings || !ami)
    return { success: false, errorMsg: "Не удалось позвонить: доступ к AMI не настроен в личном кабинете модуля" };

  const clickId = newClickId();
  // A click from a store's order or customer names that store's number: only a number the admin mapped is used.
  const store = storeOf((await recentRingProfile(accountId)).stores, input.externalPhone);
  const action = originateAction(settings, {
    code: input.code,
    phone: input.phone,
    clickId,
    externalPhone: store?.phone,
  });
  // The call is this account's before Asterisk hears of it: every AMI user of a shared PBX sees
  // its events, and only the account that placed it takes them (docs/ami-events.md).
  await db().call.create({
    data: {
      accountId,
      uniqueid: clickId,
      direction: "OUT",
      phone: input.phone,
      phoneKey: numberKey(input.phone) || null,
      extension: input.code,
      externalPhone: store?.phone ?? null,
      startedAt: new Date(),
    },
  });
  let outcome: MakeCallOutcome;
  try {
    const reply = await ami.send(action);
    const message = header(reply, "Message") ?? "";
    outcome =
      header(reply, "Response") === "Success"
        ? { success: true, clickId }
        : {
            success: false,
            errorMsg:
              message === "Permission denied"
                ? AMI_FAILURES.permission
                : `Не удалось позвонить: АТС ответила «${message}»`,
          };
  } catch (error) {
    log.warn({ accountId, err: error }, "click-to-call originate failed");
    outcome = {
      success: false,
      errorMsg:
        error instanceof AmiError ? AMI_FAILURES[error.kind] : "Не удалось позвонить: внутренняя ошибка сервиса",
    };
  }

  if (!outcome.success)
    await db().call.update({
      where: { accountId_uniqueid: { accountId, uniqueid: clickId } },
      data: { result: "failed", failureReason: outcome.errorMsg },
    });
  if (!outcome.success) log.info({ accountId, code: input.code, errorMsg: outcome.errorMsg }, "click-to-call refused");
  else if (settings.sendOutEvent) {
    await ingestCallEvent(
      accountId,
      {
        clientId: input.clientId,
        type: "out",
        uniqueid: clickId,
        phone: input.phone,
        code: input.code,
        ...(store ? { externalPhone: store.phone } : {}),
      },
      { source: "click" },
    );
  }
  return outcome;
}
