"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { keepChoice } from "@/components/ui/browser-cookie";
import { ASTERISK_VERSIONS } from "@/lib/asterisk/snippets/versions";
import { AMI_TRANSPORTS } from "@/lib/validations/asterisk-settings";
import {
  formatSnippetChoice,
  SNIPPET_CHOICE_COOKIE,
  SNIPPET_CHOICE_MAX_AGE,
  type SnippetChoice,
} from "./snippet-choice";

/** The admin's Asterisk: which generation and AMI transport the snippets below are written for. */
export function SnippetPicker({ choice, chosen }: { choice: SnippetChoice; chosen: boolean }) {
  const t = useTranslations("api.picker");
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  // Shown at once; the snippets follow when the server has rendered them for the new choice.
  const [picked, setPicked] = useState<SnippetChoice | null>(chosen ? choice : null);

  function pick(next: SnippetChoice) {
    setPicked(next);
    keepChoice(SNIPPET_CHOICE_COOKIE, formatSnippetChoice(next), SNIPPET_CHOICE_MAX_AGE);
    startTransition(() => router.refresh());
  }

  return (
    <fieldset className="picker" aria-busy={pending || undefined}>
      <legend>{t("legend")}</legend>
      {picked ? null : <p className="muted">{t("choose")}</p>}
      <div className="inline">
        <div role="radiogroup" aria-label={t("version")} className="segmented">
          {ASTERISK_VERSIONS.map((version) => (
            <label key={version}>
              <input
                type="radio"
                name="asterisk-version"
                checked={(picked ?? choice).version === version}
                onChange={() => pick({ ...(picked ?? choice), version })}
              />
              {t(version)}
            </label>
          ))}
        </div>
        <div role="radiogroup" aria-label={t("transport")} className="segmented">
          {AMI_TRANSPORTS.map((transport) => (
            <label key={transport}>
              <input
                type="radio"
                name="ami-transport"
                checked={(picked ?? choice).transport === transport}
                onChange={() => pick({ ...(picked ?? choice), transport })}
              />
              {t(transport === "HTTP" ? "http" : "tcp")}
            </label>
          ))}
        </div>
      </div>
    </fieldset>
  );
}
