import type { EventConnectionStatus } from "@/lib/call-tracking";

function time(date: Date | null): string {
  return date ? date.toISOString().slice(0, 19).replace("T", " ") + " UTC" : "—";
}

/** The account's AMI event connection, as its holder last reported it. */
export function EventConnectionStatusView({ status }: { status: EventConnectionStatus | null }) {
  if (!status) return null;
  const text =
    status.state === "connected"
      ? `Подключено к событиям AMI с ${time(status.connectedAt)}`
      : status.state === "failed"
        ? `Нет подключения к событиям AMI: ${status.error ?? "причина неизвестна"}`
        : "Подключение к событиям AMI…";
  return (
    <div className={`status status-${status.state}`} role="status" data-testid="event-connection">
      <p>{text}</p>
      <p>Последнее событие: {time(status.lastEventAt)}</p>
    </div>
  );
}
