import { channelNote, curlInto, eventAgi, eventUrl, lookupUrl, phone, sections, type Flavour } from "./dialplan-lines";
import { snippetText, type Snippet, type SnippetContext, type SnippetText } from "./types";

function routeByToext(t: SnippetText): string[] {
  return [
    'same => n,GotoIf($["${TOEXT}" = ""]?unknow-client,s,1) ; ' + t("comment.unknownClient"),
    `same => n,Goto(manager-call,s,1) ; ${t("comment.managerFound")}`,
  ];
}

function dialHangup(t: SnippetText): string[] {
  return [
    "exten => h,1," +
      eventAgi({
        phone: "${CALLERID(num)}",
        extension: "${TOEXT}",
        direction: "in",
        status: "${DIALSTATUS}",
        seconds: "${ANSWEREDTIME}",
      }) +
      ` ; ${t("comment.hangupEvent")}`,
  ];
}

function lookupNote(t: SnippetText): string {
  return t("notes.lookup", { set: "Set(__CRM_DID=${EXTEN})" });
}

export function lookupJson(ctx: SnippetContext, f: Flavour): Snippet {
  const t = snippetText(ctx);
  const code = sections([
    "[init-channel]",
    "exten => s,1,NoOp(Context: init-channel ${CALLERID(num)})",
    ...curlInto(t, "C_RESULT", lookupUrl(ctx, "json")),
    `same => n,Set(CALLERID(name)=${f.json("callerId")})`,
    `same => n,Set(TOEXT=${f.json("phone")})`,
    ...routeByToext(t),
  ]);
  return {
    id: `${f.id}-lookup-json`,
    title: t("lookupJson.title"),
    language: "asterisk",
    description: `${lookupNote(t)} ${f.jsonNote(t)}`,
    code,
  };
}

export function lookupText(ctx: SnippetContext, f: Flavour): Snippet {
  const t = snippetText(ctx);
  const code = sections([
    "[init-channel]",
    "exten => s,1,NoOp(Context: init-channel ${CALLERID(num)})",
    ...curlInto(t, "C_RESULT", lookupUrl(ctx, "text")),
    "same => n,Set(ARRAY(V_CALLERNAME,V_CODE)=${C_RESULT}) ; " + t("comment.serviceAnswer"),
    "same => n,Set(CALLERID(name)=${V_CALLERNAME})",
    "same => n,Set(TOEXT=${V_CODE})",
    ...routeByToext(t),
  ]);
  return {
    id: `${f.id}-lookup-text`,
    title: t("lookupText.title"),
    language: "asterisk",
    description: `${lookupNote(t)} ${t("lookupText.description")}`,
    code,
  };
}

export function managerCall(ctx: SnippetContext, f: Flavour): Snippet {
  const t = snippetText(ctx);
  const code = sections(
    [
      "[manager-call]",
      "exten => s,1,NoOp(Context: manager-call ${TOEXT})",
      `same => n,${f.recordCall} ; ${t("comment.recording")}`,
      `same => n,${f.startInCall("${TOEXT}")} ; ${t("comment.cardForManager")}`,
      `same => n,Dial(${phone(ctx, "${TOEXT}")},60,tr) ; ${t("comment.dialManager")}`,
      `same => n,Goto(queue-managers,s,1) ; ${t("comment.managerNoAnswer")}`,
      "same => n,Hangup()",
    ],
    dialHangup(t),
  );
  return {
    id: `${f.id}-manager-call`,
    title: t("managerCall.title"),
    language: "asterisk",
    description: `${t("managerCall.description")} ${channelNote(t, ctx, f)} ${t("notes.hangup")}`,
    code,
  };
}

export function incomingCall(ctx: SnippetContext, f: Flavour): Snippet {
  const t = snippetText(ctx);
  const code = sections(
    [
      "[incoming-call]",
      "exten => s,1,NoOp(Context: incoming-call)",
      `same => n,Set(TOEXT=101) ; ${t("comment.lineExtension")}`,
      `same => n,${f.recordCall} ; ${t("comment.recording")}`,
      `same => n,${f.startInCall("${TOEXT}")} ; ${t("comment.cardForExtension")}`,
      `same => n,Dial(${phone(ctx, "${TOEXT}")},60,tr)`,
      `same => n,Goto(queue-managers,s,1) ; ${t("comment.extensionNoAnswer")}`,
      "same => n,Hangup()",
    ],
    dialHangup(t),
  );
  return {
    id: `${f.id}-incoming-call`,
    title: t("incomingCall.title"),
    language: "asterisk",
    description: `${t("incomingCall.description")} ${channelNote(t, ctx, f)} ${t("notes.hangup")}`,
    code,
  };
}

export function queueManagers(ctx: SnippetContext, f: Flavour): Snippet {
  const t = snippetText(ctx);
  const code = sections(
    [
      "[queue-managers]",
      "exten => s,1,NoOp(Context: queue-managers)",
      `same => n,${f.recordCall} ; ${t("comment.recordingUnlessRunning")}`,
      `same => n,${f.startInCall("")} ; ${t("comment.cardForEveryone")}`,
      `same => n,Queue(queue_managers,tr,,,60) ; ${t("comment.queueSetting")}`,
      "same => n,Hangup()",
    ],
    [
      "exten => h,1,NoOp(Context: queue-managers hangup)",
      "same => n,Set(TO_EXT=${CUT(MEMBERINTERFACE,/,2)}) ; " + t("comment.answeredExtension"),
      "same => n,Set(TO_EXT=${CUT(TO_EXT,@,1)}) ; " + t("comment.answeredExtensionLocal"),
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
      `exten => s,1,NoOp(Context: unknow-client) ; ${t("comment.unknownClientMenu")}`,
      "same => n,Goto(queue-managers,s,1)",
    ],
  );
  return {
    id: `${f.id}-queue`,
    title: t("queue.title"),
    language: "asterisk",
    description: `${t("queue.description")} ${t("notes.hangup")}`,
    code,
  };
}

export function outgoingCall(ctx: SnippetContext, f: Flavour): Snippet {
  const t = snippetText(ctx);
  const code = sections(
    [
      "[outgoing-call]",
      "exten => _X.,1,NoOp(Context: outgoing-call ${CALLERID(num)} to ${EXTEN})",
      "same => n,Set(OUT_PHONE=${EXTEN}) ; " + t("comment.customerNumber"),
      'same => n,Set(FROM_EXT=${IF($["${CRM_CODE}" != ""]?${CRM_CODE}:${CALLERID(num)})}) ; ' +
        t("comment.managerExtension"),
      'same => n,Set(CALLERID(num)=${IF($["${CRM_EXTERNAL_PHONE}" != ""]?${CRM_EXTERNAL_PHONE}:${CALLERID(num)})}) ; ' +
        t("comment.storeNumber"),
      `same => n,${f.recordCall} ; ${t("comment.recording")}`,
      ...curlInto(t, "C_EVENT", eventUrl(ctx, "out", "EXTEN", "FROM_EXT")),
      `same => n,Dial(${f.trunk("${OUT_PHONE}")},60) ; ${t("comment.trunk")}`,
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
        ` ; ${t("comment.hangupEvent")}`,
    ],
  );
  return {
    id: `${f.id}-outgoing-call`,
    title: t("outgoingCall.title"),
    language: "asterisk",
    description: `${t("outgoingCall.description")} ${t("notes.hangup")}`,
    code,
  };
}
