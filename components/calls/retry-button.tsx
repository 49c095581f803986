"use client";

import { useTranslations } from "next-intl";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { retryDeliveryAction } from "./actions";

export function RetryButton({ deliveryId }: { deliveryId: number }) {
  const t = useTranslations("calls.retry");
  const { submit, outcome, formState } = useActionForm();
  const error = outcome?.ok === false ? outcome.formError : undefined;
  return (
    <>
      <Button
        type="button"
        variant="secondary"
        pending={formState.isSubmitting}
        onClick={submit(() => retryDeliveryAction(deliveryId))}
      >
        {formState.isSubmitting ? t("pending") : t("button")}
      </Button>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </>
  );
}
