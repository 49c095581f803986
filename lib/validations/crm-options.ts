import { z } from "zod";

const minutes = (message: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,4}$/, message)
    .refine((v) => Number(v) >= 1 && Number(v) <= 1440, message);

const userId = z.string().regex(/^\d{1,10}$/, "Выберите сотрудника из списка");

/** «Возможности CRM» (docs/crm-features.md), shared by the form, its server action and their tests. */
export const crmOptionsSchema = z
  .object({
    missedTasks: z.boolean(),
    missedTaskWindowMinutes: minutes("Окно — от 1 до 1440 минут"),
    missedTaskDefaultUserId: z.union([z.literal(""), userId]),
    missedTaskTemplate: z
      .string()
      .trim()
      .min(1, "Введите текст задачи")
      .max(500, "Не длиннее 500 символов")
      .refine((v) => v.includes("{phone}"), "В тексте задачи нужен номер: {phone}"),
    managerChain: z.boolean(),
    chainLastTalked: z.boolean(),
    chainFallbackUserIds: z.array(userId).max(20, "Не больше 20 сотрудников"),
    alertsEnabled: z.boolean(),
    alertUserIds: z.array(userId).max(50, "Не больше 50 сотрудников"),
    alertAfterMinutes: minutes("От 1 до 1440 минут"),
  })
  .superRefine((form, ctx) => {
    if (form.missedTasks && !form.missedTaskDefaultUserId)
      ctx.addIssue({
        code: "custom",
        path: ["missedTaskDefaultUserId"],
        message: "Выберите, кому ставить задачу, когда у клиента нет менеджера или он не свободен",
      });
    if (form.alertsEnabled && form.alertUserIds.length === 0)
      ctx.addIssue({ code: "custom", path: ["alertUserIds"], message: "Выберите, кому отправлять уведомления" });
  });

export type CrmOptionsInput = z.infer<typeof crmOptionsSchema>;
