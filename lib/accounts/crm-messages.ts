import type { Locale } from "@/lib/i18n/config";
import { requestLocale } from "@/lib/i18n/server";
import { translatorFor } from "@/lib/i18n/translate";
import { RetailCrmError } from "@/lib/retailcrm/errors";

/** What an admin reads when a request to their CRM fails, in the cabinet's language (one cause each). */
export async function crmErrorMessage(error: unknown, locale?: Locale): Promise<string> {
  const t = translatorFor(locale ?? (await requestLocale()), "crmErrors");
  if (!(error instanceof RetailCrmError)) return t("unknown");
  switch (error.kind) {
    case "missing-key":
    case "wrong-key":
      return t("wrongKey");
    case "access-denied":
      return t("accessDenied");
    case "account-missing":
      return t("accountMissing");
    case "method-not-found":
      return t("methodNotFound");
    case "timeout":
      return t("timeout");
    case "network":
      return t("network");
    case "blocked-address":
      return t("blockedAddress");
    case "rate-limited":
      return t("rateLimited");
    case "server":
      return t("server", { status: error.status ?? "?" });
    case "not-found":
    case "validation":
    case "bad-response":
      return t("refused", { message: error.message });
  }
}
