import { curlInto, eventUrl, RECORD_ONCE, sections, type Flavour } from "./dialplan-lines";
import { incomingCall, lookupJson, lookupText, managerCall, outgoingCall, queueManagers } from "./dialplan-shared";
import type { Snippet, SnippetContext } from "./types";

const modern: Flavour = {
  id: "modern",
  recordCall: "Gosub(sub-record-call,s,1)",
  startInCall: (codes) => (codes ? `Gosub(sub-start-in-call,s,1(${codes}))` : "Gosub(sub-start-in-call,s,1)"),
  trunk: (number) => `PJSIP/${number}@trunk`,
  json: (field) => `\${JSON_DECODE(C_RESULT,result.${field})}`,
  jsonNote: "JSON_DECODE() встроен в Asterisk начиная с 16.24, 18.10 и 19.2 (модуль func_json).",
};

function subroutines(ctx: SnippetContext): Snippet {
  const code = sections(
    ["[sub-record-call]", ...RECORD_ONCE, "same => n(done),Return()"],
    [
      "[sub-start-in-call]",
      "exten => s,1,NoOp(Context: sub-start-in-call code: ${ARG1})",
      ...curlInto("C_EVENT", eventUrl(ctx, "in", "CALLERID(num)", "ARG1")),
      "same => n,Return()",
    ],
  );
  return {
    id: "modern-subroutines",
    title: "Подпрограммы Gosub: запись разговора и событие входящего звонка",
    language: "asterisk",
    description:
      "sub-record-call включает запись (один раз за звонок), sub-start-in-call сообщает о входящем звонке: " +
      "ARG1 — внутренний номер, у которого появится карточка клиента; без аргумента карточку увидят все. " +
      "В Asterisk 21 Macro() удалён, вместо него Gosub() и Return().",
    code,
  };
}

/** Dialplan for Asterisk 21+: Gosub/Return, JSON_DECODE, PJSIP. */
export function dialplanModern(ctx: SnippetContext): Snippet[] {
  return [
    lookupJson(ctx, modern),
    lookupText(ctx, modern),
    subroutines(ctx),
    managerCall(ctx, modern),
    incomingCall(ctx, modern),
    queueManagers(modern),
    outgoingCall(ctx, modern),
  ];
}
