"use client";

import { useLocale, useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { keepChoice } from "@/components/ui/browser-cookie";
import { LOCALE_COOKIE, LOCALE_COOKIE_MAX_AGE, LOCALES } from "@/lib/i18n/config";

/** The language switch: the choice is kept in a cookie the server reads on every request (docs/i18n.md). */
export function LocaleSwitch() {
  const t = useTranslations("common");
  const locale = useLocale();
  const router = useRouter();
  return (
    <label className="locale-switch">
      <span className="visually-hidden">{t("language")}</span>
      <select
        value={locale}
        onChange={(event) => {
          keepChoice(LOCALE_COOKIE, event.target.value, LOCALE_COOKIE_MAX_AGE);
          router.refresh();
        }}
      >
        {LOCALES.map((option) => (
          <option key={option} value={option}>
            {t(`languages.${option}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
