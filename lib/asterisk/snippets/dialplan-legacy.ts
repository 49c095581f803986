import { curlInto, eventUrl, RECORD_ONCE, sections, type Flavour } from "./dialplan-lines";
import { incomingCall, lookupJson, lookupText, managerCall, outgoingCall, queueManagers } from "./dialplan-shared";
import type { Snippet, SnippetContext } from "./types";

const legacy: Flavour = {
  id: "legacy",
  recordCall: "Macro(record-call)",
  startInCall: (codes) => (codes ? `Macro(start-in-call,${codes})` : "Macro(start-in-call)"),
  trunk: (number) => `SIP/trunk/${number}`,
  json: (field) => `\${JSONELEMENT(C_RESULT,result/${field})}`,
  jsonNote:
    "JSONELEMENT() даёт сторонний модуль res_json; если его нет, возьмите встроенный JSON_DECODE() " +
    "(Asterisk 16.24+, 18.10+, 19.2+; см. вариант для 21+) или вариант text.",
};

function macros(ctx: SnippetContext): Snippet {
  const code = sections(
    ["[macro-record-call]", ...RECORD_ONCE, "same => n(done),NoOp(Recording: ${MIXMONITOR_FILENAME})"],
    [
      "[macro-start-in-call]",
      "exten => s,1,NoOp(Context: macro-start-in-call code: ${ARG1})",
      ...curlInto("C_EVENT", eventUrl(ctx, "in", "CALLERID(num)", "ARG1")),
    ],
  );
  return {
    id: "legacy-macros",
    title: "Макросы: запись разговора и событие входящего звонка",
    language: "asterisk",
    description:
      "macro-record-call включает запись (один раз за звонок), macro-start-in-call сообщает о входящем звонке: " +
      "ARG1 — внутренний номер, у которого появится карточка клиента; пустой ARG1 — карточку увидят все. " +
      "Macro() работает до Asterisk 20 включительно, в 21 он удалён.",
    code,
  };
}

/** Dialplan for Asterisk 16–20, Macro-based, as in the original guide but corrected. */
export function dialplanLegacy(ctx: SnippetContext): Snippet[] {
  return [
    lookupJson(ctx, legacy),
    lookupText(ctx, legacy),
    macros(ctx),
    managerCall(ctx, legacy),
    incomingCall(ctx, legacy),
    queueManagers(legacy),
    outgoingCall(ctx, legacy),
  ];
}
