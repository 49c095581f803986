import { useTranslations } from "next-intl";
import type { EventConnectionStatus } from "@/lib/call-tracking";

function time(date: Date | null): string {
  return date ? date.toISOString().slice(0, 19).replace("T", " ") + " UTC" : "—";
}

/** The account's AMI event connection, as its holder last reported it (its error is stored in Russian). */
export function EventConnectionStatusView({ status }: { status: EventConnectionStatus | null }) {
  const t = useTranslations("asterisk.connection");
  if (!status) return null;
  const text =
    status.state === "connected"
      ? t("connected", { since: time(status.connectedAt) })
      : status.state === "failed"
        ? t("failed", { reason: status.error ?? t("unknownReason") })
        : t("connecting");
  return (
    <div className={`status status-${status.state}`} role="status" data-testid="event-connection">
      <p>{text}</p>
      {status.state === "connected" && status.error ? <p>{t("warning", { reason: status.error })}</p> : null}
      <p>{t("lastEvent", { time: time(status.lastEventAt) })}</p>
    </div>
  );
}
