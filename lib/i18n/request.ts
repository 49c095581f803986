import { getRequestConfig } from "next-intl/server";
import { TIME_ZONE } from "./config";
import { requestLocale } from "./server";
import { MESSAGES } from "./messages";

/** next-intl's per-request configuration (next.config.mjs points the plugin here). */
export default getRequestConfig(async () => {
  const locale = await requestLocale();
  return { locale, messages: MESSAGES[locale], timeZone: TIME_ZONE };
});
