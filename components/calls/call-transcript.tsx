"use client";

import { useTranslations } from "next-intl";
import type { JournalTranscript } from "@/lib/journal";

/** The call's transcript and summary beside its recording (docs/transcripts.md), or why there is none. */
export function CallTranscript({ transcript }: { transcript: JournalTranscript }) {
  const t = useTranslations("transcripts.journal");
  if (transcript.state === "QUEUED")
    return (
      <div className="muted transcript">
        {t("queued")}
        {transcript.error ? <div className="field-error">{t("retrying", { error: transcript.error })}</div> : null}
      </div>
    );
  if (transcript.state === "FAILED")
    return <div className="field-error transcript">{t("failed", { error: transcript.error ?? "" })}</div>;
  if (transcript.state === "SKIPPED")
    return <div className="muted transcript">{t("skipped", { error: transcript.error ?? "" })}</div>;
  return (
    <details className="transcript">
      <summary>{t("heading")}</summary>
      {transcript.summary ? (
        <p className="transcript-summary">
          <strong>{t("summary")}:</strong> {transcript.summary}
        </p>
      ) : null}
      <ul className="transcript-lines">
        {transcript.lines.map((line, index) => (
          <li key={index}>{line}</li>
        ))}
      </ul>
    </details>
  );
}
