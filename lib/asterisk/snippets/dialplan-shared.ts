import {
  channelNote,
  curlInto,
  eventAgi,
  eventUrl,
  HANGUP_NOTE,
  lookupUrl,
  phone,
  sections,
  type Flavour,
} from "./dialplan-lines";
import type { Snippet, SnippetContext } from "./types";

const ROUTE_BY_TOEXT = [
  'same => n,GotoIf($["${TOEXT}" = ""]?unknow-client,s,1) ; клиент не известен: голосовое меню или общая очередь',
  "same => n,Goto(manager-call,s,1) ; нашли ответственного менеджера",
];

const DIAL_HANGUP = [
  "exten => h,1," +
    eventAgi({
      phone: "${CALLERID(num)}",
      extension: "${TOEXT}",
      direction: "in",
      status: "${DIALSTATUS}",
      seconds: "${ANSWEREDTIME}",
    }) +
    " ; событие hangup и запись разговора",
];

const LOOKUP_NOTE =
  "Вызовите Goto(init-channel,s,1) из входящего контекста транка до голосового меню, " +
  "а перед этим сохраните номер, на который позвонили: Set(__CRM_DID=${EXTEN}) — по нему сервис узнаёт магазин. " +
  "Сервис вернёт имя клиента (оно станет CALLERID(name)) и внутренний номер ответственного менеджера (TOEXT); " +
  "если менеджер не найден, звонок уходит в unknow-client. Запрос ограничен 2 секундами: при сбое звонок идёт дальше без имени.";

export function lookupJson(ctx: SnippetContext, f: Flavour): Snippet {
  const code = sections([
    "[init-channel]",
    "exten => s,1,NoOp(Context: init-channel ${CALLERID(num)})",
    ...curlInto("C_RESULT", lookupUrl(ctx, "json")),
    `same => n,Set(CALLERID(name)=${f.json("callerId")})`,
    `same => n,Set(TOEXT=${f.json("phone")})`,
    ...ROUTE_BY_TOEXT,
  ]);
  return {
    id: `${f.id}-lookup-json`,
    title: "Входящий звонок: определение клиента (JSON)",
    language: "asterisk",
    description: `${LOOKUP_NOTE} ${f.jsonNote}`,
    code,
  };
}

export function lookupText(ctx: SnippetContext, f: Flavour): Snippet {
  const code = sections([
    "[init-channel]",
    "exten => s,1,NoOp(Context: init-channel ${CALLERID(num)})",
    ...curlInto("C_RESULT", lookupUrl(ctx, "text")),
    "same => n,Set(ARRAY(V_CALLERNAME,V_CODE)=${C_RESULT}) ; ответ сервиса: имя,внутренний номер",
    "same => n,Set(CALLERID(name)=${V_CALLERNAME})",
    "same => n,Set(TOEXT=${V_CODE})",
    ...ROUTE_BY_TOEXT,
  ]);
  return {
    id: `${f.id}-lookup-text`,
    title: "Входящий звонок: определение клиента (text)",
    language: "asterisk",
    description:
      `${LOOKUP_NOTE} Вариант без модулей JSON: ответ приходит строкой «имя,внутренний номер», ` +
      "запятых в имени сервис не оставляет, поэтому ARRAY() делит её надёжно.",
    code,
  };
}

export function managerCall(ctx: SnippetContext, f: Flavour): Snippet {
  const code = sections(
    [
      "[manager-call]",
      "exten => s,1,NoOp(Context: manager-call ${TOEXT})",
      `same => n,${f.recordCall} ; запись разговора`,
      `same => n,${f.startInCall("${TOEXT}")} ; карточка входящего звонка у ответственного менеджера`,
      `same => n,Dial(${phone(ctx, "${TOEXT}")},60,tr) ; звоним ответственному менеджеру`,
      "same => n,Goto(queue-managers,s,1) ; не ответил за 60 секунд: в общую очередь",
      "same => n,Hangup()",
    ],
    DIAL_HANGUP,
  );
  return {
    id: `${f.id}-manager-call`,
    title: "Звонок ответственному менеджеру и событие hangup",
    language: "asterisk",
    description: `Сюда ведёт init-channel, когда менеджер найден. Экстеншен h отправляет итог звонка. ${channelNote(ctx, f)} ${HANGUP_NOTE}`,
    code,
  };
}

export function incomingCall(ctx: SnippetContext, f: Flavour): Snippet {
  const code = sections(
    [
      "[incoming-call]",
      "exten => s,1,NoOp(Context: incoming-call)",
      "same => n,Set(TOEXT=101) ; внутренний номер, который принимает звонки этой линии",
      `same => n,${f.recordCall} ; запись разговора`,
      `same => n,${f.startInCall("${TOEXT}")} ; карточка входящего звонка у этого номера`,
      `same => n,Dial(${phone(ctx, "${TOEXT}")},60,tr)`,
      "same => n,Goto(queue-managers,s,1) ; номер не ответил за 60 секунд: в общую очередь",
      "same => n,Hangup()",
    ],
    DIAL_HANGUP,
  );
  return {
    id: `${f.id}-incoming-call`,
    title: "Входящий звонок на внутренний номер: Dial() и событие hangup",
    language: "asterisk",
    description:
      "Вариант без поиска менеджера: линия всегда звонит на один внутренний номер (замените 101). " +
      `При одном вызываемом канале статус звонка в DIALSTATUS, длительность разговора в ANSWEREDTIME. ${channelNote(ctx, f)} ${HANGUP_NOTE}`,
    code,
  };
}

