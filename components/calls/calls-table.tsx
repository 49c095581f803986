"use client";

import { useTranslations } from "next-intl";
import type { JournalCall } from "@/lib/journal";
import { CallTranscript } from "./call-transcript";
import { RetryButton } from "./retry-button";

function seconds(value: number | null): string {
  if (value === null) return "—";
  return `${Math.floor(value / 60)}:${String(value % 60).padStart(2, "0")}`;
}

export function CallsTable({ calls, target }: { calls: JournalCall[]; target?: number }) {
  const t = useTranslations("calls");
  /** The CRM's call result (telephony/calls/upload) in words, none while the call goes on; an unknown one as it is. */
  const result = (value: string | null): string => {
    if (!value) return t("result.inProgress");
    switch (value) {
      case "answered":
        return t("result.answered");
      case "busy":
        return t("result.busy");
      case "failed":
        return t("result.failed");
      case "no answer":
        return t("result.noAnswer");
      case "not allowed":
        return t("result.notAllowed");
      case "unknown":
        return t("result.unknown");
      default:
        return value;
    }
  };
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">{t("columns.time")}</th>
            <th scope="col">{t("columns.direction")}</th>
            <th scope="col">{t("columns.phone")}</th>
            <th scope="col">{t("columns.manager")}</th>
            <th scope="col">{t("columns.status")}</th>
            <th scope="col">{t("columns.wait")}</th>
            <th scope="col">{t("columns.talk")}</th>
            <th scope="col">{t("columns.recording")}</th>
            <th scope="col">{t("columns.delivery")}</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((call) => (
            <tr
              key={call.id}
              id={`call-${call.id}`}
              data-uniqueid={call.uniqueid}
              className={call.id === target ? "call-target" : undefined}
              aria-current={call.id === target ? "true" : undefined}
            >
              <td>{call.startedAt ?? "—"}</td>
              <td>{call.direction ? t(`direction.${call.direction}`) : "—"}</td>
              <td>{call.phone ?? "—"}</td>
              <td>
                {call.extension ?? "—"}
                {call.manager ? <div className="muted">{call.manager}</div> : null}
              </td>
              <td>
                {result(call.result)}
                {call.failureReason ? <div className="field-error">{call.failureReason}</div> : null}
                {call.calledBack ? (
                  <div className="called-back">
                    {call.calledBack.after}
                    {call.calledBack.extension ? (
                      <div className="muted">
                        {[call.calledBack.manager, call.calledBack.extension].filter(Boolean).join(", ")}
                      </div>
                    ) : null}
                  </div>
                ) : null}
                {call.inputWarnings.map((warning) => (
                  <div key={warning} className="muted input-warning">
                    {warning}
                  </div>
                ))}
              </td>
              <td>{seconds(call.waitSeconds)}</td>
              <td>{seconds(call.talkSeconds)}</td>
              <td>
                {call.recordingUrl ? (
                  <audio
                    controls
                    preload="none"
                    src={call.recordingUrl}
                    aria-label={t("recording.label", { uniqueid: call.uniqueid })}
                  />
                ) : (
                  "—"
                )}
                {call.recordingNote ? <div className="muted recording-note">{call.recordingNote}</div> : null}
                {call.transcript ? <CallTranscript transcript={call.transcript} /> : null}
              </td>
              <td>
                {call.ignored ? <div className="muted call-ignored">{t("ignored")}</div> : null}
                <ul className="deliveries">
                  {call.deliveries.map((d) => (
                    <li key={d.id} className={`delivery delivery-${d.state.toLowerCase()}`}>
                      <span className="mono">{d.label}</span>: {d.note ?? t(`delivery.${d.state}`)}
                      {d.attempts > 1 ? ` ${t("delivery.attempts", { attempts: d.attempts })}` : null}
                      {d.state !== "SENT" && d.lastError ? <div className="field-error">{d.lastError}</div> : null}
                      {d.state === "FAILED" ? <RetryButton deliveryId={d.id} /> : null}
                    </li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
