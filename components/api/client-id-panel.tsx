"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { OutcomeAlert, useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { rotateClientIdAction } from "./actions";
import { CopyButton } from "./copy-button";

export function ClientIdPanel({ clientId }: { clientId: string }) {
  const t = useTranslations("api");
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const { submit, outcome, formState } = useActionForm<Record<string, never>, { clientId: string }>();
  const pending = formState.isSubmitting;
  const rotate = submit(
    () => rotateClientIdAction(),
    (result) => {
      setConfirming(false);
      if (result.ok) router.refresh();
    },
  );

  return (
    <section aria-labelledby="client-id-title" className="stack">
      <h2 id="client-id-title">{t("params")}</h2>
      <div className="field">
        <label htmlFor="client-id">{t("clientId")}</label>
        <div className="inline">
          <input
            id="client-id"
            readOnly
            value={clientId}
            className="mono wide"
            onFocus={(e) => e.currentTarget.select()}
          />
          <CopyButton text={clientId} label={t("copyClientId")} />
        </div>
        <p className="field-hint">{t("clientIdHint")}</p>
      </div>
      <OutcomeAlert outcome={outcome} />
      {confirming ? (
        <div className="confirm" role="group" aria-labelledby="rotate-question">
          <p id="rotate-question">{t("rotateQuestion")}</p>
          <div className="actions">
            <Button variant="danger" type="button" onClick={rotate} pending={pending}>
              {pending ? t("rotating") : t("rotateConfirm")}
            </Button>
            <Button variant="secondary" type="button" onClick={() => setConfirming(false)} disabled={pending} autoFocus>
              {t("cancel")}
            </Button>
          </div>
        </div>
      ) : (
        <div>
          <Button variant="secondary" type="button" onClick={() => setConfirming(true)}>
            {t("rotate")}
          </Button>
        </div>
      )}
    </section>
  );
}
