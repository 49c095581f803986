import { z } from "zod";

const count = (max: number, message: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,6}$/, message)
    .refine((v) => Number(v) >= 1 && Number(v) <= max, message);

const minutes = (message: string) => count(1440, message);

const userId = z.string().regex(/^\d{1,10}$/, "crm.validation.chooseUser");

/** «Возможности CRM» (docs/crm-features.md), shared by the form, its server action and their tests; messages are keys. */
export const crmOptionsSchema = z
  .object({
    missedTasks: z.boolean(),
    missedTaskWindowMinutes: minutes("crm.validation.window"),
    missedTaskDefaultUserId: z.union([z.literal(""), userId]),
    missedTaskTemplate: z
      .string()
      .trim()
      .min(1, "crm.validation.templateRequired")
      .max(500, "crm.validation.templateTooLong")
      .refine((v) => v.includes("{phone}"), "crm.validation.templatePhone"),
    missedTasksPer10Minutes: count(10_000, "crm.validation.capPer10Minutes"),
    missedTasksPerDay: count(100_000, "crm.validation.capPerDay"),
    callBackWindowHours: count(168, "crm.validation.callBackWindow"),
    managerChain: z.boolean(),
    chainLastTalked: z.boolean(),
    chainFallbackUserIds: z.array(userId).max(20, "crm.validation.fallbackTooMany"),
    alertsEnabled: z.boolean(),
    alertUserIds: z.array(userId).max(50, "crm.validation.alertUsersTooMany"),
    alertAfterMinutes: minutes("crm.validation.alertAfter"),
    newCustomers: z.boolean(),
    newCustomerName: z
      .string()
      .trim()
      .min(1, "crm.validation.customerNameRequired")
      .max(100, "crm.validation.customerNameTooLong"),
  })
  .superRefine((form, ctx) => {
    if (form.missedTasks && !form.missedTaskDefaultUserId)
      ctx.addIssue({
        code: "custom",
        path: ["missedTaskDefaultUserId"],
        message: "crm.validation.defaultUserRequired",
      });
    if (form.alertsEnabled && form.alertUserIds.length === 0)
      ctx.addIssue({ code: "custom", path: ["alertUserIds"], message: "crm.validation.alertUsersRequired" });
  });

export type CrmOptionsInput = z.infer<typeof crmOptionsSchema>;
