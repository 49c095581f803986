import type { JournalCall } from "@/lib/journal/calls";
import { RetryButton } from "./retry-button";

const results: Record<string, string> = {
  answered: "отвечен",
  busy: "занято",
  failed: "не состоялся",
  "no answer": "без ответа",
  "not allowed": "запрещён",
  unknown: "неизвестно",
};
const states = { QUEUED: "в очереди", SENT: "отправлено", FAILED: "ошибка" } as const;

function seconds(value: number | null): string {
  if (value === null) return "—";
  return `${Math.floor(value / 60)}:${String(value % 60).padStart(2, "0")}`;
}

function time(iso: string | null): string {
  return iso ? iso.slice(0, 19).replace("T", " ") : "—";
}

export function CallsTable({ calls }: { calls: JournalCall[] }) {
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Время</th>
            <th scope="col">Направление</th>
            <th scope="col">Телефон</th>
            <th scope="col">Менеджер</th>
            <th scope="col">Статус</th>
            <th scope="col">Ожидание</th>
            <th scope="col">Разговор</th>
            <th scope="col">Запись</th>
            <th scope="col">Передача в CRM</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((call) => (
            <tr key={call.id} data-uniqueid={call.uniqueid}>
              <td>{time(call.startedAt)}</td>
              <td>{call.direction === "OUT" ? "Исходящий" : call.direction === "IN" ? "Входящий" : "—"}</td>
              <td>{call.phone ?? "—"}</td>
              <td>
                {call.extension ?? "—"}
                {call.manager ? <div className="muted">{call.manager}</div> : null}
              </td>
              <td>
                {call.result ? (results[call.result] ?? call.result) : "идёт"}
                {call.failureReason ? <div className="field-error">{call.failureReason}</div> : null}
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
                    aria-label={`Запись звонка ${call.uniqueid}`}
                  />
                ) : (
                  "—"
                )}
                {call.recordingNote ? <div className="muted recording-note">{call.recordingNote}</div> : null}
              </td>
              <td>
                <ul className="deliveries">
                  {call.deliveries.map((d) => (
                    <li key={d.id} className={`delivery delivery-${d.state.toLowerCase()}`}>
                      <span className="mono">{d.label}</span>: {states[d.state]}
                      {d.attempts > 1 ? ` (попыток: ${d.attempts})` : null}
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