export function queueManagers(f: Flavour): Snippet {
  const code = sections(
    [
      "[queue-managers]",
      "exten => s,1,NoOp(Context: queue-managers)",
      `same => n,${f.recordCall} ; запись разговора, если ещё не идёт`,
      `same => n,${f.startInCall("")} ; без номеров: карточку входящего звонка увидят все сотрудники`,
      "same => n,Queue(queue_managers,tr,,,60) ; в queues.conf у очереди queue_managers: setinterfacevar=yes",
      "same => n,Hangup()",
    ],
    [
      "exten => h,1,NoOp(Context: queue-managers hangup)",
      "same => n,Set(TO_EXT=${CUT(MEMBERINTERFACE,/,2)}) ; внутренний номер ответившего: 101 из PJSIP/101",
      "same => n,Set(TO_EXT=${CUT(TO_EXT,@,1)}) ; и из Local/101@from-internal",
      "same => n," +
        eventAgi({
          phone: "${CALLERID(num)}",
          extension: "${TO_EXT}",
          direction: "in",
          status: "${CDR(disposition)}",
          seconds: "${CDR(billsec)}",
        }),
    ],
    [
      "[unknow-client]",
      "exten => s,1,NoOp(Context: unknow-client) ; клиент не найден: здесь может быть ваше голосовое меню",
      "same => n,Goto(queue-managers,s,1)",
    ],
  );
  return {
    id: `${f.id}-queue`,
    title: "Очередь менеджеров: Queue() и событие hangup",
    language: "asterisk",
    description:
      "Общая очередь queue_managers с ожиданием до 60 секунд (таймаут Queue() — пятый аргумент). " +
      "Чтобы узнать, кто ответил, у очереди в queues.conf нужен setinterfacevar=yes: тогда MEMBERINTERFACE заполнен. " +
      "Точные статус и длительность event.sh берёт из queue_log (переменная QUEUE_LOG в скрипте). " +
      HANGUP_NOTE,
    code,
  };
}

export function outgoingCall(ctx: SnippetContext, f: Flavour): Snippet {
  const code = sections(
    [
      "[outgoing-call]",
      "exten => _X.,1,NoOp(Context: outgoing-call ${CALLERID(num)} to ${EXTEN})",
      "same => n,Set(OUT_PHONE=${EXTEN}) ; номер клиента: в экстеншене h EXTEN уже равен h",
      'same => n,Set(FROM_EXT=${IF($["${CRM_CODE}" != ""]?${CRM_CODE}:${CALLERID(num)})}) ; внутренний номер менеджера',
      'same => n,Set(CALLERID(num)=${IF($["${CRM_EXTERNAL_PHONE}" != ""]?${CRM_EXTERNAL_PHONE}:${CALLERID(num)})}) ; звонок из заказа: номер его магазина',
      `same => n,${f.recordCall} ; запись разговора`,
      ...curlInto("C_EVENT", eventUrl(ctx, "out", "EXTEN", "FROM_EXT")),
      `same => n,Dial(${f.trunk("${OUT_PHONE}")},60) ; trunk: имя вашего транка`,
      "same => n,Hangup()",
    ],
    [
      "exten => h,1," +
        eventAgi({
          phone: "${OUT_PHONE}",
          extension: "${FROM_EXT}",
          direction: "out",
          status: "${DIALSTATUS}",
          seconds: "${ANSWEREDTIME}",
        }) +
        " ; событие hangup и запись разговора",
    ],
  );
  return {
    id: `${f.id}-outgoing-call`,
    title: "Исходящий звонок: событие out и hangup",
    language: "asterisk",
    description:
      "Подключите контекст к внутренним телефонам (include => outgoing-call) и поправьте шаблон номера и имя транка. " +
      "Событие out сообщает CRM номер клиента (phone) и внутренний номер менеджера (code). " +
      "При звонке из CRM на экране менеджера номер клиента, поэтому CALLERID(num) здесь — номер клиента: " +
      "внутренний номер менеджера сервис передаёт в переменной CRM_CODE, для звонков с телефона остаётся CALLERID(num). " +
      "Звонок из заказа или клиента магазина, которому в «Возможности CRM» назначен номер, уходит с этим номером " +
      "(переменная CRM_EXTERNAL_PHONE): клиент видит номер магазина. " +
      HANGUP_NOTE,
    code,
  };
}
