"use client";

import { useTranslations } from "next-intl";
import { useState, useTransition } from "react";
import { retryDeliveryAction } from "@/app/(cabinet)/cabinet/calls/actions";
import { Button } from "@/components/ui/button";

export function RetryButton({ deliveryId }: { deliveryId: number }) {
  const t = useTranslations("calls.retry");
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string>();
  return (
    <>
      <Button
        type="button"
        variant="secondary"
        pending={pending}
        onClick={() =>
          startTransition(async () => {
            const result = await retryDeliveryAction(deliveryId);
            setError(result.ok ? undefined : result.error);
          })
        }
      >
        {pending ? t("pending") : t("button")}
      </Button>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </>
  );
}
