import { z } from "zod";
import { isTimeZone } from "@/lib/telephony/clock";

const looseId = z.union([z.number(), z.string()]).transform((v) => Number(v));

export const errorReplySchema = z.object({
  success: z.literal(false),
  errorMsg: z.string().optional(),
  errors: z.union([z.record(z.string(), z.string()), z.array(z.string())]).optional(),
});

export const credentialsSchema = z.object({
  success: z.literal(true),
  scopes: z.array(z.string()).default([]),
  credentials: z.array(z.string()).default([]),
  siteAccess: z.string().optional(),
  sitesAvailable: z.array(z.string()).default([]),
});
export type Credentials = z.infer<typeof credentialsSchema>;

/** GET /api/system-info: the account's own addresses (the technical one may differ from the public one). */
export const systemInfoSchema = z.object({
  success: z.literal(true),
  systemVersion: z.string().optional(),
  publicUrl: z.string().optional(),
  technicalUrl: z.string().optional(),
});

/**
 * GET /api/v5/settings: the account's system settings, each `{value, updated_at}`; the bridge reads
 * the time zone (docs/retailcrm.md, «Часовой пояс»). A zone the runtime does not know counts as none.
 */
export const settingsSchema = z.object({
  success: z.literal(true),
  settings: z.object({
    timezone: z
      .object({ value: z.string() })
      .nullish()
      .transform((zone) => (zone && isTimeZone(zone.value) ? zone.value : null)),
  }),
});

export const paginationSchema = z.object({
  limit: z.number(),
  totalCount: z.number(),
  currentPage: z.number(),
  totalPageCount: z.number(),
});

export const crmUserSchema = z.object({
  id: looseId,
  active: z.boolean().default(true),
  email: z.string().nullish(),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  patronymic: z.string().nullish(),
  status: z.string().nullish(),
  online: z.boolean().nullish(),
  isManager: z.boolean().nullish(),
});
export type CrmUserRecord = z.infer<typeof crmUserSchema>;

export const usersPageSchema = z.object({
  success: z.literal(true),
  pagination: paginationSchema,
  users: z.array(crmUserSchema),
});

export const moduleEditSchema = z.object({
  success: z.literal(true),
  info: z
    .union([
      z.array(z.unknown()),
      z
        .object({ notExistUsersIds: z.array(looseId).optional(), notExistSiteCodes: z.array(z.string()).optional() })
        .passthrough(),
    ])
    .optional(),
});

/** The module as the CRM keeps it: whether it is on, and (when the CRM echoes it) the clientId it was given. */
export const moduleSchema = z.object({
  success: z.literal(true),
  integrationModule: z
    .object({
      code: z.string(),
      active: z.boolean(),
      freeze: z.boolean().optional(),
      clientId: z.string().optional(),
    })
    .passthrough(),
});

const personSchema = z.object({
  id: looseId.optional(),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  patronymic: z.string().nullish(),
});

export const telephonyManagerSchema = z.object({
  success: z.literal(true),
  manager: personSchema.extend({ code: z.string().nullish(), email: z.string().nullish() }).nullish(),
  customer: personSchema.extend({ email: z.string().nullish() }).passthrough().nullish(),
  links: z.record(z.string(), z.string()).nullish(),
});

export const callEventReplySchema = z.object({
  success: z.literal(true),
  notExistCodes: z.array(z.string()).optional(),
  notExistUsers: z.array(looseId).optional(),
});

export const callsUploadReplySchema = z.object({
  success: z.literal(true),
  processedCallsCount: z.number().optional(),
  duplicateCalls: z.array(z.string()).optional(),
});

/** GET /api/v5/reference/sites: the stores, keyed by code (an empty list comes as []). */
export const sitesSchema = z.object({
  success: z.literal(true),
  sites: z
    .union([z.array(z.unknown()), z.record(z.string(), z.object({ code: z.string(), name: z.string().nullish() }))])
    .transform((sites) => (Array.isArray(sites) ? [] : Object.values(sites))),
});

/** A task as the bridge writes it (docs/retailcrm.md, «Задачи»): datetime is "Y-m-d H:i". */
export interface CrmTaskInput {
  text?: string;
  commentary?: string;
  datetime?: string;
  performerId?: number;
  phone?: string;
  phoneSite?: string;
  customer?: { id: number };
  /** Done: the service sets it when the number was called back (docs/retailcrm.md, «Задачи»). */
  complete?: boolean;
}

export const taskCreatedSchema = z.object({ success: z.literal(true), id: looseId });

/** customers/create's `customer`: what the service knows of a caller (docs/retailcrm.md, «Новый клиент»). */
export interface CrmCustomerInput {
  firstName: string;
  phones: { number: string }[];
  site?: string;
}

export const customerCreatedSchema = z.object({ success: z.literal(true), id: looseId });

/** A customer note (docs/retailcrm.md, «Заметки клиента»): the customer by id or externalId. */
export interface CrmNoteInput {
  text: string;
  customer: { id: number } | { externalId: string };
  managerId?: number;
}

export const successSchema = z.object({ success: z.literal(true) });

export const taskSchema = z.object({
  success: z.literal(true),
  task: z.object({ id: looseId, text: z.string().nullish(), complete: z.boolean().default(false) }).passthrough(),
});

/** notifications/send's `notification` (docs/retailcrm.md, «Уведомления»). */
export interface CrmNotification {
  type: "api.info" | "api.error";
  message: string;
  userIds: number[];
}
