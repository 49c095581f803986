import type { Snippet } from "@/lib/asterisk/snippets";
import { SnippetBlock } from "./snippet-block";

interface Props {
  serviceUrl: string;
  clientId: string;
  ami: Snippet[];
  legacy: Snippet[];
  modern: Snippet[];
}

/** «Описание API и настройка AMI и AGI интерфейсов» (docs/cabinet.md), personalised for this account. */
export function ApiReference({ serviceUrl, clientId, ami, legacy, modern }: Props) {
  const manager = `${serviceUrl}/api/manager?clientId=${clientId}&phone=<номер-телефона>&type=<json|text>&externalPhone=<номер-компании>`;
  const event = `${serviceUrl}/api/event?clientId=${clientId}&type=<in|out|hangup|upload>&uniqueid=<UNIQUEID>&phone=<номер>&code=<внутренний-номер>&status=<статус>&direct=<in|out>&date=<YYYY-MM-DD HH:MM:SS>&hold=<сек>&duration=<сек>&path=<URL-записи>&externalPhone=<номер-компании>`;
  return (
    <section aria-labelledby="api-title" className="stack">
      <h2 id="api-title">Описание API и настройка AMI и AGI интерфейсов</h2>

      <h3>
        API: /api/manager :: получение имени потенциального клиента и ответственного менеджера по входящему номеру
        телефона
      </h3>
      <pre>{manager}</pre>
      <p>
        Вызывайте в контексте входящего звонка до голосового меню. <code>type=json</code> отвечает{" "}
        <code>{'{"result":{"callerId":"…","phone":"<внутренний номер>"}}'}</code>, <code>type=text</code> — строкой{" "}
        <code>&lt;CallerID(name)&gt;,&lt;внутренний номер&gt;</code>. Если клиент не найден, значения пустые.{" "}
        <code>externalPhone</code> — номер компании, на который позвонили (необязательно): по нему сервис узнаёт магазин
        из «Возможности CRM». С цепочкой менеджеров JSON-ответ дополнительно содержит <code>extensions</code> — номера
        всех, кого звать вместе, и <code>dial</code> — готовую строку для Dial().
      </p>

      <h3>API: /api/event :: создание событий звонка в CRM-системе и загрузка информации по звонку в CRM</h3>
      <pre>{event}</pre>
      <p>
        <code>in</code> — начало входящего звонка (в <code>code</code> можно перечислить через запятую внутренние
        номера, которым показать карточку; пусто — всем), <code>out</code> — начало исходящего, <code>hangup</code> —
        завершение (статус ANSWER, BUSY, CANCEL, NOANSWER…, направление, дата, ожидание и длительность; по нему звонок
        выгружается в CRM), <code>upload</code> — загрузка записи разговора на сервис. <code>externalPhone</code> —
        номер компании, на который звонили или с которого звонят: звонок попадёт в CRM с магазином этого номера.
      </p>

      <h3>AGI: event.sh :: AGI-скрипт логирования события и загрузки файла записи на сервис</h3>
      <p>
        Скачайте скрипт с уже подставленным clientId:{" "}
        <a href={`${serviceUrl}/data/event.sh?clientId=${clientId}`}>{`${serviceUrl}/data/event.sh`}</a>, положите в{" "}
        <code>/var/lib/asterisk/agi-bin</code> и дайте права на исполнение пользователю, от которого запущен Asterisk.
      </p>

      <h3>AMI: call :: настройка AMI-интерфейса для выполнения звонков из CRM</h3>
      {ami.map((snippet) => (
        <SnippetBlock key={snippet.id} snippet={snippet} />
      ))}

      <h3>Dialplan для Asterisk 16–20 (Macro, JSONELEMENT или ARRAY)</h3>
      {legacy.map((snippet) => (
        <SnippetBlock key={snippet.id} snippet={snippet} />
      ))}

      <h3>Dialplan для Asterisk 21 и новее (Gosub, JSON_DECODE)</h3>
      {modern.map((snippet) => (
        <SnippetBlock key={snippet.id} snippet={snippet} />
      ))}
    </section>
  );
}
