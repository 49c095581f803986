import { curlInto, eventUrl, recordOnce, sections, type Flavour } from "./dialplan-lines";
import { incomingCall, lookupJson, lookupText, managerCall, outgoingCall, queueManagers } from "./dialplan-shared";
import { snippetText, type Snippet, type SnippetContext } from "./types";

const legacy: Flavour = {
  id: "legacy",
  recordCall: "Macro(record-call)",
  startInCall: (codes) => (codes ? `Macro(start-in-call,${codes})` : "Macro(start-in-call)"),
  trunk: (number) => `SIP/trunk/${number}`,
  json: (field) => `\${JSONELEMENT(C_RESULT,result/${field})}`,
  jsonNote: (t) => t("legacy.jsonNote"),
};

function macros(ctx: SnippetContext): Snippet {
  const t = snippetText(ctx);
  const code = sections(
    [
      "[macro-record-call]",
      ...recordOnce(t, ctx.stereoRecording),
      "same => n(done),NoOp(Recording: ${MIXMONITOR_FILENAME})",
    ],
    [
      "[macro-start-in-call]",
      "exten => s,1,NoOp(Context: macro-start-in-call code: ${ARG1})",
      ...curlInto(t, "C_EVENT", eventUrl(ctx, "in", "CALLERID(num)", "ARG1")),
    ],
  );
  return {
    id: "legacy-macros",
    title: t("legacy.macros.title"),
    language: "asterisk",
    description: t("legacy.macros.description"),
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
    queueManagers(ctx, legacy),
    outgoingCall(ctx, legacy),
  ];
}
