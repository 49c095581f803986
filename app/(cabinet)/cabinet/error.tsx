"use client";

import { useTranslations } from "next-intl";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";

/** A tab that failed to render (the database or the CRM in trouble): say so, and let the admin try again. */
export default function CabinetError({ reset }: { error: Error; reset: () => void }) {
  const t = useTranslations("cabinet");
  return (
    <div className="stack">
      <Alert tone="error">{t("tabFailed")}</Alert>
      <div>
        <Button type="button" onClick={reset}>
          {t("retry")}
        </Button>
      </div>
    </div>
  );
}
