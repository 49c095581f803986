/** The Originate action: validation in the order of action_originate(), and the OriginateResponse of fast_originate(). */
import { EVENT_FLAG, isTrue } from "./permissions";
import { type AmiMessage, type Field, getHeader, getVariables, separateArgs, skipBlanks, trimBlanks } from "./protocol";
import type { DialplanContext, OriginateOutcome } from "./types";

const REASON: Record<OriginateOutcome, number> = { answer: 4, busy: 5, noanswer: 3, congestion: 8, failed: 0 };

export interface OriginateRequest {
  tech: string;
  data: string;
  context: string;
  exten: string;
  application: string;
  appData: string;
  cidNum: string;
  cidName: string;
  channelId: string;
  actionId: string;
  async: boolean;
  variables: string[];
}

export interface Call {
  channel: string;
  uniqueid: string;
}

/** sscanf("%30d"): optional blanks and sign, then digits; anything may follow. */
function scanInt(text: string): number | undefined {
  const match = /^[\s]*([+-]?\d+)/.exec(text);
  return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 10);
}

/** ast_strip_quoted(s, "\"", "\""). */
function stripQuoted(text: string): string {
  const s = skipBlanks(trimBlanks(text));
  return s.length > 0 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/** ast_shrink_phone_number(): drops ( ) and spaces, '-' outside [], '.' unless last. */
function shrinkPhoneNumber(text: string): string {
  let out = "";
  let bracketed = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === "[") bracketed++;
    if (c === "]") bracketed--;
    if ((c === "-" && bracketed === 0) || (c === "." && i < text.length - 1) || c === "(" || c === ")" || c === " ")
      continue;
    out += c;
  }
  return out;
}

