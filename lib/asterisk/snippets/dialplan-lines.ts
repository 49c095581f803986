import { managerChannel } from "@/lib/asterisk/channel";
import type { SnippetContext, SnippetText } from "./types";

/** What differs between the Asterisk 16–20 (Macro) and the 21+ (Gosub) dialplans. */
export interface Flavour {
  id: "legacy" | "modern";
  /** Application call that starts the recording unless it already runs. */
  recordCall: string;
  /** Application call that reports an incoming call; codes is a dialplan expression, empty for «everyone». */
  startInCall(codes: string): string;
  /** Dial string of an outside number through the trunk. */
  trunk(number: string): string;
  /** Dialplan expression reading a field of the /api/manager JSON answer held in C_RESULT. */
  json(field: "callerId" | "phone"): string;
  /** Which JSON function this dialplan needs and where it comes from. */
  jsonNote(t: SnippetText): string;
}

/** Dial string of a manager's phone: the account's «Канал звонка менеджеру» with a dialplan expression for the extension. */
export function phone(ctx: SnippetContext, extension: string): string {
  return managerChannel(ctx.channelTemplate, extension);
}

/** What the admin should know about the channel the snippets dial managers with. */
export function channelNote(t: SnippetText, ctx: SnippetContext, f: Flavour): string {
  const note = t("notes.channel", { channel: phone(ctx, "101") });
  return f.id === "modern" && /^SIP(\/|$)/i.test(ctx.channelTemplate) ? `${note} ${t("notes.chanSipRemoved")}` : note;
}

/** `${URIENCODE(${expr})}`: channel data goes into a URL only encoded. */
function encoded(expr: string): string {
  return "${URIENCODE(${" + expr + "})}";
}

/**
 * The company's number of a call (docs/crm-features.md, «Магазины по номерам»): CRM_DID, which the
 * trunk's context sets to the number called, for incoming calls; CRM_EXTERNAL_PHONE, the store's
 * number a click in the CRM calls out with, for outgoing ones. Unset, the parameter goes empty and
 * counts as absent.
 */
const COMPANY_NUMBER = { in: "CRM_DID", out: "CRM_EXTERNAL_PHONE" } as const;

export function lookupUrl(ctx: SnippetContext, type: "json" | "text"): string {
  return `${ctx.serviceUrl}/api/manager?clientId=${ctx.clientId}&type=${type}&phone=${encoded("CALLERID(num)")}&externalPhone=${encoded(COMPANY_NUMBER.in)}`;
}

export function eventUrl(ctx: SnippetContext, type: "in" | "out", phone: string, code: string): string {
  return `${ctx.serviceUrl}/api/event?clientId=${ctx.clientId}&type=${type}&uniqueid=\${UNIQUEID}&phone=${encoded(phone)}&code=${encoded(code)}&externalPhone=${encoded(COMPANY_NUMBER[type])}`;
}

/** A CURL request into `variable`, with time limits so the caller never waits on the service for more than ~2 s. */
export function curlInto(t: SnippetText, variable: string, url: string): string[] {
  return [
    "same => n,Set(CURLOPT(conntimeout)=1)",
    `same => n,Set(CURLOPT(httptimeout)=2) ; ${t("comment.curlTimeout")}`,
    `same => n,Set(${variable}=\${CURL(${url})})`,
  ];
}

interface HangupArgs {
  phone: string;
  extension: string;
  direction: "in" | "out";
  status: string;
  seconds: string;
}

/** event.sh arguments: recording, uniqueid, phone, extension, date, direction, status, talk seconds. */
export function eventAgi(args: HangupArgs): string {
  return [
    "AGI(event.sh",
    "${MIXMONITOR_FILENAME}",
    "${UNIQUEID}",
    args.phone,
    args.extension,
    "${STRFTIME(${EPOCH},,%Y-%m-%d %H:%M:%S)}",
    args.direction,
    args.status,
    `${args.seconds})`,
  ].join(",");
}

/**
 * Start MixMonitor unless a recording already runs (the call may pass several contexts); jumps to
 * label "done". With `stereo`, option D keeps each side on its own channel, for transcripts that
 * tell the manager from the customer (docs/transcripts.md, «Who said what»), at twice the size.
 */
export function recordOnce(t: SnippetText, stereo = false): string[] {
  return [
    'exten => s,1,GotoIf($["${MIXMONITOR_FILENAME}" != ""]?done) ; ' + t("comment.recordingRunning"),
    ...(stereo ? [`; ${t("comment.stereo")}`] : []),
    `same => n,MixMonitor(\${STRFTIME(\${EPOCH},,%Y-%m-%d)}/\${UNIQUEID}.wav,${stereo ? "bD" : "b"}) ; ` +
      `/var/spool/asterisk/monitor/<${t("comment.date")}>/<uniqueid>.wav`,
  ];
}

export function sections(...contexts: string[][]): string {
  return contexts.map((lines) => lines.join("\n")).join("\n\n");
}
