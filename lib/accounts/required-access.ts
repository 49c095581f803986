import { DEFAULT_LOCALE, type Locale } from "@/lib/i18n/config";
import { translatorFor } from "@/lib/i18n/translate";
import type { Credentials } from "@/lib/retailcrm/schemas";

/** The API methods the seed guide (1.1) tells admins to allow, with the scope that grants each. */
export const REQUIRED_METHODS = [
  { method: "/api/users", scope: "user_read" },
  { method: "/api/customers", scope: "customer_read" },
  { method: "/api/integration-modules/{code}", scope: "integration_read" },
  { method: "/api/integration-modules/{code}/edit", scope: "integration_write" },
  { method: "/api/telephony/call/event", scope: "telephony_write" },
  { method: "/api/telephony/calls/upload", scope: "telephony_write" },
  { method: "/api/telephony/manager", scope: "telephony_read" },
] as const;

export const REQUIRED_SCOPES = [...new Set(REQUIRED_METHODS.map((m) => m.scope))];

/**
 * Methods an option of «Возможности CRM» needs besides, asked for only while it is on
 * (docs/crm-features.md). Which scope grants them is not confirmed (docs/retailcrm.md).
 */
export const FEATURE_METHODS = {
  missedTasks: [
    { method: "/api/tasks/create", scope: "task_write" },
    { method: "/api/tasks/{id}/edit", scope: "task_write" },
    { method: "/api/tasks/{id}", scope: "task_read" },
  ],
  alerts: [{ method: "/api/notifications/send", scope: "notification_write" }],
  newCustomers: [{ method: "/api/customers/create", scope: "customer_write" }],
  transcripts: [{ method: "/api/customers/notes/create", scope: "customer_write" }],
} as const;

export type Feature = keyof typeof FEATURE_METHODS;

/**
 * The methods this key may not call, of those the module needs and those of the features on.
 * Keys carry either scopes (current) or a list of allowed method paths (deprecated
 * `credentials`); a key with scopes is judged by its scopes.
 */
export function missingMethods(
  credentials: Pick<Credentials, "scopes" | "credentials">,
  features: readonly Feature[] = [],
): string[] {
  const needed: readonly { method: string; scope: string }[] = [
    ...REQUIRED_METHODS,
    ...features.flatMap((feature): readonly { method: string; scope: string }[] => FEATURE_METHODS[feature]),
  ];
  if (credentials.scopes.length > 0) {
    const scopes = new Set(credentials.scopes);
    return needed.filter((m) => !scopes.has(m.scope)).map((m) => m.method);
  }
  const allowed = new Set(credentials.credentials);
  return needed.filter((m) => !allowed.has(m.method)).map((m) => m.method);
}

/**
 * What to allow, in Russian unless a locale is given: connecting an account also answers the CRM's
 * activation callback with it, the cabinet's «Возможности CRM» passes the admin's locale.
 */
export function missingAccessMessage(methods: string[], locale: Locale = DEFAULT_LOCALE): string {
  return translatorFor(locale, "crm")("missingAccess", { methods: methods.join(", ") });
}

/** The features an account's options and its transcripts section (docs/transcripts.md) have on. */
export function featuresOn(
  options: { missedTasks: boolean; alertsEnabled: boolean; newCustomers: boolean } | null | undefined,
  transcripts?: { enabled: boolean } | null,
): Feature[] {
  return [
    ...(options?.missedTasks ? ["missedTasks" as const] : []),
    ...(options?.alertsEnabled ? ["alerts" as const] : []),
    ...(options?.newCustomers ? ["newCustomers" as const] : []),
    ...(transcripts?.enabled ? ["transcripts" as const] : []),
  ];
}