/** ast_callerid_parse() + the shrink done by action_originate(). */
export function parseCallerId(input: string): { name: string; num: string } {
  const trimmed = skipBlanks(trimBlanks(input));
  const instr = stripQuoted(trimmed);
  const lt = instr.lastIndexOf("<");
  if (lt >= 0) {
    const location = instr.slice(lt + 1);
    const gt = location.lastIndexOf(">");
    const num = gt >= 0 ? location.slice(0, gt) : location;
    return { name: stripQuoted(instr.slice(0, lt)).replace(/\\(.)/g, "$1"), num: shrinkPhoneNumber(num) };
  }
  const shrunk = shrinkPhoneNumber(instr);
  if (instr === trimmed && /^[0-9*#+]+$/.test(shrunk)) return { name: "", num: shrunk };
  return { name: stripQuoted(instr).replace(/\\(.)/g, "$1"), num: "" };
}

/** is_originate_app_permitted(): the first matching rule decides; Queue with its AGI argument needs agi or system. */
const APP_RULES: ReadonlyArray<{ permission: number; matches: (app: string, data: string) => boolean }> = [
  ...["agi", "dbdeltree", "exec", "externalivr", "mixmonitor", "originate", "reload", "system"].map((word) => ({
    permission: EVENT_FLAG.system,
    matches: (app: string) => app.toLowerCase().includes(word),
  })),
  {
    permission: EVENT_FLAG.agi | EVENT_FLAG.system,
    matches: (app: string, data: string) =>
      app.toLowerCase().includes("queue") && data !== "" && (separateArgs(data)[5] ?? "") !== "",
  },
  ...["CURL", "DB", "EVAL", "FILE", "ODBC", "REALTIME", "SHELL"].map((word) => ({
    permission: EVENT_FLAG.system,
    matches: (_app: string, data: string) => data.includes(word),
  })),
];

function appPermitted(app: string, data: string, writeperm: number): boolean {
  const rule = APP_RULES.find((r) => r.matches(app, data));
  return rule === undefined || (writeperm & rule.permission) !== 0;
}

/** Extension match with Asterisk `_` patterns: X, Z, N, [ranges], `.` and `!`. */
function extenMatches(pattern: string, exten: string): boolean {
  if (!pattern.startsWith("_")) return pattern === exten;
  const classes: Record<string, string> = { X: "[0-9]", Z: "[1-9]", N: "[2-9]", ".": ".+", "!": ".*" };
  let source = "";
  for (let i = 1; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === "[") {
      const close = pattern.indexOf("]", i);
      const set = pattern.slice(i + 1, close < 0 ? undefined : close);
      source += `[${set.replace(/[\\\]^]/g, "\\$&")}]`;
      i = close < 0 ? pattern.length : close;
    } else if (c !== "-") {
      source += classes[c.toUpperCase()] ?? c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`).test(exten);
}

function extensionExists(dialplan: DialplanContext[], context: string, exten: string, priority: number): boolean {
  if (priority < 1) return false;
  return dialplan.some(
    (c) => c.context === context && (c.extens === undefined || c.extens.some((p) => extenMatches(p, exten))),
  );
}

/** Validates an Originate like action_originate(); returns the error text or the request. */
export function parseOriginate(
  msg: AmiMessage,
  writeperm: number,
  dialplan: DialplanContext[] | undefined,
): { error: string } | { request: OriginateRequest } {
  const channel = getHeader(msg, "Channel");
  const priorityText = getHeader(msg, "Priority");
  const timeout = getHeader(msg, "Timeout");
  const application = getHeader(msg, "Application");
  const appData = getHeader(msg, "Data");
  const context = getHeader(msg, "Context");
  const exten = getHeader(msg, "Exten");
  const async = isTrue(getHeader(msg, "Async"));

  if (channel === "") return { error: "Channel not specified" };
  let priority = 0;
  if (priorityText !== "") {
    const numeric = scanInt(priorityText);
    // Labels are looked up in the dialplan; the simulator's dialplan has none, so only "no dialplan" accepts them.
    if (numeric === undefined && dialplan !== undefined) return { error: "Invalid priority" };
    priority = numeric ?? 1;
  }
  if (timeout !== "" && scanInt(timeout) === undefined) return { error: "Invalid timeout" };
  const slash = channel.indexOf("/");
  if (slash < 0) return { error: "Invalid channel" };
  const callerId = parseCallerId(getHeader(msg, "CallerID"));
  if (application !== "" && !appPermitted(application, appData, writeperm)) {
    return { error: "Originate Access Forbidden: app or data blacklisted" };
  }
  if (priority !== 0 && dialplan !== undefined && !extensionExists(dialplan, context, exten, priority)) {
    return { error: "Extension does not exist." };
  }
  // Only the synchronous path insists on a dialplan target; an async one is queued regardless.
  if (!async && application === "" && priority === 0) {
    return { error: "Originate with 'Exten' requires 'Context' and 'Priority'" };
  }
  return {
    request: {
      tech: channel.slice(0, slash),
      data: channel.slice(slash + 1),
      context,
      exten,
      application,
      appData,
      cidNum: callerId.num,
      cidName: callerId.name,
      channelId: getHeader(msg, "ChannelId"),
      actionId: getHeader(msg, "ActionID"),
      async,
      variables: getVariables(msg),
    },
  };
}

/** Channel names (`PJSIP/101-00000007`) and Uniqueids (`<epoch>.<seq>`) for answered calls. */
export class ChannelAllocator {
  private channelSeq = 0;
  private uniqueSeq = 0;

  allocate(request: OriginateRequest): Call {
    this.channelSeq += 1;
    this.uniqueSeq += 1;
    const suffix = this.channelSeq.toString(16).padStart(8, "0");
    const resource = request.data.split("/")[0] ?? "";
    const tech = request.tech;
    const at = resource.lastIndexOf("@");
    const channel = /^local$/i.test(tech)
      ? `${tech}/${resource}-${suffix};1`
      : `${tech}/${/^(pj)?sip$/i.test(tech) && at >= 0 ? resource.slice(at + 1) : resource}-${suffix}`;
    const uniqueid = request.channelId || `${Math.floor(Date.now() / 1000)}.${this.uniqueSeq}`;
    return { channel, uniqueid };
  }
}

/** The reported Uniqueid: the channel's on success, otherwise ChannelId or `<unknown>`. */
export function reportedUniqueid(request: OriginateRequest, outcome: OriginateOutcome, call: Call): string {
  return outcome === "answer" ? call.uniqueid : request.channelId || "<unknown>";
}

/** The body of `Event: OriginateResponse` as built by fast_originate(). */
export function originateResponseFields(request: OriginateRequest, outcome: OriginateOutcome, call: Call): Field[] {
  const success = outcome === "answer";
  const fields: Field[] = [];
  if (request.actionId !== "") fields.push(["ActionID", request.actionId]);
  fields.push(["Response", success ? "Success" : "Failure"]);
  fields.push(["Channel", success ? call.channel : `${request.tech}/${request.data}`]);
  if (request.application !== "") {
    fields.push(["Application", request.application], ["Data", request.appData]);
  } else {
    fields.push(["Context", request.context], ["Exten", request.exten]);
  }
  fields.push(
    ["Reason", String(REASON[outcome])],
    ["Uniqueid", reportedUniqueid(request, outcome, call)],
    ["CallerIDNum", request.cidNum || "<unknown>"],
    ["CallerIDName", request.cidName || "<unknown>"],
  );
  return fields;
}
