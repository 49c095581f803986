import { curlInto, eventUrl, recordOnce, sections, type Flavour } from "./dialplan-lines";
import { incomingCall, lookupJson, lookupText, managerCall, outgoingCall, queueManagers } from "./dialplan-shared";
import { snippetText, type Snippet, type SnippetContext } from "./types";

const modern: Flavour = {
  id: "modern",
  recordCall: "Gosub(sub-record-call,s,1)",
  startInCall: (codes) => (codes ? `Gosub(sub-start-in-call,s,1(${codes}))` : "Gosub(sub-start-in-call,s,1)"),
  trunk: (number) => `PJSIP/${number}@trunk`,
  json: (field) => `\${JSON_DECODE(C_RESULT,result.${field})}`,
  jsonNote: (t) => t("modern.jsonNote"),
};

function subroutines(ctx: SnippetContext): Snippet {
  const t = snippetText(ctx);
  const code = sections(
    ["[sub-record-call]", ...recordOnce(t, ctx.stereoRecording), "same => n(done),Return()"],
    [
      "[sub-start-in-call]",
      "exten => s,1,NoOp(Context: sub-start-in-call code: ${ARG1})",
      ...curlInto(t, "C_EVENT", eventUrl(ctx, "in", "CALLERID(num)", "ARG1")),
      "same => n,Return()",
    ],
  );
  return {
    id: "modern-subroutines",
    title: t("modern.subroutines.title"),
    language: "asterisk",
    description: t("modern.subroutines.description"),
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
    queueManagers(ctx, modern),
    outgoingCall(ctx, modern),
  ];
}
