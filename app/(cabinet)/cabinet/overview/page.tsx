import type { Metadata } from "next";
import { getFormatter, getTranslations } from "next-intl/server";
import Link from "next/link";
import { CallBacksPanel } from "@/components/overview/call-backs";
import { DaysChart, ManagersChart } from "@/components/overview/overview-charts";
import { Alert } from "@/components/ui/alert";
import { requireAccount } from "@/lib/auth";
import { PERIODS, viewOverview, type Period } from "@/lib/overview";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations();
  return { title: t("common.title", { page: t("overview.title") }) };
}

/** «Обзор»: the last 7 or 30 days of the account's calls and deliveries (docs/overview.md). */
export default async function OverviewPage({ searchParams }: { searchParams: Promise<{ days?: string }> }) {
  const account = await requireAccount();
  const { days } = await searchParams;
  const period: Period = PERIODS.find((p) => String(p) === days) ?? 7;
  const [t, format, view] = await Promise.all([
    getTranslations("overview"),
    getFormatter(),
    viewOverview(account.id, period),
  ]);
  const seconds = (value: number | null) =>
    value === null ? t("none") : t("seconds", { value: format.number(value, { maximumFractionDigits: 1 }) });
  const when = (at: Date) => format.dateTime(at, { dateStyle: "short", timeStyle: "short" });

  const toolbar = (
    <div className="toolbar">
      <h2>{t("title")}</h2>
      <nav className="inline" aria-label={t("period")}>
        {PERIODS.map((p) => (
          <Link
            key={p}
            href={`/cabinet/overview?days=${p}`}
            className={`button ${p === period ? "button-primary" : "button-secondary"}`}
            aria-current={p === period ? "page" : undefined}
          >
            {t("days", { count: p })}
          </Link>
        ))}
      </nav>
    </div>
  );
  if (!view.ok)
    return (
      <div className="stack">
        {toolbar}
        <Alert tone="error">{t("outOfTime")}</Alert>
      </div>
    );
  const { overview } = view;

  return (
    <div className="stack">
      {toolbar}

      <section aria-labelledby="overview-summary">
        <h3 id="overview-summary">{t("summary")}</h3>
        <dl className="figures">
          <div>
            <dt>{t("calls")}</dt>
            <dd>{format.number(overview.calls)}</dd>
          </div>
          <div>
            <dt>{t("incoming")}</dt>
            <dd>{format.number(overview.incoming)}</dd>
          </div>
          <div>
            <dt>{t("missed")}</dt>
            <dd>{format.number(overview.missed)}</dd>
          </div>
          <div>
            <dt>{t("missedShare")}</dt>
            <dd>
              {overview.missedShare === null
                ? t("none")
                : format.number(overview.missedShare, { style: "percent", maximumFractionDigits: 1 })}
            </dd>
          </div>
          <div>
            <dt>{t("averageWait")}</dt>
            <dd>{seconds(overview.averageWaitSeconds)}</dd>
          </div>
          <div>
            <dt>{t("p90Wait")}</dt>
            <dd>{seconds(overview.p90WaitSeconds)}</dd>
          </div>
        </dl>
      </section>

      <section aria-labelledby="overview-days" className="stack">
        <h3 id="overview-days">{t("perDay")}</h3>
        {overview.calls === 0 ? <p className="muted">{t("noCalls")}</p> : <DaysChart days={overview.days} />}
        <div className="table-scroll">
          <table aria-labelledby="overview-days">
            <thead>
              <tr>
                <th scope="col">{t("day")}</th>
                <th scope="col">{t("answered")}</th>
                <th scope="col">{t("missedSeries")}</th>
                <th scope="col">{t("unanswered")}</th>
              </tr>
            </thead>
            <tbody>
              {overview.days.map((d) => (
                <tr key={d.day}>
                  <th scope="row">{format.dateTime(new Date(`${d.day}T12:00:00Z`), { dateStyle: "medium" })}</th>
                  <td>{d.answered}</td>
                  <td>{d.missed}</td>
                  <td>{d.unanswered}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="overview-managers" className="stack">
        <h3 id="overview-managers">{t("perManager")}</h3>
        {overview.managers.length === 0 ? (
          <p className="muted">{t("noManagers")}</p>
        ) : (
          <>
            <ManagersChart managers={overview.managers} />
            <table aria-labelledby="overview-managers">
              <thead>
                <tr>
                  <th scope="col">{t("manager")}</th>
                  <th scope="col">{t("extension")}</th>
                  <th scope="col">{t("managerIncoming")}</th>
                  <th scope="col">{t("managerOutgoing")}</th>
                  <th scope="col">{t("talk")}</th>
                </tr>
              </thead>
              <tbody>
                {overview.managers.map((m) => (
                  <tr key={m.extension || "others"}>
                    <th scope="row">{m.extension ? (m.name ?? t("none")) : t("others")}</th>
                    <td>{m.extension || t("none")}</td>
                    <td>{m.incoming}</td>
                    <td>{m.outgoing}</td>
                    <td>{format.number(m.talkSeconds / 60, { maximumFractionDigits: 0 })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>

      <CallBacksPanel callBacks={overview.callBacks} />

      <section aria-labelledby="overview-delivery" className="stack">
        <h3 id="overview-delivery">{t("delivery")}</h3>
        <dl className="figures">
          <div>
            <dt>{t("sent")}</dt>
            <dd>{format.number(overview.delivery.sent)}</dd>
          </div>
          <div>
            <dt>{t("waiting")}</dt>
            <dd>{format.number(overview.delivery.waiting)}</dd>
          </div>
          <div>
            <dt>{t("failed")}</dt>
            <dd>{format.number(overview.delivery.failed)}</dd>
          </div>
        </dl>
        {overview.delivery.oldestWaitingAt ? (
          <p>{t("oldestWaiting", { at: when(overview.delivery.oldestWaitingAt) })}</p>
        ) : null}
        <p className={overview.delivery.lastError ? undefined : "muted"}>
          {overview.delivery.lastError
            ? t("lastError", {
                at: when(overview.delivery.lastError.at),
                message: overview.delivery.lastError.message,
              })
            : t("noErrors")}
        </p>
      </section>
    </div>
  );
}
