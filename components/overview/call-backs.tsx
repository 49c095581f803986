import { useFormatter, useTranslations } from "next-intl";
import Link from "next/link";
import type { CallBacks } from "@/lib/overview";

/**
 * «Перезвоны по пропущенным» (docs/overview.md): how many of the period's missed calls were
 * called back and how fast, by whom, and the newest never called back, each linked to its place
 * in the journal.
 */
export function CallBacksPanel({ callBacks }: { callBacks: CallBacks }) {
  const t = useTranslations("overview");
  const format = useFormatter();
  const minutes = (seconds: number | null) =>
    seconds === null
      ? t("none")
      : t("callBacksMinutes", { value: format.number(seconds / 60, { maximumFractionDigits: 1 }) });
  const percent = (share: number | null) =>
    share === null ? t("none") : format.number(share, { style: "percent", maximumFractionDigits: 1 });
  const notCalledBack = callBacks.missed - callBacks.calledBack;
  return (
    <section aria-labelledby="overview-call-backs" className="stack" data-testid="call-backs">
      <h3 id="overview-call-backs">{t("callBacks")}</h3>
      <dl className="figures">
        <div>
          <dt>{t("callBacksMissed")}</dt>
          <dd>{format.number(callBacks.missed)}</dd>
        </div>
        <div>
          <dt>{t("callBacksDone")}</dt>
          <dd>{format.number(callBacks.calledBack)}</dd>
        </div>
        {callBacks.within.map((w) => (
          <div key={w.minutes}>
            <dt>{t("callBacksWithin", { minutes: w.minutes })}</dt>
            <dd>{percent(w.share)}</dd>
          </div>
        ))}
        <div>
          <dt>{t("callBacksMedian")}</dt>
          <dd>{minutes(callBacks.medianSeconds)}</dd>
        </div>
      </dl>

      <h4 id="overview-call-back-managers">{t("callBacksPerManager")}</h4>
      {callBacks.managers.length === 0 ? (
        <p className="muted">{t("noCallBacks")}</p>
      ) : (
        <table aria-labelledby="overview-call-back-managers">
          <thead>
            <tr>
              <th scope="col">{t("manager")}</th>
              <th scope="col">{t("extension")}</th>
              <th scope="col">{t("callBacksCount")}</th>
              <th scope="col">{t("callBacksManagerMedian")}</th>
            </tr>
          </thead>
          <tbody>
            {callBacks.managers.map((m) => (
              <tr key={m.extension}>
                <th scope="row">{m.name ?? t("none")}</th>
                <td>{m.extension}</td>
                <td>{m.calledBack}</td>
                <td>
                  {m.medianSeconds === null
                    ? t("none")
                    : format.number(m.medianSeconds / 60, { maximumFractionDigits: 1 })}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h4 id="overview-not-called-back">{t("notCalledBack", { count: notCalledBack })}</h4>
      {notCalledBack === 0 ? (
        <p className="muted">{t("noneNotCalledBack")}</p>
      ) : (
        <>
          <p className="muted">
            {t("notCalledBackShown", { shown: callBacks.notCalledBack.length, count: notCalledBack })}
          </p>
          <table aria-labelledby="overview-not-called-back">
            <thead>
              <tr>
                <th scope="col">{t("time")}</th>
                <th scope="col">{t("phone")}</th>
              </tr>
            </thead>
            <tbody>
              {callBacks.notCalledBack.map((call) => (
                <tr key={call.id}>
                  <td>
                    <Link href={`/cabinet/calls?call=${call.id}#call-${call.id}`}>{call.startedAt ?? t("none")}</Link>
                  </td>
                  <td>{call.phone || t("hiddenNumber")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
