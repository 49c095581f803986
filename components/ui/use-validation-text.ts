"use client";

import { useTranslations } from "next-intl";
import { validationText } from "@/lib/i18n/validation";

/** Turns a schema's message (a message key, e.g. validation.crmUrlRequired) into the cabinet's language; other texts pass as they are. */
export function useValidationText(): (message: string | undefined) => string | undefined {
  const t = useTranslations();
  return (message) => (message === undefined ? undefined : validationText(t, message));
}
