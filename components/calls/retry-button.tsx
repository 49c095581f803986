"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { retryDeliveryAction } from "./actions";
import { JOURNAL_KEY } from "./journal-query";

export function RetryButton({ deliveryId }: { deliveryId: number }) {
  const t = useTranslations("calls.retry");
  const { submit, outcome, formState } = useActionForm();
  const queryClient = useQueryClient();
  // The journal is read again at once: the request shows as queued, not failed, until the next read.
  const retry = submit(
    () => retryDeliveryAction(deliveryId),
    (result) => {
      if (result.ok) void queryClient.invalidateQueries({ queryKey: JOURNAL_KEY });
    },
  );
  const error = outcome?.ok === false ? outcome.formError : undefined;
  return (
    <>
      <Button type="button" variant="secondary" pending={formState.isSubmitting} onClick={retry}>
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
