"use client";

import { useTranslations } from "next-intl";
import { useLiveRead } from "@/components/ui/use-live-read";
import type { EventConnectionStatus } from "@/lib/call-tracking";

/** How often the shown state is read again: a holder reports a change within a beat or two. */
const REFRESH_MS = 5_000;

function time(iso: string | null): string {
  return iso ? iso.slice(0, 19).replace("T", " ") + " UTC" : "—";
}

/** The account's AMI event connection, as its holder last reported it (its error is stored in Russian), kept current. */
export function EventConnectionStatusView({ initial }: { initial: EventConnectionStatus | null }) {
  const t = useTranslations("asterisk.connection");
  const status = useLiveRead(["ami-connection"], "/api/cabinet/ami-connection", initial, REFRESH_MS);
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
